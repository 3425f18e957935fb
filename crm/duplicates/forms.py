"""The admin's "Duplicate records found" check: a record form that will not save a record the active
duplicate rules find like stored ones until the user ticks "Save anyway".

The check is crm.duplicates.services.duplicates_find, as on the web pages; an edit is checked only by the
rules that read a field it changed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.duplicates.services import duplicates_find

SAVE_ANYWAY = "save_anyway"


def _owner_name(record):
    owner = getattr(record, "owner", None)
    if owner is None:
        return "—"
    return owner.get_full_name() or owner.get_username()


class DuplicateCheckAdminFormMixin(forms.Form):
    """Put before a ModelForm: its ``_post_clean()``, once the instance has the form's values, refuses the
    save with a "Duplicate records found" error listing the candidates, unless ``save_anyway`` is ticked.

    ``duplicate_check_user`` (the user the candidates are looked up for: only the records they may see) and
    ``duplicate_check_admin_site`` (the admin site the candidates' links open in) are set on the form class
    (DuplicateCheckAdminMixin.get_form). Without a user the form does not check.
    """

    save_anyway = forms.BooleanField(
        label=gettext_lazy("Save anyway"),
        required=False,
        help_text=gettext_lazy("Save this record although the records listed look like it."),
    )

    duplicate_check_user = None
    duplicate_check_admin_site = "admin"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = []  # the candidates the last check found
        self.saved_anyway = False
        # The box is offered only with the records it is about (or once ticked); hidden until then.
        self.fields[SAVE_ANYWAY].widget = forms.HiddenInput()

    @property
    def changed_data(self):
        # Ticking the box changes nothing of the record (nor the admin's "Changed ..." log message).
        return [name for name in super().changed_data if name != SAVE_ANYWAY]

    def _show_save_anyway(self):
        self.fields[SAVE_ANYWAY].widget = forms.CheckboxInput()

    def _post_clean(self):
        super()._post_clean()
        # Not a field of the record: the save (save_through_services hands cleaned_data to the service) never sees it.
        self.saved_anyway = bool(self.cleaned_data.pop(SAVE_ANYWAY, False))
        if self.saved_anyway:
            self._show_save_anyway()
            return
        if self._errors or self.duplicate_check_user is None:
            return  # the other errors first; the check runs when the form is otherwise valid
        adding = self.instance._state.adding
        self.duplicates = duplicates_find(
            self.instance, user=self.duplicate_check_user, changed=None if adding else self.changed_data
        )
        if self.duplicates:
            self._show_save_anyway()
            self.add_error(None, ValidationError(self.duplicates_message(self.duplicates), code="duplicates_found"))

    def duplicate_url(self, record):
        """The admin change page of ``record``, or None when this admin site has none."""
        opts = record._meta
        try:
            return reverse(
                f"{self.duplicate_check_admin_site}:{opts.app_label}_{opts.model_name}_change", args=[record.pk]
            )
        except NoReverseMatch:
            return None

    def duplicate_item(self, candidate):
        """One candidate of the message: its name (linking to its change page), what matched, its owner."""
        record = candidate.record
        url = self.duplicate_url(record)
        name = format_html('<a href="{}">{}</a>', url, record) if url else format_html("{}", record)
        matched = candidate.matched
        if candidate.possible:
            matched = _("%(rules)s (possible duplicate)") % {"rules": matched}
        return format_html(
            "{} — {}; {}",
            name,
            _("matched by: %(rules)s") % {"rules": matched},
            _("owner: %(owner)s") % {"owner": _owner_name(record)},
        )

    def duplicates_message(self, candidates):
        items = format_html_join("", "<li>{}</li>", ((self.duplicate_item(candidate),) for candidate in candidates))
        return format_html(
            "{}<ul>{}</ul>{}",
            _("Duplicate records found:"),
            items,
            _("Nothing has been saved. Open one of them, or tick “Save anyway” to save this record all the same."),
        )
