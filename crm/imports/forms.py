from django import forms
from django.utils.translation import gettext_lazy as _

from crm.imports.engine import ImportOptions
from crm.imports.models import ImportMode, OnDuplicate, import_targets
from crm.imports.services import import_file_check

ENCODING_FIELD = forms.ChoiceField(
    label=_("Encoding"),
    required=False,
    choices=[
        ("", _("Recognise it from the file")),
        ("utf-8", "UTF-8"),
        ("utf-16", _("UTF-16 (Excel's Unicode Text)")),
        ("cp1250", _("Windows-1250 (Central European)")),
        ("cp1252", _("Windows-1252 (Western European)")),
        ("iso-8859-2", _("ISO-8859-2 (Central European)")),
        ("mac_roman", "Mac Roman"),
    ],
    help_text=_("For CSV, text and vCard files whose letters come out wrong; workbooks carry their own."),
)


class ImportForm(forms.Form):
    """Choose a file and how to import it; the file is checked (format, limits, headers) before a job starts."""

    target = forms.ChoiceField(label=_("Import"), choices=import_targets)
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx, .xls), OpenDocument (.ods), CSV or text, XML Spreadsheet 2003, XML or vCard."),
    )
    encoding = ENCODING_FIELD
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
    on_duplicate = forms.ChoiceField(
        label=_("Possible duplicates"),
        choices=OnDuplicate.choices,
        initial=OnDuplicate.SKIP,
        required=False,  # not given (a script's post): skipped
        widget=forms.RadioSelect,
        help_text=_(
            "New rows that look like a record on file by a duplicate rule (the same website, phone or email...). "
            "Either way the job lists them."
        ),
    )

    def __init__(self, *args, upload_refused=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_refused = upload_refused

    def full_clean(self):
        super().full_clean()
        if self.upload_refused is not None:
            # The upload was stopped as it passed the limit: no file arrived, and "required" would mislead.
            self._errors["file"] = self.error_class(
                [
                    _("The file is larger than %(limit)s MB, the most an import takes. Nothing was stored.")
                    % {"limit": round(self.upload_refused / 1048576, 1)}
                ]
            )
            self.cleaned_data.pop("file", None)

    def clean(self):
        cleaned = super().clean()
        uploaded = cleaned.get("file")
        if uploaded is not None and "file" not in self._errors:
            try:
                self.table = import_file_check(uploaded, encoding=cleaned.get("encoding") or None)
            except forms.ValidationError as error:
                self.add_error("file", error)
        return cleaned

    def options(self):
        data = self.cleaned_data
        return ImportOptions(
            target=data["target"],
            mode=data["mode"],
            all_or_nothing=data["all_or_nothing"],
            create_missing_accounts=data["create_missing_accounts"],
            dry_run=data["dry_run"],
            on_duplicate=data["on_duplicate"] or OnDuplicate.SKIP,
        )


IGNORE = ("", _("(Ignore this column)"))
LEAVE_EMPTY = ("", _("(Leave empty)"))


class ColumnMapForm(forms.Form):
    """The wizard's mapping step: for each source column, the field it goes to (or none); a name to save it as."""

    save_as = forms.CharField(
        label=_("Save this mapping as a data map"),
        required=False,
        max_length=100,
        help_text=_("A name, to be offered this mapping the next time a file with these columns comes."),
    )

    def __init__(self, *args, headers, choices, initial_keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("(no header)"),
                choices=[IGNORE, *choices],
                required=False,
                initial=initial_keys.get(index, ""),
            )
        self.order_fields([*(f"column_{index}" for index in range(len(headers))), "save_as"])

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def chosen(self):
        return {index: self.cleaned_data[f"column_{index}"] for index in range(len(self.headers))}


class ValueMapForm(forms.Form):
    """The wizard's values step: for each distinct source value of a choice field, the option it becomes."""

    def __init__(self, *args, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.choice_fields = fields
        self.names = []  # (field key, source value, form field name)
        for number, field in enumerate(fields):
            for position, (value, suggested) in enumerate(field["values"]):
                name = f"value_{number}_{position}"
                self.fields[name] = forms.ChoiceField(
                    label=value, choices=[LEAVE_EMPTY, *field["options"]], required=False, initial=suggested
                )
                self.names.append((field["key"], value, name))

    def groups(self):
        """[(field, [bound field per value])] for the template."""
        groups = []
        for number, field in enumerate(self.choice_fields):
            groups.append((field, [self[f"value_{number}_{position}"] for position in range(len(field["values"]))]))
        return groups

    def chosen(self):
        chosen = {}
        for key, value, name in self.names:
            chosen.setdefault(key, {})[value] = self.cleaned_data[name]
        return chosen


class EncodingForm(forms.Form):
    """The review step's choice of the encoding a text file is read with."""

    encoding = ENCODING_FIELD
