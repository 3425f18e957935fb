"""Every format the importer reads, recognised by content, and every refusal, with files made here."""

import io
import zipfile

import pytest

from accounts.models import Account
from contacts.models import Contact
from crm.imports.readers import FileRefused, detect_encoding, open_table
from tests.imports.conftest import csv_bytes, do_import, xlsx_bytes, xml2003_bytes

pytestmark = pytest.mark.django_db

ROWS = [["Account Name", "Account Number", "City", "Annual Revenue"],
        ["Întreprinderea Șoim", "A-1", "Brașov", "1.500,25"],
        ["Țesătura SA", "A-2", "Sibiu", "10"]]


def names():
    return sorted(Account.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    "encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1250", False)]
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(importer, encoding, bom, delimiter):
    rows = ROWS
    if encoding == "cp1250":  # the old Windows code page has only the cedilla letters
        legacy = str.maketrans("ȘșȚț", "ŞşŢţ")
        rows = [[cell.translate(legacy) for cell in row] for row in ROWS]
    outcome = do_import(csv_bytes(rows, delimiter=delimiter, encoding=encoding, bom=bom), actor=importer)
    assert outcome.created == 2, outcome.issues
    assert names() == ["Întreprinderea Șoim", "Țesătura SA"]
    assert Account.objects.get(account_number="A-1").annual_revenue == 1500.25


def test_windows_1250_with_legacy_cedillas_and_windows_1252_are_told_apart(importer):
    cp1250 = csv_bytes([["Account Name", "City"], ["Fabrica de Ţesături", "Bucureşti"]], delimiter=";",
                       encoding="cp1250")
    cp1252 = csv_bytes([["Account Name", "City"], ["Société Générale", "Cádiz"], ["Ørsted", "Århus"],
                        ["Crème", "Bâle"]],
                       encoding="cp1252")
    assert detect_encoding(io.BytesIO(cp1250)) == "cp1250"
    assert detect_encoding(io.BytesIO(cp1252)) == "cp1252"
    do_import(cp1250, actor=importer)
    do_import(cp1252, actor=importer)
    assert names() == ["Crème", "Fabrica de Țesături", "Société Générale", "Ørsted"]
    assert Account.objects.get(name="Fabrica de Țesături").city == "București"


def test_quoted_multiline_fields_and_crlf(importer):
    data = b'Account Name,Description\r\n"Dacia, SA","Linia 1\r\nLinia 2"\r\nPetrom,simplu\r\n'
    outcome = do_import(data, actor=importer)
    assert outcome.created == 2
    assert Account.objects.get(name="Dacia, SA").description == "Linia 1\r\nLinia 2"


def test_txt_with_tab_is_read_as_csv_whatever_its_name(importer):
    table = open_table(io.BytesIO(csv_bytes(ROWS, delimiter="\t")))
    assert table.format == "CSV (tab)" and table.total == 2


def test_xlsx_read_only(importer):
    rows = [ROWS[0], ["Dacia", 1001, "Pitești", 1500.25], ["Petrom", "A-2", "Ploiești", None]]
    outcome = do_import(xlsx_bytes(rows), actor=importer)
    assert outcome.created == 2 and outcome.file_format == "Excel (.xlsx)"
    assert Account.objects.get(name="Dacia").account_number == "1001"  # a number cell read as text


@pytest.mark.parametrize("tablib_format,title", [("xls", "Excel 97-2003 (.xls)"), ("ods", "OpenDocument (.ods)")])
def test_older_xls_and_opendocument_ods_through_tablib(importer, tablib_format, title):
    import tablib

    pytest.importorskip("xlrd" if tablib_format == "xls" else "odf")
    pytest.importorskip("xlwt" if tablib_format == "xls" else "odf")
    dataset = tablib.Dataset(headers=ROWS[0])
    for row in ROWS[1:]:
        dataset.append(row)
    outcome = do_import(dataset.export(tablib_format), actor=importer)
    assert outcome.file_format == title and outcome.created == 2, outcome.issues
    assert names() == ["Întreprinderea Șoim", "Țesătura SA"]


def test_large_xlsx_is_read_by_a_second_process_while_rows_are_imported(importer, tmp_path):
    path = tmp_path / "mare.xlsx"
    rows = [[f"Compania {index}", f"C-{index}", "Cluj", index] for index in range(1200)]
    path.write_bytes(xlsx_bytes([ROWS[0], *rows]))
    with open(path, "rb") as handle:
        table = open_table(handle)
        assert table.total == 1200
        from crm.imports.engine import ImportOptions, run_import

        outcome = run_import(table=table, options=ImportOptions(target="accounts"), actor=importer)
    assert outcome.created == 1200
    assert Account.objects.get(account_number="C-1199").annual_revenue == 1199


def test_xml_spreadsheet_2003(importer):
    outcome = do_import(xml2003_bytes(ROWS), actor=importer)
    assert outcome.file_format == "XML Spreadsheet 2003" and outcome.created == 2
    assert names() == ["Întreprinderea Șoim", "Țesătura SA"]


def test_xml_spreadsheet_2003_as_excel_writes_it_with_skipped_cells(importer):
    data = b"""<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Account"><Table ss:ExpandedColumnCount="3">
  <Row><Cell><Data ss:Type="String">Account Name</Data></Cell><Cell><Data ss:Type="String">Main Phone</Data></Cell>
   <Cell><Data ss:Type="String">Number of Employees</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">Dacia</Data></Cell><Cell ss:Index="3"><Data ss:Type="Number">12</Data></Cell></Row>
 </Table></Worksheet>
 <Worksheet ss:Name="Ignored"><Table><Row><Cell><Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet>
</Workbook>"""
    do_import(data, actor=importer)
    account = Account.objects.get()
    assert (account.name, account.main_phone, account.number_of_employees) == ("Dacia", "", 12)


def test_plain_records_xml_for_accounts_and_contacts(importer):
    accounts = "<accounts><account><name>Dacia</name><account_number>A-1</account_number></account>" \
               "<account><name>Petrom</name><city>Ploiești</city></account></accounts>"
    do_import(accounts.encode(), actor=importer)
    contacts = "<?xml version='1.0' encoding='utf-8'?><contacts><contact><first_name>Ion</first_name>" \
               "<last_name>Pop</last_name><account_number>A-1</account_number></contact></contacts>"
    outcome = do_import(contacts.encode(), "contacts", actor=importer)
    assert outcome.created == 1 and outcome.file_format == "XML records"
    assert Contact.objects.get().account.name == "Dacia"
    assert Account.objects.get(name="Petrom").city == "Ploiești"


VCARD_21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ionescu;=C8=98tefan\r\n"
    "FN:Stefan Ionescu\r\nORG:Dacia SA;Vânzări\r\nTITLE:Director\r\nTEL;WORK;VOICE:+40 21 000 0000\r\n"
    "TEL;CELL:+40 721 000 000\r\nEMAIL;PREF;INTERNET:stefan@dacia.ro\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Prima linie=0D=0A=\r\na doua linie\r\nEND:VCARD\r\n"
)
VCARD_30 = (
    "BEGIN:VCARD\nVERSION:3.0\nN:Popescu;Maria;;;\nFN:Maria Popescu\nORG:Dacia SA\n"
    "EMAIL;TYPE=INTERNET,WORK:maria@dacia.ro\nTEL;TYPE=CELL:0722 111 222\n"
    "ADR;TYPE=WORK:;;Str. Uzinei 1;Mioveni;Argeș;115400;România\nEND:VCARD\n"
)
VCARD_40 = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:Andrei Georgescu\nN:Georgescu;Andrei;;;\n"
    'TEL;VALUE=uri;TYPE="work,voice":tel:+40-21-111-2222\nEMAIL;TYPE=work:andrei@dacia.ro\n'
    "TITLE:Inginer\nORG:Dacia SA\nEND:VCARD\n"
)


def test_vcard_21_quoted_printable_30_and_40(importer):
    Account.objects.create(name="Dacia SA", owner=importer)
    outcome = do_import((VCARD_21 + VCARD_30 + VCARD_40).encode(), "contacts", actor=importer)
    assert outcome.created == 3, outcome.issues
    stefan = Contact.objects.get(last_name="Ionescu")
    assert (stefan.first_name, stefan.job_title, stefan.business_phone, stefan.mobile_phone, stefan.email) == (
        "Ștefan", "Director", "+40 21 000 0000", "+40 721 000 000", "stefan@dacia.ro",
    )
    # ORG:Dacia SA;Vânzări: the account is Dacia SA, the department is kept after the note.
    assert stefan.description == "Prima linie\r\na doua linie\nDepartment: Vânzări"
    maria = Contact.objects.get(last_name="Popescu")
    assert (maria.city, maria.postal_code, maria.mobile_phone) == ("Mioveni", "115400", "0722 111 222")
    andrei = Contact.objects.get(last_name="Georgescu")
    assert (andrei.business_phone, andrei.job_title, andrei.account.name) == ("+40-21-111-2222", "Inginer", "Dacia SA")


# Refusals --------------------------------------------------------------------------------------


def refused(data, match):
    with pytest.raises(FileRefused, match=match):
        open_table(io.BytesIO(data))


def test_garbage_empty_and_header_only_files_are_refused():
    refused(b"", "empty")
    refused(bytes(range(256)) * 40, "expected an Excel workbook")
    refused(b"Account Name,City\r\n", "header row but no data rows")
    refused(b"Account Name,City\r\n,\r\n\r\n", "header row but no data rows")
    refused(xlsx_bytes([["Account Name"]]), "header row but no data rows")
    refused(b"PK\x03\x04garbage", "damaged")
    refused(b"<accounts></accounts>", "no records")
    refused(b"<accounts><account><name>x</name>", "cannot be read")
    refused(b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Pop;Ion\r\n", "no complete card")


def test_xml_entities_and_external_references_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>' \
           b"<accounts><account><name>&lol2;</name></account></accounts>"
    refused(bomb, "cannot be read")
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>' \
               b"<accounts><account><name>&ext;</name></account></accounts>"
    refused(external, "cannot be read")


def test_zip_bomb_is_refused_by_declared_size(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    refused(buffer.getvalue(), "zip bomb")
    settings.CRM_IMPORT_MAX_UNCOMPRESSED_SIZE = 10 * 1024 * 1024
    refused(buffer.getvalue(), "would unpack to 30 MB")


def test_upload_size_row_and_column_limits(settings):
    settings.CRM_IMPORT_MAX_UPLOAD_SIZE = 100
    refused(b"Account Name\r\n" + b"x\r\n" * 100, "the limit is")
    settings.CRM_IMPORT_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
    settings.CRM_IMPORT_MAX_ROWS = 3
    refused(b"Account Name\r\n" + b"x\r\n" * 4, "more than 3 rows")
    refused(xlsx_bytes([["Account Name"]] + [["x"]] * 4), "more than 3 rows")
    settings.CRM_IMPORT_MAX_COLUMNS = 2
    refused(b"a,b,c\r\n1,2,3\r\n", "3 columns; at most 2")


def test_refused_file_writes_nothing(importer, settings):
    settings.CRM_IMPORT_MAX_ROWS = 2
    with pytest.raises(FileRefused):
        do_import(b"Account Name\r\na\r\nb\r\nc\r\n", actor=importer)
    assert not Account.objects.exists()


def test_a_workbook_reader_that_dies_stops_the_import_instead_of_hanging(tmp_path):
    from crm.imports.readers import ReaderStopped
    from crm.imports.sandbox import rows_in_a_sandbox
    from tests.imports.dying_reader import die_at_once

    path = tmp_path / "mare.xlsx"
    path.write_bytes(xlsx_bytes([["Account Name"], ["Dacia SA"]]))
    with pytest.raises(ReaderStopped, match="exit code 3"):
        list(rows_in_a_sandbox(str(path), read=die_at_once))


def test_a_damaged_large_workbook_is_refused_when_opened_before_anything_is_written(importer, tmp_path):
    # The sandbox's process opens it; its error refuses the file at open_table.
    path = tmp_path / "stricat.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row/></sheetData></worksheet>")
    with open(path, "rb") as handle, pytest.raises(FileRefused, match="damaged"):
        open_table(handle)
    assert not Account.objects.exists()
