"""The filter bar every list shares: a search box, mine or all, and per-area filters."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordFilter(django_filters.FilterSet):
    """Search over ``search_fields`` and a mine/all switch on the owner."""

    search_fields: tuple[str, ...] = ()
    # A related record's matches up to this many are looked up first and passed as ids (see search).
    related_match_limit = 1000

    q = django_filters.CharFilter(method="search", label=_("Search"))
    scope = django_filters.ChoiceFilter(
        method="filter_scope",
        label=_("Show"),
        choices=[("mine", _("My records")), ("all", _("All records"))],
        empty_label=None,
    )

    def search(self, queryset, name, value):
        """Match ``value`` anywhere in any search field (case-insensitive).

        Written so that PostgreSQL's trigram indexes serve it on big tables: the
        row's own columns are OR-ed (a BitmapOr of their indexes), and a related
        record's columns (``account__name``) are matched first on their own table,
        whose ids then join the OR as ``account_id IN (...)``. An OR across a join
        cannot use any index; a term matching more than ``related_match_limit``
        related records is broad, and the plain join, walked in list order, finds
        a page of matches quickly.
        """
        value = value.strip()
        if not value:
            return queryset
        own = [field for field in self.search_fields if "__" not in field]
        related = {}
        for field in self.search_fields:
            if "__" in field:
                path, column = field.rsplit("__", 1)
                related.setdefault(path, []).append(column)
        conditions = [Q(**{f"{field}__icontains": value}) for field in own]
        for path, columns in related.items():
            model = self._related_model(queryset.model, path)
            matches = reduce(or_, (Q(**{f"{column}__icontains": value}) for column in columns))
            found = model._default_manager.filter(matches).values_list("pk", flat=True)
            ids = list(found[: self.related_match_limit + 1])
            if len(ids) <= self.related_match_limit:
                conditions.append(Q(**{f"{path}__in": ids}))
            else:
                conditions.extend(Q(**{f"{path}__{column}__icontains": value}) for column in columns)
        return queryset.filter(reduce(or_, conditions))

    @staticmethod
    def _related_model(model, path):
        for part in path.split("__"):
            model = model._meta.get_field(part).related_model
        return model

    def filter_scope(self, queryset, name, value):
        if value == "mine" and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset
