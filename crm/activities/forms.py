"""The Timeline's note box and filters, and the form of each kind of activity."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from crm.activities.models import Activity, ActivityKind, Direction, PartyRole
from crm.activities.parties import parse_addresses, party_texts
from crm.activities.selectors import TimelineFilter
from crm.imports.values import check_characters
from crm.params import clean_text
from crm.record_forms import RecordVersionFormMixin

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is in the user's time zone, as the page shows times."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time from the browser's picker, within years a sales activity can have (1900 to 2999)."""

    widget = DateTimeLocalInput
    default_error_messages = {"invalid": _("Enter a date and a time, such as 2026-12-31 14:30.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [DATETIME_FORMAT])
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            value = super().to_python(value)
        except (OverflowError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        if value is not None and not 1900 <= value.year <= 2999:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything")), *ActivityKind.choices, ("change", _("Changes"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    q = forms.CharField(label=_("Search the timeline"), required=False, max_length=100)

    def filters(self) -> TimelineFilter:
        if not self.is_valid():
            return TimelineFilter()
        data = self.cleaned_data
        return TimelineFilter(kind=data["kind"], state=data["state"], q=clean_text(data["q"]))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Enter a note..."),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Enter a note...")}),
        error_messages={"required": _("Write the note before saving it.")},
    )

    def clean_text(self):
        # As every text box of the house forms: no NUL or other control character but tabs and line breaks.
        return check_characters(self.cleaned_data["text"], multiline=True)


# The fields each kind's form shows, in order.
KIND_FIELDS = {
    ActivityKind.NOTE: ["description"],
    ActivityKind.TASK: ["subject", "description", "due_at", "priority"],
    ActivityKind.PHONE_CALL: ["subject", "direction", "phone_number", "due_at", "duration_minutes", "outcome",
                              "description"],
    ActivityKind.APPOINTMENT: ["subject", "due_at", "ends_at", "all_day", "location", "description"],
    ActivityKind.EMAIL: ["subject", "direction", "due_at", "description"],
}
# The people each kind's form asks for, as address boxes: (field, role, label, help), in order, after the
# field named by PARTIES_AFTER.
PARTY_FIELDS = {
    ActivityKind.EMAIL: [
        ("sender", PartyRole.SENDER, _("From"), ""),
        ("to", PartyRole.TO, _("To"), _("Addresses separated by commas, such as Ana Pop <ana@example.ro>.")),
        ("cc", PartyRole.CC, _("Cc"), ""),
    ],
    ActivityKind.APPOINTMENT: [
        ("attendees", PartyRole.ATTENDEE, _("Attendees"),
         _("Addresses separated by commas: contacts and users with them are linked to the appointment.")),
    ],
}
PARTIES_AFTER = {ActivityKind.EMAIL: "direction", ActivityKind.APPOINTMENT: "location"}
LABELS = {
    ActivityKind.TASK: {"due_at": _("Due")},
    ActivityKind.PHONE_CALL: {"due_at": _("Call on")},
    ActivityKind.APPOINTMENT: {"due_at": _("Start"), "ends_at": _("End")},
    ActivityKind.EMAIL: {"description": _("Message"), "due_at": _("Sent on")},
    ActivityKind.NOTE: {"description": _("Note")},
}


def activity_form_class(kind):
    """The ModelForm of one kind of activity: its fields, its labels, its people (parties)."""
    kind_fields = KIND_FIELDS[kind]
    party_fields = PARTY_FIELDS.get(kind, [])

    class ActivityForm(RecordVersionFormMixin, forms.ModelForm):
        class Meta:
            model = Activity
            fields = list(kind_fields)
            widgets = {"description": forms.Textarea(attrs={"rows": 4})}
            field_classes = {"due_at": LocalDateTimeField, "ends_at": LocalDateTimeField}
            labels = LABELS.get(kind, {})

        def __init__(self, *args, email_enabled=False, **kwargs):
            super().__init__(*args, **kwargs)
            if "subject" in self.fields:
                self.fields["subject"].required = True
            stored = party_texts(self.instance.parties.all()) if self.instance.pk else {}
            for name, role, label, help_text in party_fields:
                # Help texts are shown as HTML: the example address's angle brackets are escaped, in the
                # language of this request.
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=5000, help_text=escape(help_text),
                    initial=stored.get(role, self.initial.get(name, "")),
                )
            if kind == ActivityKind.EMAIL and email_enabled and self.instance.pk is None:
                self.fields["send_now"] = forms.BooleanField(
                    label=_("Send it now"), required=False,
                    help_text=_("The CRM sends the email through its mail server and records when it went out. "
                                "Unticked, the email is logged as already sent or received."),
                )
            if party_fields:
                order = list(self.fields)
                names = [name for name, *_rest in party_fields]
                for name in names:
                    order.remove(name)
                at = order.index(PARTIES_AFTER[kind]) + 1
                self.order_fields([*order[:at], *names, *order[at:]])

        def clean(self):
            cleaned_data = super().clean()
            for name, _role, _label, _help in party_fields:
                try:
                    cleaned_data[f"{name}_addresses"] = parse_addresses(cleaned_data.get(name, ""))
                except ValidationError as error:
                    self.add_error(name, error)
            if kind == ActivityKind.EMAIL and not self.errors:
                if len(cleaned_data["sender_addresses"]) > 1:
                    self.add_error("sender", _("An email is from one address."))
                if cleaned_data.get("send_now"):
                    if cleaned_data.get("direction") != Direction.OUTGOING:
                        self.add_error("send_now", _("Only an outgoing email can be sent."))
                    if not cleaned_data["to_addresses"] and not cleaned_data["cc_addresses"]:
                        self.add_error("to", _("Give at least one address to send the email to."))
            return cleaned_data

        def parties(self) -> dict:
            """The people the form gives, by role: {role: [(name, address)]}."""
            return {role: self.cleaned_data[f"{name}_addresses"] for name, role, _label, _help in party_fields}

        def values(self) -> dict:
            """The activity's own fields the form gives."""
            return {name: self.cleaned_data[name] for name in kind_fields}

    ActivityForm.__name__ = f"{kind.title().replace('_', '')}Form"
    return ActivityForm
