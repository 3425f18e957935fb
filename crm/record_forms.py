"""Form pieces every sales area uses: the date widget, the record form mixins and the reassign form."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django_bootstrap5.renderers import FieldRenderer

from crm.imports.values import check_characters

# strptime directives of a DATE_INPUT_FORMATS entry, as the date picker (static/js/date_picker.js) writes them.
DATE_PATTERN_PARTS = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy"}


class LocalDateInput(forms.DateInput):
    """A text box for a date, written and read the active language's way: "31.12.2026" in Romanian, "2026-12-31"
    in English (the first of crm/formats/<language>/ DATE_INPUT_FORMATS; the field accepts the others and ISO).

    The browser's own <input type="date"> would follow the browser's language, not the CRM's. The box names its
    format in the placeholder and carries it in data-date-picker, where static/js/date_picker.js puts a calendar
    on it; without JavaScript it is a plain text box.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "numeric", "autocomplete": "off", **(attrs or {})}, format=None)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pattern = get_format("DATE_INPUT_FORMATS")[0]
        parts = re.split(r"(%[dmYy])", pattern)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-date-picker"] = "".join(DATE_PATTERN_PARTS.get(part, part) for part in parts)
        widget_attrs["data-date-picker-week-start"] = get_format("FIRST_DAY_OF_WEEK")
        shown = {
            "%d": pgettext("date format", "dd"),
            "%m": pgettext("date format", "mm"),
            "%Y": pgettext("date format", "yyyy"),
            "%y": pgettext("date format", "yy"),
        }
        widget_attrs.setdefault("placeholder", "".join(shown.get(part, part) for part in parts))
        return context


DATE_INPUT = LocalDateInput()


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class ReassignForm(forms.Form):
    """Pick a record's new owner among the active users."""

    owner = OwnerChoiceField(label=_("Owner"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class RecordFormMixin:
    """The house record form: required fields marked, and one error per field.

    A field that fails the form's own check (required, a number, a choice) is not copied onto the
    instance, so the model's ``clean()`` judges the value the record had before (for a new record,
    empty) and would add a second error, such as "cannot be blank" under "This field is required.".
    What the model says about such a field is dropped; its other fields' errors stay.
    """

    required_css_class = "required"
    # The form's sections as in Dynamics' main forms: ((title, (field names...)), ...). A field no section
    # names goes in the last one; a form without sections is one untitled section.
    sections = ()

    def field_sections(self):
        """[{"title", "fields": [bound fields]}] for the visible fields, section by section."""
        visible = {field.name: field for field in self.visible_fields()}
        sections = [
            {"title": title, "fields": [visible.pop(name) for name in names if name in visible]}
            for title, names in self.sections
        ] or [{"title": "", "fields": []}]
        sections[-1]["fields"].extend(visible.values())
        return [section for section in sections if section["fields"]]

    def clean(self):
        """Refuse control characters in text as the import does (crm.imports.values.check_characters): a
        one-line field takes no tab or line break, a multi-line one no other control character."""
        cleaned_data = super().clean()
        for name, value in list(cleaned_data.items()):
            field = self.fields.get(name)
            if not isinstance(value, str) or not isinstance(field, forms.CharField):
                continue
            try:
                check_characters(value, multiline=isinstance(field.widget, forms.Textarea))
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned_data

    def _post_clean(self):
        failed = {name: len(errors) for name, errors in self._errors.items() if name in self.fields}
        super()._post_clean()
        for name, count in failed.items():
            del self._errors[name][count:]


class RecordVersionFormMixin(RecordFormMixin):
    """A hidden ``version`` on a form that edits a stored record: the version the user opened.

    The services save only while the record is still at that version, so a
    save over someone else's newer change is refused instead of undoing it.
    After a refusal, ``show_conflict`` lists their values beside the user's and
    moves the hidden version on, so that saving again keeps the user's.
    """

    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk is not None and hasattr(instance, "version"):
            # Each field also carries, hidden, the value it was opened with, so that changed_data is what
            # this user changed, not what differs from the record as it is now.
            for field in self.fields.values():
                field.show_hidden_initial = True
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, min_value=1, initial=instance.version
            )

    def clean(self):
        cleaned_data = super().clean()
        if "version" in self.fields and cleaned_data.get("version") is None and "version" not in self.errors:
            raise forms.ValidationError(
                _("This form does not say which version of the record it changes. Reload the page and try again."),
                code="version_missing",
            )
        return cleaned_data

    def _opened_values(self, current):
        """{field name: the stored value it was opened with} from the hidden opened-with values posted."""
        opened = {}
        for name, field in self.fields.items():
            key = self.add_initial_prefix(name)
            if name == "version" or key not in self.data:
                continue
            try:
                model_field = current._meta.get_field(name)
                value = field.to_python(field.hidden_widget().value_from_datadict(self.data, self.files, key))
            except (FieldDoesNotExist, forms.ValidationError):
                continue
            opened[name] = getattr(value, "pk", value) if model_field.is_relation else model_field.to_python(value)
        return opened

    def show_conflict(self, current):
        """After a refusal: take their values for the fields this user left alone, list those both changed.

        Every field's hidden opened-with value becomes their value and the version
        theirs, so saving again writes only what this user changed (keeping the
        other user's changes to the other fields), and overwrites their value only
        where the user changed the same field and says so by saving again.
        """
        self.conflict = []
        if current is None:
            return
        opened = self._opened_values(current)
        data = self.data.copy()
        changed = set(self.changed_data)
        for name, field in self.fields.items():
            if name == "version" or not self.is_bound:
                continue
            try:
                model_field = current._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            theirs = getattr(current, model_field.attname if model_field.is_relation else name)
            posted = _as_data(field, theirs)
            data[self.add_initial_prefix(name)] = posted
            if name not in changed:
                data[self.add_prefix(name)] = posted
                continue
            mine = self.cleaned_data.get(name)
            mine_value = mine.pk if model_field.is_relation and mine is not None else mine
            if (_empty(theirs) and _empty(mine_value)) or theirs == model_field.to_python(mine_value):
                continue
            if opened.get(name, _UNKNOWN) == theirs:
                continue  # they left this field as the user found it: only the user changed it
            self.conflict.append(
                {"label": field.label, "theirs": _shown(current, model_field), "mine": _shown_value(field, mine)}
            )
        data[self.add_prefix("version")] = current.version
        self.data = data


_UNKNOWN = object()


def changed_form_data(form) -> dict:
    """The values this user changed on a record's edit form (and its version), for the update service."""
    changed = set(form.changed_data)
    for name, field in form.fields.items():
        if field.show_hidden_initial and form.add_initial_prefix(name) not in form.data:
            # Posted without the value it was opened with (not by this form): compare with the record as stored.
            if field.has_changed(form.get_initial_for_field(field, name), form[name].data):
                changed.add(name)
            else:
                changed.discard(name)
    data = {name: form.cleaned_data[name] for name in changed if name in form.cleaned_data}
    data.pop("version", None)
    if "version" in form.fields:
        data["version"] = form.cleaned_data.get("version")
    return data


def _as_data(form_field, value):
    """A stored value as a browser would post it in ``form_field``."""
    value = form_field.prepare_value(value)
    return "" if value is None else str(value)


def _empty(value):
    return value is None or value == ""


def _shown(record, model_field):
    """A stored field's value as a page shows it: the choice's label, the related record's name."""
    if model_field.is_relation:
        related = getattr(record, model_field.name)
        return str(related) if related is not None else ""
    if model_field.choices:
        return getattr(record, f"get_{model_field.name}_display")()
    value = getattr(record, model_field.name)
    return "" if value is None else value


def _shown_value(form_field, value):
    if value is None:
        return ""
    if isinstance(form_field, forms.ModelChoiceField):
        return str(value)
    if isinstance(form_field, forms.ChoiceField):
        return dict(form_field.choices).get(value, value)
    return value


class HouseFieldRenderer(FieldRenderer):
    """django-bootstrap5's field renderer without the green "valid" mark on every field that passed: a form
    sent back with one error would otherwise show a tick on each of its other fields."""

    def get_server_side_validation_classes(self):
        return "is-invalid" if self.field_errors else ""
