"""The accounts list as crm.lists drives it: its views (AccountFilter.system_views) and its bulk actions."""

from django.utils.translation import ngettext_lazy

from accounts import services
from accounts.filters import AccountFilter
from accounts.selectors import account_list
from accounts.tables import AccountTable
from crm.lists import RecordList, register

ACCOUNTS = register(
    RecordList(
        key="accounts",
        selector=account_list,
        filterset_class=AccountFilter,
        table_class=AccountTable,
        count_text=ngettext_lazy("%(number)s account", "%(number)s accounts", "count"),
        reassign=lambda account, **kwargs: services.account_reassign(account=account, **kwargs),
        set_status=lambda account, **kwargs: services.account_set_status(account=account, **kwargs),
        delete=lambda account, **kwargs: services.account_delete(account=account, **kwargs),
        fixed_columns=("name",),
    )
)
