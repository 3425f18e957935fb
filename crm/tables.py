"""The house table: every list in the CRM derives from RecordTable."""

import functools

import django_tables2 as tables
from django.db import models
from django.template import Context
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.utils import Accessor, AttributeDict, signature

# What `{{ cell }}` sees in django-tables2's table.html: autoescaping on, numbers, dates and time zones
# as the settings say.
CELL_CONTEXT = Context()
# The arguments django-tables2 offers a render_FOO method or a column's render().
CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})
CLOSE_TD = mark_safe("</td>")
# No cell computed yet (None is a cell's possible value).
UNSET = object()


def sorted_by(*fields):
    """A column's ``order_by``: these fields, then the id.

    The id breaks ties, so paging through rows of equal value (a thousand accounts
    in one city) never repeats or skips one. Reversing the sort flips every key,
    so one btree index on (fields..., id) serves both directions on PostgreSQL;
    crm/migrations/0007_list_sort_indexes.py holds them.
    """
    return (*fields, "pk")


@functools.cache
def choice_labels(model, name, language):
    """The labels of a field's choices in a language, by value: computed once per process, not per cell."""
    with translation.override(language):
        return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def choice_label(record, name):
    """What ``record.get_<name>_display()`` gives, read from the cached labels of the active language."""
    value = getattr(record, name)
    try:
        return choice_labels(type(record), name, translation.get_language())[value]
    except (KeyError, TypeError):
        return getattr(record, f"get_{name}_display")()


def has_callables(attrs):
    """Whether an attrs dict (nested, as django-tables2 takes them) holds a value computed per cell."""
    return any(has_callables(value) if isinstance(value, dict) else callable(value) for value in attrs.values())


class CellRenderer:
    """How one column turns a record into its cell's HTML, worked out once per table rather than per cell.

    It gives what django-tables2's ``BoundRow.get_cell`` and ``{{ cell }}`` in its table.html give (the
    choice's label, the column's default for an empty value, render_FOO or the column's render, the link,
    localisation and escaping) without inspecting the render method's signature for every cell.
    """

    def __init__(self, table, bound_column):
        column = bound_column.column
        self.table = table
        self.bound_column = bound_column
        self.column = column
        self.accessor = bound_column.accessor
        self.empty_values = column.empty_values
        self.default = bound_column.default
        self.render = bound_column.render
        self.arguments, self.catch_all = signature(bound_column.render)
        # Like django-tables2's call_with_appropriate: a render asking for what no cell offers gives None.
        self.callable_render = bool(self.catch_all) or all(name in CELL_ARGUMENTS for name in self.arguments)
        self.localize = column.localize
        # One attribute and simple field names (``status``, ``owner``) read straight off a model instance.
        self.plain_name = (
            self.accessor
            if isinstance(self.accessor, str)
            and self.accessor
            and Accessor.SEPARATOR not in self.accessor
            and Accessor.LEGACY_SEPARATOR not in self.accessor
            and not isinstance(column, (BaseLinkColumn, ManyToManyColumn))
            else None
        )
        self.choices_by_model = {}
        self.link = self.plain_link(bound_column)
        # Attributes computed per cell are computed per cell; static ones once.
        per_cell = has_callables({**table.attrs, **column.attrs})
        self.opening = None if per_cell else self.td_opening(bound_column.attrs["td"])

    def td_opening(self, td_attrs):
        """The cell's ``<td ...>`` with its column's label, which the phone's card layout shows beside the value."""
        attrs = td_attrs.as_html()
        if not attrs:
            return format_html('<td data-label="{}">', self.bound_column.header)
        return format_html('<td {} data-label="{}">', attrs, self.bound_column.header)

    def plain_link(self, bound_column):
        """For ``linkify=True`` with static attributes: (accessor, attrs) to build the link without django-tables2."""
        link = bound_column.link
        if link is None or link.url is not None or link.reverse_args or has_callables(link.attrs or {}):
            return None
        return Accessor(link.accessor if link.accessor is not None else bound_column.name), dict(link.attrs or {})

    def shows_choice_label(self, record):
        """Whether this column shows the label of the record's choice field (``get_status_display``)."""
        model = type(record)
        shows = self.choices_by_model.get(model)
        if shows is None:
            field = self.accessor.get_field(record)
            shows = bool(getattr(field, "choices", ())) and hasattr(model, f"get_{self.plain_name}_display")
            self.choices_by_model[model] = shows
        return shows

    def value(self, record):
        """The cell's raw value; None when reading it fails, as django-tables2 has it (a column computed by render)."""
        name = self.plain_name
        if self.shows_choice_label(record):
            return choice_label(record, name)
        try:
            value = getattr(record, name)
        except Exception:
            return None
        if callable(value):
            if getattr(value, "alters_data", False):
                return None
            if not getattr(value, "do_not_call_in_templates", False):
                value = value()
        return value

    def content(self, bound_row, value):
        """What django-tables2's render step gives for a value: render_FOO or the column's render, then the link."""
        record = bound_row.record
        if not self.callable_render:
            content = None
        else:
            offered = {
                "value": value,
                "record": record,
                "column": self.column,
                "bound_column": self.bound_column,
                "bound_row": bound_row,
                "table": self.table,
            }
            if not self.catch_all:
                offered = {name: offered[name] for name in self.arguments}
            content = self.render(**offered)
        if self.link is None:
            if self.bound_column.link is None:
                return content
            return self.bound_column.link(
                content,
                value=value,
                record=record,
                column=self.column,
                bound_column=self.bound_column,
                bound_row=bound_row,
                table=self.table,
            )
        accessor, attrs = self.link
        target = accessor.resolve(record)
        if not hasattr(target, "get_absolute_url"):
            if not hasattr(record, "get_absolute_url"):
                raise TypeError(f"for linkify=True, '{target}' must have a method get_absolute_url")
            target = record
        href = target.get_absolute_url()
        if href is None:
            return content
        return format_html("<a {}>{}</a>", AttributeDict({**attrs, "href": href}).as_html(), content)

    def cell(self, bound_row):
        """The cell as django-tables2's ``BoundRow.get_cell`` gives it (before the template localises it)."""
        if self.plain_name is None or not isinstance(bound_row.record, models.Model):
            return bound_row._get_and_render_with(
                self.bound_column,
                render_func=lambda _column, value=None: self.content(bound_row, value),
                default=self.default,
            )
        value = self.value(bound_row.record)
        if value in self.empty_values:
            return self.default
        return self.content(bound_row, value)

    def cell_html(self, bound_row, cell=UNSET):
        """The cell's content localised and escaped as ``{{ cell }}`` in django-tables2's table.html has it."""
        if cell is UNSET:
            cell = self.cell(bound_row)
        if self.localize is not None:
            return conditional_escape(localize(cell) if self.localize else unlocalize(cell))
        if isinstance(cell, SafeData):
            return cell
        if type(cell) is str:  # text has nothing to localise: only escaping, as render_value_in_context does
            return escape(cell)
        return render_value_in_context(cell, CELL_CONTEXT)

    def html(self, bound_row):
        """The cell's ``<td>`` (SafeStrings added up stay safe)."""
        if self.opening is not None:
            return self.opening + self.cell_html(bound_row) + CLOSE_TD
        # Attributes computed per cell read the record and the cell, as in django-tables2's BoundRow.items().
        bound_column = self.bound_column
        cell = self.cell(bound_row)
        bound_column.current_record, bound_column.current_value = bound_row.record, cell
        return self.td_opening(bound_column.attrs["td"]) + self.cell_html(bound_row, cell) + CLOSE_TD


class RenderedRow:
    """One table row for the template: django-tables2's bound row and its cells' HTML."""

    __slots__ = ("bound_row", "cells")

    def __init__(self, bound_row, cells):
        self.bound_row = bound_row
        self.cells = cells

    @property
    def attrs(self):
        return self.bound_row.attrs

    @property
    def record(self):
        return self.bound_row.record

    @property
    def pk(self):
        return self.bound_row.record.pk

    @property
    def name(self):
        return str(self.bound_row.record)


class RecordTable(tables.Table):
    """Sortable columns, the house CSS classes, a clear empty text and rows rendered without introspection."""

    class Meta:
        attrs = {"class": "table table-hover align-middle record-table"}
        per_page = 25
        empty_text = _("No records match.")
        template_name = "django_tables2/table.html"

    # The page links show this many pages either side of the current one.
    page_window_size = 2
    # A first column of checkboxes naming the row's record (the list's bulk commands submit them).
    selectable = False

    @property
    def page_window(self):
        """The page numbers linked around the current page, never past the paginator's last page."""
        page = getattr(self, "page", None)
        if page is None:
            return range(0)
        last = self.paginator.num_pages
        return range(max(1, page.number - self.page_window_size), min(last, page.number + self.page_window_size) + 1)

    @property
    def column_count(self):
        """The number of columns the template draws, the selection's included (the empty row spans them)."""
        return len(self.columns) + bool(self.selectable)

    def cell_renderers(self):
        """One CellRenderer per visible column, built once for the table."""
        renderers = getattr(self, "_cell_renderers", None)
        if renderers is None:
            renderers = self._cell_renderers = [CellRenderer(self, bound_column) for bound_column in self.columns]
        return renderers

    def rendered_rows(self):
        """The current page's rows with their cells' HTML, each cell computed by its column's plain function."""
        renderers = self.cell_renderers()
        rows = []
        for bound_row in self.paginated_rows:
            # Each <td> is a SafeString of escaped parts, so their join is safe too (as in format_html_join).
            cells = mark_safe("".join([renderer.html(bound_row) for renderer in renderers]))
            rows.append(RenderedRow(bound_row, cells))
        return rows


class MoneyColumn(tables.Column):
    """An amount right-aligned with its currency beside it."""

    def __init__(self, *args, currency_accessor="currency", **kwargs):
        self.currency_accessor = currency_accessor
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        currency = tables.A(self.currency_accessor).resolve(record)
        return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


class OwnerColumn(tables.Column):
    """A user shown by full name (the list's selector joins the user); not sortable.

    Sorting by the owner's name orders by a joined table, which no index on the
    list's table can serve: on a million rows it sorts them all. The Show filter
    (my records) and the owner links narrow a list by owner instead.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return value.get_full_name() or value.get_username()


class DateColumn(tables.Column):
    """A date in the language's short format, as django-tables2's DateColumn shows it, without a template per cell.

    django-tables2's DateColumn renders ``{{ value|date:"SHORT_DATE_FORMAT" }}`` through a template for
    every cell; this calls the same formatting function. An empty date shows the column's default.
    """

    def __init__(self, *args, format="SHORT_DATE_FORMAT", **kwargs):
        self.format = format
        super().__init__(*args, **kwargs)

    def render(self, value):
        return date_format(value, self.format)

    def value(self, value):
        """The ISO date in exports, as django-tables2's DateColumn gives it."""
        return value.isoformat()
