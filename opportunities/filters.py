import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_family_ids
from crm.currencies import CURRENCY_CHOICES
from crm.filters import RecordFilter, RecordNumberFilter, YesNoFilter
from crm.lists import SystemView
from opportunities.models import Opportunity, OpportunityState, SalesStage

# The state filter's choice for won and lost together (Dynamics' Closed Opportunities).
CLOSED = "closed"


class OpportunityFilter(RecordFilter):
    search_fields = ("topic", "account__name", "contact__last_name", "contact__first_name")

    state = django_filters.ChoiceFilter(
        choices=[*OpportunityState.choices, (CLOSED, _("Closed (won or lost)"))],
        method="filter_state",
        label=_("Status"),
        empty_label=_("All"),
    )
    sales_stage = django_filters.ChoiceFilter(choices=SalesStage.choices, label=_("Sales stage"), empty_label=_("All"))
    account = RecordNumberFilter(field_name="account_id")
    contact = RecordNumberFilter(field_name="contact_id")
    # Used by the links of the summary figures and the dashboard.
    currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES, label=_("Currency"), empty_label=_("All"))
    closed_this_year = YesNoFilter(method="filter_closed_this_year", label=_("Closed this year"))
    closing_this_month = YesNoFilter(
        method="filter_closing_this_month", label=_("Closing this month")
    )
    account_tree = RecordNumberFilter(method="filter_account_tree")
    owner = RecordNumberFilter(field_name="owner_id")

    system_views = (
        SystemView("all", _("All Opportunities")),
        SystemView("my_open", _("My Open Opportunities"), {"scope": "mine", "state": OpportunityState.OPEN},
                   sort="estimated_close_date"),
        SystemView("open", _("Open Opportunities"), {"state": OpportunityState.OPEN}, sort="estimated_close_date"),
        SystemView("closed", _("Closed Opportunities"), {"state": CLOSED}),
        SystemView("won", _("Won Opportunities"), {"state": OpportunityState.WON}),
        SystemView("lost", _("Lost Opportunities"), {"state": OpportunityState.LOST}),
    )
    default_view = "all"

    class Meta:
        model = Opportunity
        fields = [
            "q", "scope", "state", "sales_stage", "currency", "closed_this_year", "closing_this_month",
            "account", "contact", "account_tree", "owner",
        ]

    def filter_state(self, queryset, name, value):
        if value == CLOSED:
            return queryset.filter(state__in=[OpportunityState.WON, OpportunityState.LOST])
        return queryset.filter(state=value) if value else queryset

    def filter_closed_this_year(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        this_year = {"actual_close_date__year": today.year}
        return queryset.filter(**this_year) if value else queryset.exclude(**this_year)

    def filter_closing_this_month(self, queryset, name, value):
        if value is None:
            return queryset
        start = timezone.localdate().replace(day=1)
        end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        this_month = {"estimated_close_date__gte": start, "estimated_close_date__lt": end}
        return queryset.filter(**this_month) if value else queryset.exclude(**this_month)

    def filter_account_tree(self, queryset, name, value):
        return queryset.filter(account_id__in=account_family_ids(int(value)))
