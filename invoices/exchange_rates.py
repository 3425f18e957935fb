"""Invoices store their total amount in the base currency too: how to bring it to new rates."""

from crm.exchange_rates import register_recalculation
from invoices.models import Invoice
from invoices.services import invoice_base_amounts_recalculate

register_recalculation(Invoice, invoice_base_amounts_recalculate)
