"""Accounts in the global search: by name, account number, email or main phone."""

from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_list
from crm.search import SearchKind, register


def detail(account) -> str:
    return " · ".join(part for part in (account.account_number, account.city) if part)


register(
    SearchKind(
        name="accounts",
        label=_("Accounts"),
        selector=account_list,
        fields=("name", "account_number", "email", "main_phone"),
        order_by=(Lower("name"), "pk"),
        detail=detail,
    )
)
