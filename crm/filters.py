"""The filter bar every list shares: a search box, mine or all, and per-area filters."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordFilter(django_filters.FilterSet):
    """Search over ``search_fields`` and a mine/all switch on the owner."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=_("Search"))
    scope = django_filters.ChoiceFilter(
        method="filter_scope",
        label=_("Show"),
        # All first: with no choice made the list shows every record, and the box must say so.
        choices=[("all", _("All records")), ("mine", _("My records"))],
        empty_label=None,
    )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": value}) for field in self.search_fields)))

    def filter_scope(self, queryset, name, value):
        if value == "mine" and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset
