"""Helpers that make import files on the fly, in every format the importer reads."""

import csv
import io

import openpyxl
import pytest

from crm.imports.engine import ImportOptions, run_import
from crm.imports.readers import open_table


def csv_bytes(rows, *, delimiter=",", encoding="utf-8", bom=False, newline="\r\n"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xml2003_bytes(rows):
    from crm.imports.exports import stream_xml_spreadsheet

    return "".join(stream_xml_spreadsheet(rows)).encode()


def do_import(data: bytes, target="accounts", *, actor, job=None, **options):
    table = open_table(io.BytesIO(data))
    return run_import(table=table, options=ImportOptions(target=target, **options), actor=actor, job=job)


@pytest.fixture
def importer(sales_manager):
    return sales_manager


