import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.filters import RecordFilter
from opportunities.models import Opportunity, OpportunityState, SalesStage


class OpportunityFilter(RecordFilter):
    search_fields = ("topic", "account__name", "contact__last_name", "contact__first_name")

    state = django_filters.ChoiceFilter(choices=OpportunityState.choices, label=_("Status"), empty_label=_("All"))
    sales_stage = django_filters.ChoiceFilter(choices=SalesStage.choices, label=_("Sales stage"), empty_label=_("All"))
    account = django_filters.NumberFilter(field_name="account_id", widget=forms.HiddenInput)
    contact = django_filters.NumberFilter(field_name="contact_id", widget=forms.HiddenInput)

    class Meta:
        model = Opportunity
        fields = ["q", "scope", "state", "sales_stage", "account", "contact"]
