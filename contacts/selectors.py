"""Reads of contacts, scoped to the user, with their joins chosen."""

from contacts.models import Contact
from crm.selectors import record_get, scoped


def contact_list(*, user):
    """Contacts the user may read, with their account and owner joined."""
    return scoped(Contact.objects.select_related("account", "owner"), user=user)


def contact_get(*, user, pk) -> Contact:
    """One contact the user may read, or 404."""
    return record_get(
        Contact.objects.select_related("account", "owner", "created_by", "modified_by"), user=user, pk=pk
    )
