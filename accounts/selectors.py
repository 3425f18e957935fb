"""Reads of accounts, scoped to the user, with their joins chosen."""

from django.core.paginator import Paginator

from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.selectors import recent_records, record_get, scoped
from invoices.models import Invoice
from opportunities.models import Opportunity


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


CONTACTS_PER_PAGE = 10


def account_contacts_page(*, user, account: Account, page=1):
    """One page of the account's contacts, for its Contacts panel (a count and a page: two queries)."""
    contacts = scoped(Contact.objects.filter(account=account).order_by("last_name", "first_name", "pk"), user=user)
    return Paginator(contacts, CONTACTS_PER_PAGE).get_page(page)


def account_summary(*, user, account: Account, contacts_page=1) -> dict:
    """What the account's Summary tab shows besides its fields: the Contacts, Recent Opportunities and
    Recent Invoices panels. A fixed number of queries whatever the number of related records."""
    return {
        "contacts": account_contacts_page(user=user, account=account, page=contacts_page)
        if permissions.can_view(user, Contact)
        else None,
        "opportunities": recent_records(
            Opportunity.objects.filter(account=account), user=user, order_by=("-modified_at", "-pk")
        ),
        "invoices": recent_records(
            Invoice.objects.filter(account=account), user=user, order_by=("-invoice_date", "-pk")
        ),
    }
