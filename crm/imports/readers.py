"""Reading an uploaded file, whatever its format, as a header row and a stream of data rows.

The format is recognised from the file's content, not its name: .xlsx, .xls and
.ods workbooks, XML Spreadsheet 2003, a plain records XML, vCard and, for any
other text, CSV (encoding and delimiter detected). Every reader streams and every
one refuses, with a clear message and before anything is written, a file that is
not what it claims, too large, empty or only a header.
"""

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils.translation import gettext as _

from crm.imports.values import clean_text

EXPECTED = (
    "an Excel workbook (.xlsx or .xls), an OpenDocument spreadsheet (.ods), a CSV or text file, "
    "an XML Spreadsheet 2003 file, an XML file of records or a vCard file (.vcf)"
)


class FileRefused(Exception):
    """The file cannot be imported at all; nothing was written."""


def not_supported():
    return FileRefused(_("The file is not a file this import reads: expected %(expected)s.") % {"expected": EXPECTED})


@dataclass
class Table:
    """A file read as rows: the header cells, then (row number, cells) for each data row."""

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, list]]
    total: int | None = None
    encoding: str = ""
    extra: dict = field(default_factory=dict)


def max_rows():
    return getattr(settings, "CRM_IMPORT_MAX_ROWS", 1_000_000)


def max_columns():
    return getattr(settings, "CRM_IMPORT_MAX_COLUMNS", 200)


def _is_blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _check_headers(headers):
    headers = [clean_text(cell) for cell in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise FileRefused(_("The file has no header row: the first row must name the columns."))
    if len(headers) > max_columns():
        raise FileRefused(
            _("The file has %(count)d columns; at most %(limit)d are allowed.")
            % {"count": len(headers), "limit": max_columns()}
        )
    return headers


def _data_rows(numbered_rows, width):
    """Skip blank rows, cut rows to the header's width, and refuse a file past the row limit."""
    limit = max_rows()
    count = 0
    for number, cells in numbered_rows:
        if _is_blank(cells):
            continue
        count += 1
        if count > limit:
            raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": limit})
        cells = list(cells[:width])
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        yield number, cells


def _table(format_name, headers, numbered_rows, *, total=None, encoding=""):
    """Build a Table, refusing a header-only file (peeks at the first data row)."""
    headers = _check_headers(headers)
    rows = _data_rows(numbered_rows, len(headers))
    first = next(rows, None)
    if first is None:
        raise FileRefused(_("The file has a header row but no data rows."))
    if total is not None and total > max_rows():
        raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
    return Table(format_name, headers, chain([first], rows), total=total, encoding=encoding)


def table_from_rows(format_name, headers, numbered_rows, total=None) -> Table:
    """A Table from rows already read (the admin's dataset): the same header, blank-row and limit checks."""
    return _table(format_name, list(headers), numbered_rows, total=total)


def open_table(stream, *, size=None, within=None, seconds=None) -> Table:
    """Recognise the format of the binary ``stream`` and return its Table; raise FileRefused otherwise.

    CSV is read here, as it streams in bounded memory. Workbooks, XML and vCards are read by a child
    process with memory and CPU limits (crm.imports.sandbox), after the cheap checks of an archive's
    directory here. ``within``: the seconds a web request waits for the header (TooSlowToCheck past
    them); ``seconds``: a lower CPU limit for the child than the setting's.
    """
    limit = getattr(settings, "CRM_IMPORT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024)
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    if size > limit:
        raise FileRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        unpacked = check_zip_directory(stream, size)
        return _sandboxed(stream, within=within, seconds=seconds, read_size=unpacked)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sandboxed(stream, within=within, seconds=seconds, read_size=size)
    encoding = detect_encoding(stream)
    text_head = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text_head.startswith("<") or text_head[:11].upper() == "BEGIN:VCARD":
        return _sandboxed(stream, within=within, seconds=seconds, read_size=size)
    return _open_csv(stream, encoding)


def open_here(stream) -> Table:
    """Read the file in this process, whatever its format: what the sandbox's child runs."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _open_zip(stream)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _open_tablib(stream, "xls", "Excel 97-2003 (.xls)")
    encoding = detect_encoding(stream)
    text_head = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text_head.startswith("<"):
        return _open_xml(stream)
    if text_head[:11].upper() == "BEGIN:VCARD":
        return _open_vcard(stream, encoding)
    return _open_csv(stream, encoding)


def _sandboxed(stream, *, within, seconds, read_size) -> Table:
    from crm.imports.sandbox import rows_in_a_sandbox, spill_to_disk

    path = stream.temporary_file_path() if hasattr(stream, "temporary_file_path") else getattr(stream, "name", None)
    spilled = None
    if not (isinstance(path, str) and os.path.isabs(path) and os.path.isfile(path)):
        path = spilled = spill_to_disk(stream)

    def forget():
        if spilled:
            os.unlink(spilled)

    messages = rows_in_a_sandbox(path, within=within, seconds=seconds)
    try:
        _kind, format_name, headers, total, encoding, extra = next(messages)
    except BaseException:
        messages.close()
        forget()
        raise

    def rows():
        try:
            yield from messages
        finally:
            messages.close()
            forget()

    extra["read_size"] = read_size
    return Table(format_name, headers, rows(), total=total, encoding=encoding, extra=extra)


# Text files: encoding and CSV ------------------------------------------------------------------

# Bytes that the two Windows code pages read differently, as the letter each would give that a text in its
# languages is likely to hold (Romanian and Central European for 1250, Western European for 1252). Bytes whose
# 1252 reading is a rare letter (ã þ º ª) count only for 1250, where they are Romanian's ă ţ ş Ş.
_CP1250_LETTERS = set("ăşţĂŞŢčěřőűćĄąŁłŚśŹźŻż")
_CP1252_LETTERS = set("àèìòõøåæÀÈÒØÅÆ")


def detect_encoding(stream) -> str:
    """Return 'utf-8-sig' for valid UTF-8, else the likelier of Windows-1250 and Windows-1252."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    sample = b""
    try:
        while chunk := stream.read(1 << 20):
            if len(sample) < (1 << 20):
                sample += chunk
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    finally:
        stream.seek(0)
    if b"\x00" in sample[:4096]:
        raise not_supported()
    as_1250 = sample.decode("cp1250", errors="replace")
    as_1252 = sample.decode("cp1252", errors="replace")
    score_1250 = sum(1 for ch in as_1250 if ch in _CP1250_LETTERS)
    score_1252 = sum(1 for ch in as_1252 if ch in _CP1252_LETTERS)
    return "cp1250" if score_1250 >= score_1252 and score_1250 else "cp1252"


def sniff_delimiter(first_line: str) -> str:
    """Pick the delimiter among comma, semicolon and tab that splits the header line most often."""
    counts = {delimiter: len(next(csv.reader([first_line], delimiter=delimiter), [])) for delimiter in ",;\t"}
    best = max(counts.values())
    for delimiter in ",;\t":
        if counts[delimiter] == best:
            return delimiter
    return ","


def _looks_like_text(sample: str) -> bool:
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return bad <= len(sample) // 100


def _open_csv(stream, encoding) -> Table:
    errors = "strict" if encoding.startswith("utf") else "replace"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors=errors)
    sample = text.read(65536)
    if not _looks_like_text(sample):
        raise not_supported()
    first_line = sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    delimiter = sniff_delimiter(first_line)
    text.seek(0)
    csv.field_size_limit(1 << 20)
    total = sum(1 for cells in csv.reader(text, delimiter=delimiter) if not _is_blank(cells)) - 1
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)
    headers = next(reader, [])
    if headers:
        headers[0] = headers[0].lstrip("\ufeff")
    if len(headers) < 2 and len(first_line) > 200:
        raise not_supported()
    name = {",": "CSV", ";": "CSV (;)", "\t": "CSV (tab)"}[delimiter]
    table = _table(name, headers, enumerate(reader, start=2), total=max(total, 0), encoding=encoding)
    table.extra["delimiter"] = delimiter
    return table


# Workbooks --------------------------------------------------------------------------------------


def max_unpacked_size():
    return getattr(settings, "CRM_IMPORT_MAX_UNCOMPRESSED_SIZE", 600 * 1048576)


def max_archive_entries():
    return getattr(settings, "CRM_IMPORT_MAX_ARCHIVE_ENTRIES", 1000)


def check_zip_directory(stream, size) -> int:
    """Check a zip's directory without unpacking it; return the size it declares unpacked.

    The entry count is read from the end record first, so a directory of a million entries is refused
    before it is parsed. Python's zipfile then holds every entry to its declared size and CRC as it
    is unpacked (in the child), so an entry that declares less than it holds is refused as damaged.
    """
    tail_size = min(size, 65536 + 22)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        raise FileRefused(_("The workbook is damaged and cannot be read."))
    entries = int.from_bytes(tail[end + 10:end + 12], "little")
    if entries == 0xFFFF or entries > max_archive_entries():
        raise FileRefused(
            _("The workbook holds more than %(limit)d parts; a spreadsheet needs far fewer, so it was not read.")
            % {"limit": max_archive_entries()}
        )
    archive = check_zip(stream)
    return sum(info.file_size for info in archive.infolist())


def check_zip(stream):
    """Refuse a zip whose declared uncompressed size or compression ratio is beyond reason (zip bombs)."""
    limit = max_unpacked_size()
    ratio_limit = getattr(settings, "CRM_IMPORT_MAX_COMPRESSION_RATIO", 200)
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise FileRefused(_("The workbook is damaged and cannot be read.")) from error
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise FileRefused(
            _("The workbook would unpack to %(size)d MB, more than the %(limit)d MB allowed.")
            % {"size": total // 1048576, "limit": limit // 1048576}
        )
    for info in infos:
        if info.file_size > 1048576 and info.file_size > ratio_limit * max(info.compress_size, 1):
            raise FileRefused(_("The workbook is compressed suspiciously much (a zip bomb?) and was not read."))
    return archive


def _open_zip(stream) -> Table:
    archive = check_zip(stream)
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return _open_xlsx(stream, archive)
    if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return _open_tablib(stream, "ods", "OpenDocument (.ods)")
    raise not_supported()


def _open_xlsx(stream, archive) -> Table:
    import openpyxl

    stream.seek(0)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows, None) or []
    except (FileRefused, MemoryError):  # refused as such; past the sandbox's memory limit
        raise
    except Exception as error:
        raise FileRefused(_("The workbook is damaged and cannot be read.")) from error
    total = (sheet.max_row - 1) if sheet.max_row else None

    def numbered():
        try:
            yield from enumerate(rows, start=2)
        finally:
            workbook.close()

    return _table("Excel (.xlsx)", list(headers), numbered(), total=total)


class ReaderStopped(RuntimeError):
    """The file's reading process ended without finishing: the import stops, keeping the batches it wrote."""


def _open_tablib(stream, format_name, title) -> Table:
    import tablib

    stream.seek(0)
    try:
        dataset = tablib.Dataset().load(stream.read(), format=format_name, headers=False)
    except MemoryError:  # the sandbox's limit: not a damaged file
        raise
    except Exception as error:
        raise FileRefused(_("The %(format)s file cannot be read.") % {"format": title}) from error
    rows = list(dataset)
    if not rows:
        raise FileRefused(_("The file is empty."))
    return _table(title, list(rows[0]), enumerate(rows[1:], start=2), total=len(rows) - 1)


# XML ----------------------------------------------------------------------------------------

SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _open_xml(stream) -> Table:
    stream.seek(0)
    try:
        events = SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True)
        _event, root = next(events)
    except MemoryError:  # the sandbox's limit: not a damaged file
        raise
    except Exception as error:
        raise FileRefused(_("The XML file cannot be read: %(error)s") % {"error": error}) from error
    if root.tag in (f"{{{SS_NS}}}Workbook", "Workbook"):
        rows = _spreadsheet_2003_rows(events, root)
        format_name = "XML Spreadsheet 2003"
    else:
        rows = _records_xml_rows(events, root)
        format_name = _("XML records")
    try:
        # XML files are read whole first, so a malformed one is refused before anything is written.
        rows = list(rows)
    except (FileRefused, MemoryError):  # refused as such; past the sandbox's memory limit
        raise
    except Exception as error:
        raise FileRefused(_("The XML file cannot be read: %(error)s") % {"error": error}) from error
    if not rows:
        raise FileRefused(_("The file is empty."))
    headers, data = rows[0], rows[1:]
    return _table(format_name, headers, iter(data), total=len(data))


def _spreadsheet_2003_rows(events, root):
    """Yield the header then (row number, cells) of the first worksheet of an XML Spreadsheet 2003."""
    index_attr = f"{{{SS_NS}}}Index"
    depth_sheet = 0
    row_number = 0
    header_done = False
    for event, element in events:
        name = _local(element.tag)
        if name == "Worksheet":
            if event == "start":
                depth_sheet += 1
            elif depth_sheet:
                return
            continue
        if event != "end" or name != "Row" or depth_sheet != 1:
            continue
        row_number = int(element.get(index_attr, row_number + 1))
        cells = []
        for cell in element:
            if _local(cell.tag) != "Cell":
                continue
            position = int(cell.get(index_attr, len(cells) + 1))
            cells.extend([None] * (position - 1 - len(cells)))
            data = next((child for child in cell if _local(child.tag) == "Data"), None)
            value = None
            if data is not None:
                value = "".join(data.itertext())
                if data.get(f"{{{SS_NS}}}Type") == "Number" and value:
                    value = float(value) if any(ch in value for ch in ".eE") else int(value)
            cells.append(value)
        element.clear()
        if not header_done:
            header_done = True
            yield cells
        else:
            yield row_number, cells
        if row_number > max_rows() + 1:
            raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
    root.clear()


def _records_xml_rows(events, root):
    """Yield the field names then (record number, values) of <accounts><account><name>…</name></account>…."""
    headers: list[str] = []
    records = []
    depth = 0
    for event, element in events:
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 0:
            record = {}
            for child in element:
                key = _local(child.tag)
                if key not in headers:
                    if len(headers) >= max_columns():
                        raise FileRefused(
                            _("The file has more than %(limit)d columns.") % {"limit": max_columns()}
                        )
                    headers.append(key)
                record[key] = "".join(child.itertext())
            records.append(record)
            if len(records) > max_rows():
                raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
            element.clear()
            root.clear()
    if not headers:
        raise FileRefused(
            _("The XML file has no records: expected <accounts><account><name>…</name></account></accounts>.")
        )
    yield headers
    for number, record in enumerate(records, start=1):
        yield number, [record.get(key) for key in headers]


# vCard --------------------------------------------------------------------------------------

VCARD_HEADERS = [
    "first_name", "last_name", "job_title", "company_name", "email", "business_phone", "mobile_phone",
    "street", "city", "county", "postal_code", "country", "description",
]


def _unfold_vcard(text):
    """Join folded lines: RFC 2425 folding (leading space) and quoted-printable soft breaks (trailing =)."""
    lines = []
    for raw in re.split(r"\r\n|\n|\r", text):
        if lines and raw[:1] in (" ", "\t"):
            lines[-1] += raw[1:]
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].split(":", 1)[0].upper():
            lines[-1] = lines[-1][:-1] + raw
        else:
            lines.append(raw)
    return lines


def _vcard_value(params, value):
    upper = [param.upper() for param in params]
    if "ENCODING=QUOTED-PRINTABLE" in upper or "QUOTED-PRINTABLE" in upper:
        import quopri

        charset = next((param.split("=", 1)[1] for param in params if param.upper().startswith("CHARSET=")), "utf-8")
        value = quopri.decodestring(value.encode("latin-1", errors="replace")).decode(charset, errors="replace")
    return value


def _vcard_split(value, separator=";"):
    parts, current, escaped = [], "", False
    for ch in value:
        if escaped:
            current += {"n": "\n", "N": "\n"}.get(ch, ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _vcard_types(params):
    types = set()
    for param in params:
        key, _sep, value = param.partition("=")
        if not _sep:
            types.add(key.upper())
        elif key.upper() == "TYPE":
            types.update(item.strip('"').upper() for item in value.split(","))
    return types


def _open_vcard(stream, encoding) -> Table:
    stream.seek(0)
    text = stream.read().decode(encoding, errors="replace")
    cards = []
    card = None
    for line in _unfold_vcard(text):
        if not line.strip():
            continue
        name_part, _sep, value = line.partition(":")
        params = name_part.split(";")
        prop = params[0].split(".")[-1].upper()
        params = params[1:]
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            card = dict.fromkeys(VCARD_HEADERS, "")
            continue
        if card is None:
            continue
        if prop == "END":
            cards.append(card)
            card = None
            if len(cards) > max_rows():
                raise FileRefused(_("The file has more than %(limit)d rows.") % {"limit": max_rows()})
            continue
        value = _vcard_value(params, value)
        types = _vcard_types(params)
        if prop == "N":
            parts = _vcard_split(value) + ["", ""]
            card["last_name"], card["first_name"] = parts[0], parts[1]
        elif prop == "FN" and not card["last_name"]:
            first, _sep, last = value.strip().rpartition(" ")
            card["first_name"], card["last_name"] = (first, last) if first else ("", last)
        elif prop == "ORG":
            card["company_name"] = _vcard_split(value)[0]
        elif prop == "TITLE":
            card["job_title"] = value
        elif prop == "EMAIL" and not card["email"]:
            card["email"] = value
        elif prop == "TEL":
            number = value.removeprefix("tel:")
            if "CELL" in types and not card["mobile_phone"]:
                card["mobile_phone"] = number
            elif not card["business_phone"] and ("CELL" not in types):
                card["business_phone"] = number
        elif prop == "ADR" and not card["city"] and not card["street"]:
            parts = _vcard_split(value) + [""] * 7
            card["street"], card["city"], card["county"], card["postal_code"], card["country"] = parts[2:7]
        elif prop == "NOTE":
            card["description"] = value
    if not cards:
        raise FileRefused(_("The vCard file has no complete card (BEGIN:VCARD … END:VCARD)."))
    rows = [[card[key] for key in VCARD_HEADERS] for card in cards]
    return _table("vCard", list(VCARD_HEADERS), enumerate(rows, start=1), total=len(rows), encoding=encoding)
