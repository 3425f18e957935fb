from django import forms
from django.utils.translation import gettext_lazy as _

from crm.imports.engine import ImportOptions
from crm.imports.models import ImportMode, ImportTarget
from crm.imports.services import import_file_check


class ImportForm(forms.Form):
    """Choose a file and how to import it; the file is checked (format, limits, headers) before a job starts."""

    target = forms.ChoiceField(label=_("Import"), choices=ImportTarget.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx, .xls), OpenDocument (.ods), CSV or text, XML Spreadsheet 2003, XML or vCard."),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.UPSERT)
    create_missing_accounts = forms.BooleanField(
        label=_("Create missing accounts"),
        required=False,
        help_text=_("Contacts: create the accounts the file names that do not exist yet."),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"), required=False, help_text=_("Import nothing when any row fails.")
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run)"), required=False, help_text=_("Check every row and report; write nothing.")
    )

    def __init__(self, *args, upload_refused=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_refused = upload_refused

    def full_clean(self):
        super().full_clean()
        if self.upload_refused is not None:
            # The upload was stopped as it passed the limit: no file arrived, and "required" would mislead.
            self._errors["file"] = self.error_class([
                _("The file is larger than %(limit)s MB, the most an import takes. Nothing was stored.")
                % {"limit": round(self.upload_refused / 1048576, 1)}
            ])
            self.cleaned_data.pop("file", None)

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.table = import_file_check(uploaded)
        return uploaded

    def options(self):
        data = self.cleaned_data
        return ImportOptions(
            target=data["target"],
            mode=data["mode"],
            all_or_nothing=data["all_or_nothing"],
            create_missing_accounts=data["create_missing_accounts"],
            dry_run=data["dry_run"],
        )
