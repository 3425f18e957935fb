"""A customer's opportunities and invoices as the Related tab lists them (accounts and contacts alike)."""

from django.utils.translation import gettext as _

from crm import permissions
from invoices.models import Invoice
from invoices.selectors import invoice_list
from invoices.tables import InvoiceTable
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_list
from opportunities.tables import OpportunityTable


def sales_lists(*, user, **customer) -> list:
    """(key, title, table class, queryset) of the customer's (account= or contact=) opportunities and invoices,
    those the user may read."""
    lists = []
    if permissions.can_view(user, Opportunity):
        lists.append(
            ("opportunities", _("Opportunities"), OpportunityTable, opportunity_list(user=user).filter(**customer))
        )
    if permissions.can_view(user, Invoice):
        lists.append(("invoices", _("Invoices"), InvoiceTable, invoice_list(user=user).filter(**customer)))
    return lists
