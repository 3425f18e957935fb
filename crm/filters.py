"""The filter bar every list shares: a search box, mine or all, and per-area filters."""

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.params import MAX_RECORD_NUMBER, clean_text


class RecordNumberFilter(django_filters.NumberFilter):
    """A hidden filter on a record number: anything but a positive integer a bigint holds is invalid input."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_RECORD_NUMBER)
        super().__init__(*args, **kwargs)


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no choice whose empty choice reads "Any": with no answer the filter keeps every row."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]

    def format_value(self, value):
        # NullBooleanSelect names the empty choice "unknown"; here it is the empty value. A list, as
        # Select's own: the choices are matched by membership, and "" is a substring of any string.
        formatted = super().format_value({"True": True, "False": False}.get(value, value))
        return ["" if formatted == "unknown" else formatted]


class YesNoFilter(django_filters.BooleanFilter):
    """A yes/no filter that defaults to any (its value is None: the filter is skipped)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)


class RecordFilter(django_filters.FilterSet):
    """Search over ``search_fields`` and a mine/all switch on the owner."""

    search_fields: tuple[str, ...] = ()
    # A related record's matches up to this many are looked up first and passed as ids (see search).
    related_match_limit = 1000
    # A search lists at most this many matching records (see search).
    search_match_limit = 1000

    def filter_queryset(self, queryset):
        """Apply the search box last, so it picks its matches among the rows the other filters kept."""
        search = self.filters.get("q")
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if search is not None:
            queryset = search.filter(queryset, self.form.cleaned_data.get("q"))
        return queryset

    q = django_filters.CharFilter(method="search", label=_("Search"))
    scope = django_filters.ChoiceFilter(
        method="filter_scope",
        label=_("Show"),
        # All first: with no choice made the list shows every record, and the box must say so.
        choices=[("all", _("All records")), ("mine", _("My records"))],
        empty_label=None,
    )

    def search(self, queryset, name, value):
        """Match ``value`` anywhere in any search field (case-insensitive).

        Written so that PostgreSQL's trigram indexes serve it on big tables and
        its cost stays flat however many rows match:

        - the row's own columns are OR-ed, which PostgreSQL answers with a BitmapOr
          of their indexes;
        - a related record's columns (``account__name``) are matched first on their
          own table, and up to ``related_match_limit`` of its ids join the OR as
          ``account_id IN (...)`` (an OR across a join could use no index at all);
        - then the ids of at most ``search_match_limit`` matching rows are read and
          the list shows those rows, in the order asked. Sorting every match of a
          common term (a surname shared by a hundred thousand contacts) would read
          them all, and walking a sorted index to find them reads half the table
          when they cluster in that order. Beyond the limit the list holds the
          first matches found, and the user narrows the search.
        """
        value = clean_text(value)
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
            # Unordered: the model's default order would sort every match to keep the first thousand.
            found = model._default_manager.filter(matches).order_by().values_list("pk", flat=True)
            conditions.append(Q(**{f"{path}__in": list(found[: self.related_match_limit])}))
        matching = queryset.filter(reduce(or_, conditions)).order_by().values_list("pk", flat=True)
        ids = list(matching[: self.search_match_limit])
        return queryset.filter(pk__in=ids)

    @staticmethod
    def _related_model(model, path):
        for part in path.split("__"):
            model = model._meta.get_field(part).related_model
        return model

    def filter_scope(self, queryset, name, value):
        if value == "mine" and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset
