"""Form pieces every sales area uses: the date widget and the reassign form."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

# An HTML date picker; it reads and writes ISO dates whatever the language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


class RecordVersionFormMixin:
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

    def show_conflict(self, current):
        """Keep the other user's record beside this form: their value of each field whose values differ."""
        if current is None:
            self.conflict = []
            return
        rows = []
        for name, field in self.fields.items():
            if name == "version" or not self.is_bound or name not in self.cleaned_data:
                continue
            try:
                model_field = current._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            mine = self.cleaned_data[name]
            if model_field.is_relation:
                theirs_value = getattr(current, model_field.attname)
                mine_value = mine.pk if mine is not None else None
            else:
                theirs_value = model_field.to_python(getattr(current, name))
                mine_value = mine
            if _empty(theirs_value) and _empty(mine_value) or theirs_value == mine_value:
                continue
            rows.append(
                {
                    "label": field.label,
                    "theirs": _shown(current, model_field),
                    "mine": _shown_value(field, mine),
                }
            )
        self.conflict = rows
        data = self.data.copy()
        data[self.add_prefix("version")] = current.version
        self.data = data


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
