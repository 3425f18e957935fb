"""django-import-export resources for what the CRM imports: the columns both ways, one import path.

Exports write the columns' labels; ``import_data`` (what the admin's import
calls) hands the dataset to the CRM's import engine, so the admin, the import
page, the background task and the command all import the same way.
"""

from django.utils.translation import get_language
from import_export import fields, resources
from import_export.results import Result, RowResult

from crm.imports.engine import ImportOptions, run_import
from crm.imports.models import ImportJob, ImportRowIssue, ImportSource
from crm.imports.readers import table_from_rows


def _export_value(record, column, labels):
    """The cell of ``record`` for ``column``; ``labels`` caches choice labels by field (active language).

    A column read through a related record (``column.source``: a contact's account's name) is empty without it.
    """
    key = column.key
    if key == "owner":
        return record.owner.get_username() if record.owner_id else ""
    if column.source:
        value = record
        for name in column.source.split("."):
            value = getattr(value, name, None) if value is not None else None
        return "" if value is None else value
    value = getattr(record, key)
    field = record._meta.get_field(key)
    if field.choices and key != "currency" and value:
        if field not in labels:
            # Once per export, not per cell: get_<field>_display hashes every lazy label on each call,
            # translating each, which was most of an export's time on large lists.
            labels[field] = {choice: str(label) for choice, label in field.flatchoices}
        return labels[field].get(value, value)
    return value


class CrmResource(resources.ModelResource):
    """A resource whose columns come from the import's column list."""

    columns = ()
    target = ""

    def __init__(self, **kwargs):
        self.import_options = kwargs.pop("import_options", None)
        self.data_map = kwargs.pop("data_map", None)  # read the columns and values as this DataMap says
        self._choice_labels = {}  # {language: {field: {value: label}}}
        super().__init__(**kwargs)

    def export_headers(self, columns=None):
        return [str(column.label) for column in columns or self.columns]

    def export_values(self, record, columns=None):
        labels = self._choice_labels.setdefault(get_language(), {})
        return [_export_value(record, column, labels) for column in columns or self.columns]

    def selected_columns(self, selected_fields=None):
        """The columns the admin's export form ticked (field names are the column keys), in the file's order."""
        if not selected_fields:
            return self.columns
        wanted = {str(name) for name in selected_fields}
        return [column for column in self.columns if column.key in wanted] or self.columns

    # django-import-export's hooks --------------------------------------------------------------

    def get_export_headers(self, selected_fields=None):
        return self.export_headers(self.selected_columns(selected_fields))

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return self.export_values(instance, self.selected_columns(selected_fields))

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Import a tablib dataset through the CRM's import engine; return django-import-export's Result."""
        actor = kwargs.get("user")
        options = self.import_options or ImportOptions(target=self.target)
        options = ImportOptions(**{**options.__dict__, "target": self.target, "dry_run": dry_run or options.dry_run})
        rows = enumerate((list(row) for row in dataset), start=2)
        table = table_from_rows(getattr(dataset, "crm_format", "Import"), dataset.headers or [], rows, len(dataset))
        chosen = {}
        if self.data_map is not None:
            from crm.imports.wizard import check_columns, data_map_options

            columns, values = data_map_options(self.data_map, table.headers)
            check_columns(self.target, table.headers, columns)
            options = ImportOptions(**{**options.__dict__, "columns": columns, "values": values})
            chosen = {
                "data_map": self.data_map,
                "chosen_columns": {str(index): key for index, key in columns.items()},
                "chosen_values": values,
            }
        if options.dry_run:
            outcome = run_import(table=table, options=options, actor=actor)
            job = None
        else:
            from crm.imports.services import import_job_run, require_import_permission

            require_import_permission(actor, self.target)
            job = ImportJob.objects.create(
                target=self.target, mode=options.mode, all_or_nothing=options.all_or_nothing,
                create_missing_accounts=options.create_missing_accounts, source=ImportSource.ADMIN,
                file_name=kwargs.get("file_name") or "admin import", file_format=table.format,
                total_rows=table.total, created_by=actor, **chosen,
            )
            outcome = import_job_run(job=job, table=table)
            job.refresh_from_db()
        return self._result(dataset, outcome, job)

    def _result(self, dataset, outcome, job):
        from django.core.exceptions import ValidationError

        result = Result()
        result.diff_headers = list(dataset.headers or [])
        result.add_dataset_headers(dataset.headers)
        result.totals[RowResult.IMPORT_TYPE_NEW] = outcome.created
        result.totals[RowResult.IMPORT_TYPE_UPDATE] = outcome.updated
        result.totals[RowResult.IMPORT_TYPE_SKIP] = outcome.skipped
        issues = outcome.issues
        if job is not None:
            issues = job.issues.filter(kind=ImportRowIssue.Kind.FAILED)
        for issue in issues:
            if issue.kind != ImportRowIssue.Kind.FAILED:
                continue
            values = dict(zip(result.diff_headers, issue.values, strict=False))
            field_name = (issue.column or "__all__").split(";")[0]
            result.append_invalid_row(issue.row_number, values, ValidationError({field_name: [issue.message]}))
        result.crm_outcome = outcome
        result.crm_job = job
        return result


def resource_for(kind):
    """A CrmResource subclass for an import ``kind`` (crm.imports.registry), with one django-import-export Field
    per column (the admin's export form lists them).

    A column's name stays the lazy label, so the admin's import and export pages list the fields in the reader's
    language (the resource is built once, when the app's imports.py is loaded).
    """

    name, model, columns, target = f"{kind.model.__name__}Resource", kind.model, kind.columns, kind.key
    meta = type("Meta", (), {"model": model, "fields": tuple(column.key for column in columns)})
    attributes = {
        column.key: fields.Field(attribute=column.key, column_name=column.label, readonly=True)
        for column in columns
    }
    attributes.update({"columns": columns, "target": target, "Meta": meta, "__module__": __name__})
    return type(name, (CrmResource,), attributes)
