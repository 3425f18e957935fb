"""What each list exports: its user-scoped selector, its filters and its columns.

The export view and the export task both rebuild a list's records here, from
the user and the list's GET parameters, so a background export holds exactly
the rows the list showed, in the user's scope.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, QueryDict

from accounts.filters import AccountFilter
from accounts.selectors import account_list
from contacts.filters import ContactFilter
from contacts.selectors import contact_list
from crm.imports.exports import export_rows
from crm.imports.resources import AccountResource, ContactResource


@dataclass(frozen=True)
class ExportSource:
    name: str
    selector: Callable
    filterset_class: type
    resource_class: type

    @property
    def model(self):
        return self.filterset_class._meta.model

    def queryset(self, *, user, query: QueryDict, request=None):
        """The records the user's list shows for ``query`` (the list's GET parameters), filtered as the list does."""
        if request is None:
            # The filters read only the user (the mine/all switch) from the request.
            request = HttpRequest()
            request.user = user
            request.GET = query
        queryset = self.selector(user=user)
        return self.filterset_class(query or None, queryset=queryset, request=request).qs

    def rows(self, queryset):
        """The header row, then one row per record, read in chunks."""
        return export_rows(self.resource_class(), queryset)


SOURCES = {
    source.name: source
    for source in (
        ExportSource("accounts", account_list, AccountFilter, AccountResource),
        ExportSource("contacts", contact_list, ContactFilter, ContactResource),
    )
}
