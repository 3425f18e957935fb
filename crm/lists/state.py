"""What a list page shows: the view asked for (?view=), its filters, sort and columns, and the request's own changes."""

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from crm.lists import COLUMNS_PARAM, NOT_FILTERS, SORT_PARAM, VIEW_PARAM, RecordList, is_neutral
from crm.lists.selectors import saved_views
from crm.params import clean_text, record_number


@dataclass
class ListState:
    record_list: RecordList
    # The system view or the user's saved view shown (its filters may have been changed since).
    system_view: Any = None
    saved_view: Any = None
    # The FilterSet's data: the view's filters, each replaced by the request's own value when it has one.
    data: QueryDict = field(default_factory=QueryDict)
    base_filters: dict = field(default_factory=dict)
    sort: str = ""
    columns: list = field(default_factory=list)
    # The user's saved views of this list: one query, made when first needed (an htmx page of results needs none).
    user: Any = None
    loaded_views: list | None = None
    warning: str = ""
    # The request's own parameters.
    params: QueryDict = field(default_factory=QueryDict)

    @property
    def views(self) -> list:
        if self.loaded_views is None:
            self.loaded_views = list(saved_views(user=self.user, list_key=self.record_list.key))
        return self.loaded_views

    @property
    def name(self):
        return self.saved_view.name if self.saved_view else (self.system_view.name if self.system_view else "")

    @property
    def key(self) -> str:
        """The ?view= value of the view shown ("" for the default system view)."""
        if self.saved_view:
            return str(self.saved_view.pk)
        default = self.record_list.default_view
        if self.system_view and (default is None or self.system_view.key != default.key):
            return self.system_view.key
        return ""

    def filters(self) -> dict:
        """The filters applied, non-empty values only, as a saved view stores them."""
        return {
            name: (values if len(values) > 1 else values[0])
            for name, values in (
                (name, [v for v in self.data.getlist(name) if not is_neutral(name, v)]) for name in self.data
            )
            if values
        }

    @property
    def changed(self) -> bool:
        """Whether the filters differ from the view's (the user changed them after choosing it)."""
        return self.filters() != self.base_filters

    def query(self) -> str:
        """The list's query string for these filters, sort and columns, without a view: what "Save view as" saves."""
        params = QueryDict(mutable=True)
        for name, value in self.filters().items():
            params.setlist(name, value if isinstance(value, list) else [value])
        if self.sort:
            params[SORT_PARAM] = self.sort
        if self.columns:
            params.setlist(COLUMNS_PARAM, self.columns)
        return params.urlencode()

    def column_chooser(self) -> dict:
        """The column chooser's checkboxes and the parameters it keeps (all but the columns and the page)."""
        record_list = self.record_list
        headers = {name: column.verbose_name or name for name, column in record_list.table_class.base_columns.items()}
        chosen = set(self.columns)
        return {
            "fixed": [(name, headers[name]) for name in record_list.fixed_columns if name in headers],
            "columns": [(name, header, not chosen or name in chosen) for name, header in record_list.columns()],
            "hidden": [
                (name, value)
                for name, values in self.params.lists()
                if name not in (COLUMNS_PARAM, "page")
                for value in values
            ],
        }


def resolve(record_list: RecordList, *, user, params: QueryDict) -> ListState:
    """The view ``params`` ask for (404 for a saved view that is not the user's) and what it shows.

    A saved view that its list can no longer show (a filter value refused, a column gone: its
    stored JSON changed) falls back to the default view with a warning, never an error.
    """
    state = ListState(record_list=record_list, user=user, params=params)
    asked = clean_text(params.get(VIEW_PARAM, ""))
    default = record_list.default_view
    filters, sort, columns = {}, "", []
    if asked.isdigit():
        pk = record_number(asked)
        saved = next((view for view in state.views if view.pk == pk), None)
        if saved is None:
            raise Http404
        try:
            filters = record_list.clean_filters(saved.filters)
            sort = record_list.clean_sort(saved.sort)
            columns = record_list.clean_columns(saved.columns)
        except ValueError:
            state.warning = _("The view %(name)s can no longer be shown as it was saved; this is the default view.") % {
                "name": saved.name
            }
            filters, sort, columns = {}, "", []
        else:
            state.saved_view = saved
    elif asked:
        state.system_view = record_list.system_view(asked)
        if state.system_view is None:
            state.warning = _("There is no such view; this is the default view.")
    if state.saved_view is None:
        state.system_view = state.system_view or default
        if state.system_view is not None:
            filters, sort = dict(state.system_view.filters), state.system_view.sort
    state.base_filters = {name: value for name, value in filters.items() if not is_neutral(name, value)}
    data = QueryDict(mutable=True)
    for name, value in filters.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    for name in params:
        if name not in NOT_FILTERS:
            data.setlist(name, params.getlist(name))
    state.data = data
    state.sort = params.get(SORT_PARAM) or sort
    if COLUMNS_PARAM in params:
        try:
            columns = record_list.clean_columns(params.getlist(COLUMNS_PARAM))
        except ValueError:
            columns = []
    state.columns = columns
    return state
