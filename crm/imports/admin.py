"""The admin's Import and Export for accounts and contacts, on django-import-export, through the CRM's import path."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from crm.admin_mixins import RecordVersionAdminMixin, ServiceRefusalAdminMixin, call_service
from crm.imports.engine import ImportOptions
from crm.imports.formats import AnyFormat, NeutralisedCSV, NeutralisedXLSX, XMLSpreadsheetFormat
from crm.imports.models import DataMap, ImportJob, ImportMode
from crm.uploads import accepts_uploads


class _OptionsFields(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.UPSERT)
    create_missing_accounts = forms.BooleanField(label=_("Create missing accounts"), required=False)
    all_or_nothing = forms.BooleanField(label=_("All or nothing"), required=False)


def _data_map_field(widget=None):
    return forms.ModelChoiceField(
        label=_("Data map"),
        queryset=DataMap.objects.all(),
        required=False,
        help_text=_("Read the file's columns and values as this data map says, instead of by their headers."),
        **({"widget": widget} if widget else {}),
    )


class CrmImportForm(ImportForm):
    data_map = _data_map_field()
    mode = _OptionsFields.base_fields["mode"]
    create_missing_accounts = _OptionsFields.base_fields["create_missing_accounts"]
    all_or_nothing = _OptionsFields.base_fields["all_or_nothing"]


class CrmConfirmImportForm(ConfirmImportForm):
    data_map = _data_map_field(forms.HiddenInput)
    mode = forms.ChoiceField(choices=ImportMode.choices, widget=forms.HiddenInput)
    create_missing_accounts = forms.BooleanField(required=False, widget=forms.HiddenInput)
    all_or_nothing = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CrmImportExportAdmin(ServiceRefusalAdminMixin, RecordVersionAdminMixin, ImportExportModelAdmin):
    """Import (preview, then confirm) and export, gated by crm.import_data, rows saved by the import engine."""

    import_form_class = CrmImportForm
    confirm_form_class = CrmConfirmImportForm
    import_formats = [AnyFormat]
    export_formats = [NeutralisedXLSX, NeutralisedCSV, XMLSpreadsheetFormat]

    def has_import_permission(self, request):
        return request.user.has_perm("crm.import_data")

    def get_urls(self):
        urls = super().get_urls()
        info = self.get_model_info()
        for pattern in urls:
            if pattern.name == "{}_{}_import".format(*info):  # the step that takes the file
                accepts_uploads(pattern.callback)
        return urls

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            for name in ("mode", "create_missing_accounts", "all_or_nothing"):
                initial[name] = import_form.cleaned_data.get(name)
            data_map = import_form.cleaned_data.get("data_map")
            initial["data_map"] = data_map.pk if data_map else ""
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and hasattr(form, "cleaned_data"):
            data = form.cleaned_data
            resource_kwargs["import_options"] = ImportOptions(
                target="",
                mode=data.get("mode") or ImportMode.UPSERT,
                all_or_nothing=bool(data.get("all_or_nothing")),
                create_missing_accounts=bool(data.get("create_missing_accounts")),
            )
            data_map = data.get("data_map")
            if data_map is not None and data_map.target != getattr(self.resource_classes[0], "target", ""):
                form.add_error("data_map", _("This data map is for another kind of record."))
                data_map = None
            resource_kwargs["data_map"] = data_map
        return resource_kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", str(e))

    def generate_log_entries(self, result, request):
        # The import job records who imported what; no admin log row per record.
        return None

    def save_through_services(self, request, obj, form, change, create, update, name):
        """Save the admin form's record through the app's create/update service (full validation, audit)."""
        fields = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in form.cleaned_data and field != "version"
        }
        if change:
            # The form has already set its values on obj: give the service the stored record to compare with.
            original = type(obj)._default_manager.get(pk=obj.pk)
            call_service(update, **{name: original}, actor=request.user, **fields, **self.version_of(form))
        else:
            saved = call_service(create, actor=request.user, **dict(form.cleaned_data))
            obj.pk = saved.pk
            obj._state.adding = False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "target", "mode", "state", "created_count", "updated_count", "skipped_count",
                    "failed_count", "created_by", "created_at")
    list_filter = ("state", "target", "mode", "source")
    list_select_related = ("created_by",)
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DataMap)
class DataMapAdmin(admin.ModelAdmin):
    """The saved data maps: seen, renamed, corrected and deleted here; made on the import wizard's mapping step."""

    list_display = ("name", "target", "created_by", "modified_at")
    list_filter = ("target",)
    list_select_related = ("created_by",)
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at", "modified_at")
    fields = ("name", "target", "columns", "values", "created_by", "created_at", "modified_at")

    def has_add_permission(self, request):
        return False  # a data map is made from a file's columns, on the wizard's mapping step

    def has_module_permission(self, request):
        return request.user.has_perm("crm.import_data") and super().has_module_permission(request)
