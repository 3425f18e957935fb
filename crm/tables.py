"""The house table: every list in the CRM derives from RecordTable."""

import django_tables2 as tables
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


def sorted_by(*fields):
    """A column's ``order_by``: these fields, then the id.

    The id breaks ties, so paging through rows of equal value (a thousand accounts
    in one city) never repeats or skips one. Reversing the sort flips every key,
    so one btree index on (fields..., id) serves both directions on PostgreSQL;
    crm/migrations/0007_list_sort_indexes.py holds them.
    """
    return (*fields, "pk")


class RecordTable(tables.Table):
    """Sortable columns, the house CSS classes and a clear empty text."""

    class Meta:
        attrs = {"class": "table"}
        per_page = 25
        empty_text = _("No records match.")
        template_name = "django_tables2/table.html"

    # The page links show this many pages either side of the current one.
    page_window_size = 2

    @property
    def page_window(self):
        """The page numbers linked around the current page, never past the paginator's last page."""
        page = getattr(self, "page", None)
        if page is None:
            return range(0)
        last = self.paginator.num_pages
        return range(max(1, page.number - self.page_window_size), min(last, page.number + self.page_window_size) + 1)


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
