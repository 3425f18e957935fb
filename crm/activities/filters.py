"""My Activities' filters as a FilterSet, for its export (crm.exports): the view, the kind, the sort."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.activities.models import Activity, ActivityKind
from crm.activities.selectors import MyActivitiesView, my_activities_condition, my_activities_order

VIEW_CHOICES = [
    (MyActivitiesView.OPEN, _("My open activities")),
    (MyActivitiesView.OVERDUE, _("Overdue")),
    (MyActivitiesView.DUE_TODAY, _("Due today")),
    (MyActivitiesView.DUE_THIS_WEEK, _("Due this week")),
    (MyActivitiesView.ALL, _("All my activities")),
]


class MyActivitiesFilter(django_filters.FilterSet):
    view = django_filters.ChoiceFilter(choices=VIEW_CHOICES, method="filter_view", label=_("View"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Activity type"))
    sort = django_filters.CharFilter(method="filter_sort", label=_("Sort"))

    class Meta:
        model = Activity
        fields = ["view", "kind", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("view"):
            data = data.copy()
            data["view"] = MyActivitiesView.OPEN
        super().__init__(data, *args, **kwargs)

    def filter_view(self, queryset, name, value):
        return queryset.filter(my_activities_condition(value))

    def filter_sort(self, queryset, name, value):
        return my_activities_order(queryset, value)
