"""Reads of contacts, scoped to the user, with their joins chosen."""

from contacts.models import Contact
from crm.selectors import recent_records, record_get, scoped
from invoices.models import Invoice
from opportunities.models import Opportunity


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
