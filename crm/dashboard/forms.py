from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dashboard.selectors import dashboard_owners


class OwnerFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=dashboard_owners(), required=False, label=_("Owner"), empty_label=_("Whole team")
    )
