"""Reads of contacts, scoped to the user, with their joins chosen."""

from contacts.models import Contact
from crm import permissions
from crm.figures import CurrencyFigures, Period, sales_figures
from crm.selectors import recent_records, record_get, scoped
from invoices.models import Invoice
from invoices.selectors import invoice_list
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_list


def contact_list(*, user):
    """Contacts the user may read, with their account and owner joined."""
    return scoped(Contact.objects.select_related("account", "owner"), user=user)


def contact_get(*, user, pk) -> Contact:
    """One contact the user may read, or 404."""
    return record_get(
        Contact.objects.select_related("account", "owner", "created_by", "modified_by"), user=user, pk=pk
    )


def contact_summary(*, user, contact: Contact) -> dict:
    """The Recent Opportunities and Recent Invoices panels of the contact's Summary tab (four queries)."""
    return {
        "opportunities": recent_records(
            Opportunity.objects.filter(contact=contact), user=user, order_by=("-modified_at", "-pk")
        ),
        "invoices": recent_records(
            Invoice.objects.filter(contact=contact), user=user, order_by=("-invoice_date", "-pk")
        ),
    }
def contact_figures(*, contact: Contact, user, period=None) -> list[CurrencyFigures]:
    """The sales figures over the contact's opportunities and invoices, one line per currency (two queries)."""
    opportunities = invoices = None
    if permissions.can_view(user, Opportunity):
        opportunities = opportunity_list(user=user).filter(contact=contact)
    if permissions.can_view(user, Invoice):
        invoices = invoice_list(user=user).filter(contact=contact)
    return sales_figures(opportunities=opportunities, invoices=invoices, period=period or Period.current())
