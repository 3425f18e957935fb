"""django-import-export formats for the admin: any importable file (recognised by content) and XML Spreadsheet 2003."""

import io

import tablib
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

from crm.imports.exports import stream_xml_spreadsheet
from crm.imports.readers import open_table


class AnyFormat(base_formats.Format):
    """Every format the CRM imports; the file's content, not the choice, decides how it is read."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return _("Any supported file (recognised by content)")

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        # The admin previews the rows in its request: the reading child gets less time than a job's.
        table = open_table(io.BytesIO(data), seconds=getattr(settings, "CRM_IMPORT_WEB_READ_SECONDS", 30))
        dataset = tablib.Dataset(headers=table.headers)
        for _number, cells in table.rows:
            dataset.append(cells)
        dataset.crm_format = table.format
        return dataset

    def can_import(self):
        return True

    def get_extension(self):
        return ""


class XMLSpreadsheetFormat(base_formats.Format):
    """XML Spreadsheet 2003, as Excel and Dynamics' import templates write it."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "xml"

    def export_data(self, dataset, **kwargs):
        return "".join(stream_xml_spreadsheet([dataset.headers, *dataset]))

    def can_export(self):
        return True

    def is_binary(self):
        return False

    def get_read_mode(self):
        return "r"

    def get_extension(self):
        return "xml"

    def get_content_type(self):
        return "application/vnd.ms-excel"


class NeutralisedCSV(base_formats.CSV):
    """CSV with formula-like cells neutralised."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(_neutralised(dataset), **kwargs)


class NeutralisedXLSX(base_formats.XLSX):
    """XLSX with formula-like cells neutralised."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(_neutralised(dataset), **kwargs)


def _neutralised(dataset):
    from crm.imports.exports import neutralise

    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([neutralise(cell) for cell in row])
    return safe
