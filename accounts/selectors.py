"""Reads of accounts, scoped to the user, with their joins chosen."""

from accounts.models import Account
from crm.selectors import record_get, scoped


def account_list(*, user):
    """Accounts the user may read, with what the list shows joined."""
    return scoped(Account.objects.select_related("owner", "primary_contact", "parent_account"), user=user)


def account_get(*, user, pk) -> Account:
    """One account the user may read, or 404."""
    return record_get(
        Account.objects.select_related("owner", "primary_contact", "parent_account", "created_by", "modified_by"),
        user=user,
        pk=pk,
    )
