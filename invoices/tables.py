"""The invoices list."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from crm.tables import MoneyColumn, OwnerColumn, RecordTable
from invoices.models import Invoice
from opportunities.tables import render_customer


class InvoiceTable(RecordTable):
    invoice_number = tables.Column(verbose_name=_("Invoice number"), linkify=True)
    name = tables.Column(verbose_name=_("Name"))
    customer = tables.Column(
        verbose_name=_("Customer"), empty_values=(), order_by=("account__name", "contact__last_name")
    )
    invoice_date = tables.DateColumn(verbose_name=_("Invoice date"))
    due_date = tables.DateColumn(verbose_name=_("Due date"))
    total_amount = MoneyColumn(verbose_name=_("Total amount"))
    state = tables.Column(verbose_name=_("Status"))
    owner = OwnerColumn(verbose_name=_("Owner"), order_by=("owner__last_name", "owner__first_name"))

    class Meta(RecordTable.Meta):
        model = Invoice
        fields = ("invoice_number", "name", "customer", "invoice_date", "due_date", "total_amount", "state", "owner")

    def render_customer(self, record):
        return render_customer(record)

    def render_state(self, record):
        return render_to_string("invoices/includes/invoice_status.html", {"invoice": record})
