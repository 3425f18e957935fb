"""Template files for an import: the headers the importer reads, in the user's language, and a row of examples.

A template imports back as it is: its headers are the columns' labels (which the importer reads in
English and Romanian) and its example row passes the same checks as any other row.
"""

import csv
import io

from crm.imports.registry import IMPORTS, import_kind

FORMATS = ("xlsx", "csv")


def template_targets():
    """The imports that offer a template: every registered one."""
    return list(IMPORTS)

# Examples by column key; a choice column shows the option its import names, else its default (or its first), a
# column not named here (owner, the account a contact belongs to) is left empty, so the example row needs nothing
# in the CRM.
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _choice_example(model, key):
    """The label, in the active language, of a choice field's default option, else of its first."""
    field = model._meta.get_field(key)
    default = field.get_default()
    choices = [(value, label) for value, label in field.flatchoices if value != ""]
    label = dict(choices).get(default) or (choices[0][1] if choices else "")
    return str(label)


def import_template_rows(target) -> tuple[list[str], list]:
    """The header row (the columns' labels, in the active language) and the example row of ``target``."""
    kind = import_kind(target)
    model, examples = kind.model, kind.examples
    headers, example = [], []
    for column in kind.columns:
        headers.append(str(column.label))
        if column.kind == "choice" and column.key in examples:
            # The import's own example option ("" for none), by its label in the active language.
            value = examples[column.key]
            example.append(str(dict(model._meta.get_field(column.key).flatchoices).get(value, value)))
        elif column.kind == "choice":
            example.append(_choice_example(model, column.key))
        else:
            example.append(examples.get(column.key, ""))
    return headers, example


def import_template(target, file_format) -> bytes:
    """The template of ``target`` as an XLSX workbook or a CSV file (UTF-8 with a BOM, as Excel expects)."""
    headers, example = import_template_rows(target)
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerow(example)
        return buffer.getvalue().encode("utf-8-sig")
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = target
    sheet.append(headers)
    sheet.append([value if value != "" else None for value in example])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
