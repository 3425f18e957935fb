"""A paginator that stays fast on tables of millions of rows.

Two costs grow with a table: counting it, and skipping to a deep page
(OFFSET n reads and throws away n rows). This paginator bounds both:

- The count stops at the deepest reachable row (``COUNT(*)`` over a
  ``LIMIT`` subquery), so counting costs at most ``max_pages * per_page``
  rows, whatever the table size; a smaller list is counted exactly.
- When an unfiltered list reaches that cap on PostgreSQL, the total shown
  is the planner's estimate (``pg_class.reltuples``, kept fresh by
  autovacuum and ANALYZE), so no query scans the whole table to count it.
- A deep page reads its rows' ids first (``SELECT id ... ORDER BY ...
  LIMIT 25 OFFSET n``, an index-only scan of the sort's index), then those
  rows with their joins: the OFFSET skips index entries, not n rows joined
  to their owner, account and contact.
- Pages stop at ``max_pages``: the deepest OFFSET is bounded, so the worst
  page costs the same at ten thousand or a million rows. Further rows are
  reached by narrowing (search, filters) or by reversing the sort, as
  in most large web applications. A user never needs page 40,000 of a list;
  keyset pagination would remove the bound but cannot jump to a page
  number, which the house list template offers.

``count_is_estimate`` and ``count_is_capped`` tell the template to say
"about N" or "N+".
"""

from functools import cached_property
from math import ceil

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet


def queryset_of(object_list):
    """Return the QuerySet behind ``object_list`` (a QuerySet, or django-tables2 rows wrapping one), or None."""
    current = object_list
    for _ in range(3):
        if isinstance(current, QuerySet):
            return current
        current = getattr(current, "data", None)
    return None


def is_unfiltered(queryset):
    """True when the query reads every row of its table: no WHERE, DISTINCT, GROUP BY or slice."""
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and query.group_by is None
        and query.low_mark == 0
        and query.high_mark is None
        and not query.combinator
    )


def estimated_rows(queryset):
    """The planner's row estimate of the queryset's table on PostgreSQL, or None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # reltuples is -1 before the table's first VACUUM or ANALYZE.
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class BoundedPaginator(Paginator):
    """Count by estimate when unfiltered and large, count up to a cap otherwise, and stop at max_pages."""

    max_pages = 400
    # A page holds 1 to this many rows, whatever ?per_page= asks (django-tables2 passes it on as given).
    max_per_page = 100
    # From this row on a page reads its ids first (see page()); above it one query is cheapest.
    ids_first_from_row = 250

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        per_page = min(max(int(per_page), 1), self.max_per_page)
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.count_is_estimate = False
        self.count_is_capped = False

    @property
    def max_rows(self):
        return self.max_pages * self.per_page

    @cached_property
    def count(self):
        queryset = queryset_of(self.object_list)
        if queryset is None:
            return len(self.object_list)
        # COUNT(*) over a LIMIT subquery: reads at most max_rows + 1 rows.
        counted = queryset.order_by()[: self.max_rows + 1].count()
        if counted <= self.max_rows:
            return counted
        if is_unfiltered(queryset):
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > self.max_rows:
                self.count_is_estimate = True
                return estimate
        self.count_is_capped = True
        return self.max_rows

    @cached_property
    def num_pages(self):
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, self.count - self.orphans)
        return min(ceil(hits / self.per_page), self.max_pages)

    def page(self, number):
        """The page ``number``; past ``ids_first_from_row``, its rows are read by the page's ids.

        The list's query joins what its columns show (select_related). With
        ``OFFSET n`` the database would join all n skipped rows too; reading
        only the ids skips them in the sort's index. The rows, then, are
        fetched by id and put back in the sorted order.
        """
        page = super().page(number)
        rows = queryset_of(page.object_list)
        if rows is None or rows.query.low_mark < self.ids_first_from_row:
            return page
        ids = list(rows.values_list("pk", flat=True))
        found = queryset_of(self.object_list).order_by().in_bulk(ids)
        records = [found[pk] for pk in ids if pk in found]
        if isinstance(page.object_list, QuerySet):
            page.object_list = records
        else:
            # django-tables2's rows: keep them, with the records as their data.
            page.object_list.data = records
        return page
