"""Exports of accounts and contacts as XLSX, CSV and XML Spreadsheet 2003, streamed.

The columns carry the labels the importer reads, so an exported file imports
back unchanged. Text cells that a spreadsheet would run as a formula (starting
with = + - @, tab or carriage return) get a leading apostrophe, which the
importer removes again.
"""

import csv
import datetime
import tempfile
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from crm.imports.values import FORMULA_STARTS

EXPORT_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xml": ("application/vnd.ms-excel", "xml"),
}
CHUNK_SIZE = 2000


def neutralise(value):
    """Return ``value`` safe to open in a spreadsheet: text that looks like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return neutralise(value)


class HeaderRow(list):
    """An export's header row naming, in ``hidden``, the indexes of columns an XLSX file hides (the round trip's)."""

    def __init__(self, cells, hidden=()):
        super().__init__(cells)
        self.hidden = tuple(hidden)


class _Echo:
    def write(self, value):
        return value


def export_rows(resource, queryset):
    """Yield the header row, then one row per record, reading the queryset in chunks."""
    yield resource.export_headers()
    for record in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield resource.export_values(record)


def stream_csv(rows):
    """Yield CSV text chunks (UTF-8 with a BOM, so Excel reads the diacritics) for ``rows``."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    buffer = []
    for row in rows:
        buffer.append(writer.writerow(["" if cell is None else neutralise(cell) for cell in row]))
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def _xml_cell(value):
    if value is None or value == "":
        return "<Cell/>"
    if isinstance(value, bool):
        return f'<Cell><Data ss:Type="String">{value}</Data></Cell>'
    if isinstance(value, int | float | Decimal):
        return f'<Cell><Data ss:Type="Number">{value}</Data></Cell>'
    if isinstance(value, datetime.datetime | datetime.date):
        return f'<Cell><Data ss:Type="String">{value.isoformat()}</Data></Cell>'
    text = escape(str(neutralise(value)), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;"})
    return f'<Cell><Data ss:Type="String">{text}</Data></Cell>'


def stream_xml_spreadsheet(rows, sheet_name="Sheet1"):
    """Yield an XML Spreadsheet 2003 document (as Excel and Dynamics' templates use) for ``rows``."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        f'<Worksheet ss:Name="{escape(sheet_name)}"><Table>\n'
    )
    buffer = []
    for row in rows:
        buffer.append("<Row>" + "".join(_xml_cell(cell) for cell in row) + "</Row>\n")
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    buffer.append("</Table></Worksheet></Workbook>\n")
    yield "".join(buffer)


def write_xlsx(rows, sheet_name="Sheet1"):
    """Write ``rows`` to a temporary .xlsx file with openpyxl's write-only mode; return the open file."""
    handle = tempfile.TemporaryFile()
    write_export(rows, handle, "xlsx", sheet_name)
    handle.seek(0)
    return handle


def write_export(rows, handle, file_format, sheet_name="Sheet1"):
    """Write ``rows`` to the binary file ``handle`` as ``file_format`` (a key of EXPORT_FORMATS), row by row.

    Memory stays flat: XLSX goes through openpyxl's write-only mode (rows to a
    temporary file, strings inline), CSV and XML are written a chunk at a time.
    """
    if file_format == "xlsx":
        import openpyxl
        from openpyxl.utils import get_column_letter

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_name[:31])
        for number, row in enumerate(rows):
            if number == 0:
                # Before the first row: a write-only sheet writes its column settings with it.
                for index in getattr(row, "hidden", ()):
                    sheet.column_dimensions[get_column_letter(index + 1)].hidden = True
            sheet.append([_cell(cell) for cell in row])
        workbook.save(handle)
        return
    stream = stream_csv(rows) if file_format == "csv" else stream_xml_spreadsheet(rows, sheet_name)
    for text in stream:
        handle.write(text.encode("utf-8"))
