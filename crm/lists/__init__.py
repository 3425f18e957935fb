"""The four lists' views and bulk actions, as each app registers its list.

Each app describes its list in its own ``lists.py`` (``accounts/lists.py``...), calling
``register`` with a RecordList: its user-scoped selector, FilterSet (whose ``system_views``
are the named views of the list), table, and the services its bulk actions run per record.
The kernel drives them generically: system and saved views (crm.lists.views), the bulk
actions (crm.lists.bulk). The modules are imported on first use (``autodiscover``), the way
``django.contrib.admin`` finds each app's ``admin.py``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, QueryDict
from django.utils.module_loading import autodiscover_modules

# Parameters of a list page that are not filters: the view chosen, the sort, the columns, paging.
VIEW_PARAM = "view"
SORT_PARAM = "sort"
COLUMNS_PARAM = "columns"
NOT_FILTERS = {VIEW_PARAM, SORT_PARAM, COLUMNS_PARAM, "page", "per_page"}
# Filter values that keep every row, as no value does: "all records" of crm.filters.RecordFilter's scope.
NEUTRAL_VALUES = {("scope", "all")}


def is_neutral(name, value) -> bool:
    """Whether the filter value ``value`` of ``name`` narrows nothing (empty, or "all records")."""
    return value == "" or (name, value) in NEUTRAL_VALUES


@dataclass(frozen=True)
class SystemView:
    """A named view of a list: filter values (as the list's GET parameters) and a default sort."""

    key: str
    name: Any
    filters: dict = field(default_factory=dict)
    sort: str = ""

    def __post_init__(self):
        # A number names a saved view (crm.models.SavedView) in ?view=; a system view's key is never one.
        if not self.key or self.key.isdigit():
            raise ValueError(f"A system view's key is a word, not {self.key!r}")


@dataclass(frozen=True)
class RecordList:
    """One list of records as its app registers it.

    ``reassign``, ``set_status`` and ``delete`` are the per-record services the record page's
    commands call, as functions of (record, actor, **value); None where the list has no such
    command. ``count_text`` is an ngettext_lazy with ``%(number)s`` ("3 accounts").
    """

    key: str
    selector: Callable
    filterset_class: type
    table_class: type
    count_text: Any
    reassign: Callable | None = None
    set_status: Callable | None = None
    delete: Callable | None = None
    # The column that names the record (its link): always shown, never chosen away.
    fixed_columns: tuple[str, ...] = ()

    @property
    def model(self):
        return self.filterset_class._meta.model

    @property
    def system_views(self) -> tuple[SystemView, ...]:
        return tuple(getattr(self.filterset_class, "system_views", ()))

    @property
    def default_view(self) -> SystemView | None:
        """The view a list shows with no view asked for: the FilterSet's ``default_view``, else the first."""
        views = self.system_views
        key = getattr(self.filterset_class, "default_view", None)
        return next((view for view in views if view.key == key), views[0] if views else None)

    def system_view(self, key) -> SystemView | None:
        return next((view for view in self.system_views if view.key == key), None)

    def columns(self) -> list[tuple[str, Any]]:
        """(name, header) of the table's columns that a user may show or hide, in the table's order."""
        return [
            (name, column.verbose_name or name)
            for name, column in self.table_class.base_columns.items()
            if name not in self.fixed_columns and getattr(column, "visible", True)
        ]

    def sortable(self) -> set[str]:
        return {name for name, column in self.table_class.base_columns.items() if column.orderable is not False}

    def filter_names(self) -> list[str]:
        return list(self.filterset_class.base_filters)

    def clean_filters(self, filters) -> dict:
        """``filters`` (name: value or list of values) as the FilterSet reads them, or ValueError.

        Only the FilterSet's own filters, every value one it accepts; empty values dropped.
        What comes back is stored in a saved view and sent again as the list's GET parameters.
        """
        if not isinstance(filters, dict):
            raise ValueError("filters are not a mapping")
        names = set(self.filter_names())
        data = QueryDict(mutable=True)
        for name, value in filters.items():
            if name not in names:
                raise ValueError(f"unknown filter {name!r}")
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(item, str) for item in values):
                raise ValueError(f"filter {name!r} is not text")
            values = [item for item in values if not is_neutral(name, item)]
            if values:
                data.setlist(name, values)
        filterset = self.filterset_class(data, queryset=self.model._default_manager.none())
        if not filterset.form.is_valid():
            raise ValueError(f"filters refused: {filterset.form.errors.as_json()}")
        return {name: (values if len(values) > 1 else values[0]) for name, values in data.lists()}

    def clean_sort(self, sort) -> str:
        """``sort`` (a column name, "-" before it for descending) when the table sorts by it, or ValueError."""
        if not isinstance(sort, str):
            raise ValueError("sort is not text")
        if sort and sort.removeprefix("-") not in self.sortable():
            raise ValueError(f"the table does not sort by {sort!r}")
        return sort

    def clean_columns(self, columns) -> list[str]:
        """``columns`` (names of the table's columns), in the table's order, or ValueError; empty: every column."""
        if not isinstance(columns, list) or not all(isinstance(name, str) for name in columns):
            raise ValueError("columns are not a list of names")
        known = [name for name in self.table_class.base_columns if name in self.fixed_columns] + [
            name for name, _header in self.columns()
        ]
        unknown = set(columns) - set(known)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        return [name for name in self.table_class.base_columns if name in columns]


_LISTS: dict[str, RecordList] = {}
_discovered = False


def register(record_list: RecordList) -> RecordList:
    """Offer ``record_list``'s views, saved views and bulk actions."""
    _LISTS[record_list.key] = record_list
    return record_list


def autodiscover():
    """Import every installed app's ``lists`` module, which registers its list (once)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("lists")


def get_list(key) -> RecordList:
    """The registered list named ``key``, or 404."""
    autodiscover()
    try:
        return _LISTS[key]
    except (KeyError, TypeError):
        raise Http404 from None


def registered() -> dict[str, RecordList]:
    autodiscover()
    return dict(_LISTS)
