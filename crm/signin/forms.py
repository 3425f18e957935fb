"""Forms of the second sign-in step and of the profile's two-factor section."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the user's authenticator app, or one of the user's recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class AuthenticatorCodeForm(CodeForm):
    """A code from the authenticator app being set up."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("The 6-digit code the app shows once it has the secret."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class PreferencesForm(forms.ModelForm):
    """The profile page's preferences: time zone, the language of emails, the daily reminder digest."""

    class Meta:
        from crm.models import UserPreferences

        model = UserPreferences
        fields = ["time_zone", "language", "reminder_digest", "reminder_time"]
        widgets = {"reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        from crm.models import time_zone_choices
        from crm.preferences import default_reminder_time

        super().__init__(*args, **kwargs)
        site_zone = _("The site's (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("Time zone"), required=False, choices=[("", site_zone), *time_zone_choices()],
            help_text=_("Your pages and emails show times in it."),
        )
        self.fields["time_zone"].initial = self.instance.time_zone
        self.fields["language"].label = _("Language of emails")
        self.fields["language"].choices = [("", _("The site's")), *settings.LANGUAGES]
        self.fields["reminder_time"].help_text = _("In your time zone; %(time)s if you leave it empty.") % {
            "time": default_reminder_time().strftime("%H:%M")
        }
        self.fields["reminder_time"].input_formats = ["%H:%M", "%H:%M:%S"]
