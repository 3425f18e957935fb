"""Reads of accounts, scoped to the user, with their joins chosen."""

from dataclasses import dataclass

from django.core.paginator import Paginator

from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.figures import CurrencyFigures, Period, sales_figures
from crm.selectors import recent_records, record_get, scoped
from invoices.models import Invoice
from invoices.selectors import invoice_list
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_list


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
# How many levels of child accounts the figures and filters follow down.
MAX_HIERARCHY_DEPTH = 10


def account_family_ids(account_id) -> list:
    """The account's id and the ids of its child accounts, their children and so on (one query per level)."""
    ids = [account_id]
    level = [account_id]
    for _depth in range(MAX_HIERARCHY_DEPTH):
        level = list(Account.objects.filter(parent_account_id__in=level).order_by().values_list("pk", flat=True))
        level = [pk for pk in level if pk not in ids]
        if not level:
            break
        ids.extend(level)
    return ids


# How many child accounts the hierarchy on the summary names; the rest are counted.
CHILDREN_SHOWN = 10


@dataclass
class AccountFigures:
    account: Account
    lines: list[CurrencyFigures]
    include_children: bool
    children: list[Account]
    child_count: int
    family_size: int


def account_figures(*, account: Account, user, include_children=False, period=None) -> AccountFigures:
    """The account's sales figures, one line per currency, optionally with its child accounts' records.

    A fixed number of aggregate queries whatever the number of records (one more
    per level of the hierarchy when child accounts are included).
    """
    ids = account_family_ids(account.pk) if include_children else [account.pk]
    opportunities = invoices = None
    if permissions.can_view(user, Opportunity):
        opportunities = opportunity_list(user=user).filter(account_id__in=ids)
    if permissions.can_view(user, Invoice):
        invoices = invoice_list(user=user).filter(account_id__in=ids)
    children = account_list(user=user).filter(parent_account=account).order_by("name", "pk")
    return AccountFigures(
        account=account,
        lines=sales_figures(opportunities=opportunities, invoices=invoices, period=period or Period.current()),
        include_children=include_children,
        children=list(children.select_related(None).only("pk", "name")[:CHILDREN_SHOWN]),
        child_count=children.count(),
        family_size=len(ids),
    )
