"""Small files that expand when parsed: an .ods of 80 KB holding 10.5 MB of XML, an .xlsx of 45 MB of shared strings."""

import io
import random
import zipfile

import tablib

ACCOUNT_COLUMNS = ["Account Name", "City", "Phone", "Industry", "Email", "Street", "County", "Country"]


def ods_bomb(content_size=10_500_000) -> bytes:
    """An OpenDocument spreadsheet of repetitive rows, as big unpacked as ``content_size``: about 80 KB packed."""
    randomness = random.Random(7)
    dataset = tablib.Dataset(headers=ACCOUNT_COLUMNS)
    for _ in range(100):
        dataset.append([f"Compania {randomness.randrange(100)}", "Cluj", "0700", "retail", "a@b.ro", "Str", "CJ",
                        "RO"])
    sample = zipfile.ZipFile(io.BytesIO(dataset.export("ods")))
    content = sample.read("content.xml").decode()
    # The sample's 100 data rows, repeated (as tablib's writer would write them, only faster).
    first = content.index("<table:table-row", content.index("<table:table-row") + 1)
    end = content.index("</table:table>")
    rows = content[first:end]
    repeats = max(1, (content_size - len(content)) // len(rows))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in sample.infolist():
            data = content[:first] + rows * repeats + content[end:] if info.filename == "content.xml" else None
            archive.writestr(info, data if data is not None else sample.read(info.filename))
    return buffer.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx_shared_strings_bomb(strings_size=45_000_000) -> bytes:
    """A workbook of two rows whose shared-strings part is ``strings_size`` bytes: openpyxl reads it whole first."""
    randomness = random.Random(7)
    strings, size = [], 0
    letters = bytes(ord("a") + byte % 2 for byte in range(256))
    while size < strings_size:
        text = randomness.randbytes(200).translate(letters).decode()
        strings.append(f"<si><t>{text}</t></si>")
        size += len(strings[-1])
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0"?><Types xmlns="{_PACKAGE}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
            '<sheet name="Conturi" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
            "</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0"?><sst xmlns="{_MAIN}"><si><t>Account Name</t></si>{"".join(strings)}</sst>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def zip_of_many_parts(count) -> bytes:
    """A zip that starts like a workbook but holds ``count`` tiny parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(count):
            archive.writestr(f"xl/media/{index}.bin", b"")
    return buffer.getvalue()
