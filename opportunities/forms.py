"""Forms for opportunities: create and edit, close as won or lost, reassign."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import validate_date_in_range
from crm.models import MoneyField
from crm.pickers import PickerFormMixin, RecordChoiceField
from crm.record_forms import DATE_INPUT, RecordVersionFormMixin
from opportunities.models import STATUS_REASONS_BY_STATE, Opportunity, OpportunityState, OpportunityStatusReason

LOST_REASONS = STATUS_REASONS_BY_STATE[OpportunityState.LOST]


class OpportunityForm(RecordVersionFormMixin, PickerFormMixin, forms.ModelForm):
    """The fields a salesperson fills in for an open opportunity."""

    sections = (
        (_("Opportunity information"), ("topic", "account", "contact")),
        (
            _("Sales information"),
            ("estimated_revenue", "currency", "estimated_close_date", "probability", "sales_stage", "status_reason"),
        ),
        (_("Details"), ("description",)),
    )

    class Meta:
        model = Opportunity
        fields = [
            "topic",
            "account",
            "contact",
            "estimated_revenue",
            "currency",
            "estimated_close_date",
            "probability",
            "sales_stage",
            "status_reason",
            "description",
        ]
        labels = {
            "topic": _("Topic"),
            "account": _("Account"),
            "contact": _("Contact"),
            "estimated_revenue": _("Estimated revenue"),
            "currency": _("Currency"),
            "estimated_close_date": _("Estimated close date"),
            "probability": _("Probability"),
            "sales_stage": _("Sales stage"),
            "status_reason": _("Status reason"),
            "description": _("Description"),
        }
        field_classes = {"account": RecordChoiceField, "contact": RecordChoiceField}
        widgets = {
            "estimated_close_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_reason"].choices = [
            (value, label)
            for value, label in OpportunityStatusReason.choices
            if value in STATUS_REASONS_BY_STATE[OpportunityState.OPEN]
        ]


class CloseAsWonForm(forms.Form):
    """Close an opportunity as won: what it actually brought in, and when."""

    actual_revenue = MoneyField().formfield(label=_("Actual revenue"), min_value=0, required=True)
    close_date = forms.DateField(
        label=_("Actual close date"), widget=DATE_INPUT, initial=timezone.localdate, validators=[validate_date_in_range]
    )


class CloseAsLostForm(forms.Form):
    """Close an opportunity as lost: canceled or out-sold, and when."""

    status_reason = forms.ChoiceField(
        label=_("Status reason"),
        choices=[(value, label) for value, label in OpportunityStatusReason.choices if value in LOST_REASONS],
    )
    close_date = forms.DateField(
        label=_("Actual close date"), widget=DATE_INPUT, initial=timezone.localdate, validators=[validate_date_in_range]
    )
