from django import forms
from django.utils.translation import gettext_lazy as _

from crm.history.models import ChangeKind


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of change"),
        choices=[("", _("All changes")), *ChangeKind.choices],
        required=False,
    )
