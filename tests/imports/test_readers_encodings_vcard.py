"""Text encodings (UTF-16, Mac Roman, import_data --encoding) and vCards read by meaning, in exporters' shapes."""

import io

import pytest

from accounts.models import Account
from contacts.models import Contact
from crm.imports.readers import FileRefused, guess_encoding, open_table
from tests.imports.conftest import csv_bytes, do_import
from tests.imports.test_command import run, write

pytestmark = pytest.mark.django_db

ROWS = [
    ["Account Name", "City", "Description"],
    ["Müller Logistik GmbH", "Köln", "Spedition für Möbel"],
    ["Société Générale", "Zürich", "Crédit"],
]


def names():
    return sorted(Account.objects.values_list("name", flat=True))


# UTF-16 -----------------------------------------------------------------------------------------


def excel_unicode_text(rows):
    """What Excel's "Save As: Unicode Text" writes: UTF-16 LE with a BOM, tab-delimited, CRLF lines."""
    text = "\r\n".join("\t".join(row) for row in rows) + "\r\n"
    return b"\xff\xfe" + text.encode("utf-16-le")


def test_excel_unicode_text_utf16_le_with_bom_tab_delimited_is_imported(importer):
    data = excel_unicode_text(ROWS)
    table = open_table(io.BytesIO(data))
    assert (table.format, table.encoding, table.extra["encoding_name"]) == ("CSV (tab)", "utf-16-le", "UTF-16 LE")
    assert table.headers == ["Account Name", "City", "Description"]
    outcome = do_import(data, actor=importer)
    assert outcome.created == 2, outcome.issues
    assert names() == ["Müller Logistik GmbH", "Société Générale"]
    assert Account.objects.get(name="Müller Logistik GmbH").city == "Köln"


def test_utf16_be_with_bom(importer):
    data = b"\xfe\xff" + csv_bytes(ROWS).decode().encode("utf-16-be")
    assert open_table(io.BytesIO(data)).encoding == "utf-16-be"
    assert do_import(data, actor=importer).created == 2
    assert names() == ["Müller Logistik GmbH", "Société Générale"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_by_its_nul_pattern(importer, encoding):
    data = csv_bytes(ROWS, delimiter="\t").decode().encode(encoding)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    table = open_table(io.BytesIO(data))
    assert (table.encoding, table.extra["encoding_found_by"]) == (encoding, "nul pattern")
    assert do_import(data, actor=importer).created == 2
    assert Account.objects.get(name="Société Générale").description == "Crédit"


def test_binary_with_scattered_nuls_is_still_refused():
    with pytest.raises(FileRefused, match="expected an Excel workbook"):
        open_table(io.BytesIO(bytes(range(256)) * 40))


# 8-bit code pages -------------------------------------------------------------------------------


def test_mac_roman_csv_is_not_read_as_a_windows_code_page(importer):
    data = csv_bytes(ROWS, encoding="mac_roman")
    # What Windows-1250 would make of it: the bug this prevents.
    assert "Mźller" in data.decode("cp1250")
    table = open_table(io.BytesIO(data))
    assert (table.encoding, table.extra["encoding_name"]) == ("mac_roman", "Mac Roman")
    do_import(data, actor=importer)
    assert names() == ["Müller Logistik GmbH", "Société Générale"]
    muller = Account.objects.get(name="Müller Logistik GmbH")
    assert (muller.city, muller.description) == ("Köln", "Spedition für Möbel")


def test_a_weak_guess_is_not_silent_the_table_lists_the_candidates():
    data = csv_bytes([["Account Name"], ["Müller GmbH"]], encoding="mac_roman")
    table = open_table(io.BytesIO(data))
    assert table.encoding == "mac_roman"
    assert table.extra["encoding_candidates"][0] == "mac_roman"
    assert set(table.extra["encoding_candidates"]) > {"mac_roman"}
    assert list(table.rows) == [(2, ["Müller GmbH"])]


def test_windows_1252_with_curly_quotes_and_dashes_stays_windows_1252(importer):
    rows = [["Account Name", "Description"], ["Crème Brûlée SARL", "“Pâtisserie” – Zürich, Göteborg"]]
    data = csv_bytes(rows, encoding="cp1252")
    assert guess_encoding(io.BytesIO(data)).encoding == "cp1252"
    do_import(data, actor=importer)
    assert Account.objects.get().description == "“Pâtisserie” – Zürich, Göteborg"


def test_windows_1250_romanian_with_quotes_stays_windows_1250(importer):
    rows = [["Account Name", "Description"], ["Fabrica „Ţesătura”", "Bucureşti – sediul central"]]
    data = csv_bytes(rows, delimiter=";", encoding="cp1250")
    assert guess_encoding(io.BytesIO(data)).encoding == "cp1250"
    do_import(data, actor=importer)
    assert Account.objects.get().name == "Fabrica „Țesătura”"


# import_data --encoding -----------------------------------------------------------------------


def test_command_encoding_option_forces_the_encoding(tmp_path, sales_manager):
    rows = [["Account Name", "City"], ["Šašek s.r.o.", "Plzeň"]]
    data = csv_bytes(rows, encoding="cp1250")
    # Too little text to be sure: the guess says so, listing Windows-1250 among its candidates.
    guess = guess_encoding(io.BytesIO(data))
    assert guess.weak and "cp1250" in guess.candidates
    path = write(tmp_path, "firme.csv", data)
    code, out, err = run("accounts", path, "--user", sales_manager.username, "--encoding", "cp1250")
    assert code == 0, err
    assert (Account.objects.get().name, Account.objects.get().city) == ("Šašek s.r.o.", "Plzeň")


def test_command_encoding_that_does_not_fit_the_file_refuses_it(tmp_path, sales_manager):
    path = write(tmp_path, "conturi.csv", csv_bytes(ROWS, encoding="cp1252"))
    code, _out, err = run("accounts", path, "--user", sales_manager.username, "--encoding", "utf-8")
    assert code == 2 and "not valid UTF-8" in err
    code, _out, err = run("accounts", path, "--user", sales_manager.username, "--encoding", "klingon")
    assert code == 2 and "not an encoding" in err
    assert not Account.objects.exists()


def test_forced_encoding_reaches_the_vcard_reader():
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller;Jürgen;;;\r\nFN:Jürgen Müller\r\nORG:Müller GmbH\r\nEND:VCARD\r\n"
    table = open_table(io.BytesIO(card.encode("cp1252")), encoding="cp1252")
    assert table.encoding == "cp1252"
    row = dict(zip(table.headers, next(table.rows)[1], strict=True))
    assert (row["first_name"], row["last_name"], row["company_name"]) == ("Jürgen", "Müller", "Müller GmbH")


# vCards ---------------------------------------------------------------------------------------

# macOS Contacts' export of a company card: empty N, the name in FN and ORG, X-ABShowAs:COMPANY.
APPLE_COMPANY = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 14.4//EN\r\nN:;;;;\r\n"
    "FN:Construcții Popa-Ionescu S.A.\r\nORG:Construcții Popa-Ionescu S.A.;\r\n"
    "item1.TEL;type=pref:+40 268 555 010\r\n"
    "item2.ADR;type=WORK;type=pref:;;Str. Lungă 5;Brașov;BV;500001;România\r\nitem2.X-ABADR:ro\r\n"
    "item3.URL;type=pref:https://popa-ionescu.ro\r\nitem3.X-ABLabel:_$!<HomePage>!$_\r\n"
    "X-ABShowAs:COMPANY\r\nEND:VCARD\r\n"
)
VCARD4_ORG = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Transilvania Cargo SRL\r\nORG:Transilvania Cargo SRL\r\n"
    "TEL;VALUE=uri;TYPE=work:tel:+40-264-555-000\r\nEND:VCARD\r\n"
)
# Google Contacts' vCard export: HOME before WORK, two e-mails, ORG with a department.
GOOGLE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Elena Marinescu\r\nN:Marinescu;Elena;;;\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=HOME:elena.m@gmail.com\r\nEMAIL;TYPE=INTERNET;TYPE=WORK:elena@dacia.ro\r\n"
    "TEL;TYPE=HOME:+40 21 300 1111\r\nTEL;TYPE=CELL:+40 744 123 456\r\nTEL;TYPE=WORK:+40 21 400 2222\r\n"
    "ADR;TYPE=HOME:;;Str. Florilor 3;București;;010101;România\r\n"
    "ADR;TYPE=WORK:;;Str. Uzinei 1;Mioveni;Argeș;115400;România\r\n"
    "ORG:Dacia SA;Achiziții\r\nTITLE:Manager achiziții\r\nEND:VCARD\r\n"
)
# The iPhone's shared contact: the mobile under Apple's own label, and only a HOME landline.
IPHONE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.4//EN\r\nN:Dumitrescu;Radu;;;\r\n"
    "FN:Radu Dumitrescu\r\nORG:Dacia SA;Logistică;\r\nTEL;type=HOME;type=VOICE;type=pref:+40 21 555 0000\r\n"
    "item1.TEL:+40 722 000 111\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\nEND:VCARD\r\n"
)


def vcard_rows(text):
    table = open_table(io.BytesIO(text.encode()))
    return [dict(zip(table.headers, cells, strict=True)) for _number, cells in table.rows]


def test_google_and_iphone_cards_phones_by_type_and_department_kept(importer):
    elena, radu = vcard_rows(GOOGLE + IPHONE)
    assert (elena["business_phone"], elena["mobile_phone"]) == ("+40 21 400 2222", "+40 744 123 456")
    assert elena["email"] == "elena@dacia.ro"
    assert (elena["street"], elena["city"]) == ("Str. Uzinei 1", "Mioveni")
    assert (elena["company_name"], elena["description"]) == ("Dacia SA", "Department: Achiziții")
    # A HOME number never becomes the business phone, even as the preferred (or only) landline.
    assert (radu["business_phone"], radu["mobile_phone"]) == ("", "+40 722 000 111")
    assert radu["description"] == "Department: Logistică"

    Account.objects.create(name="Dacia SA", owner=importer)
    outcome = do_import((GOOGLE + IPHONE).encode(), "contacts", actor=importer)
    assert outcome.created == 2, outcome.issues
    stored = Contact.objects.get(last_name="Marinescu")
    assert (stored.first_name, stored.account.name, stored.job_title) == ("Elena", "Dacia SA", "Manager achiziții")
    assert (stored.business_phone, stored.mobile_phone) == ("+40 21 400 2222", "+40 744 123 456")
    assert Contact.objects.get(last_name="Dumitrescu").business_phone == ""


def test_apple_company_card_and_vcard4_kind_org_become_accounts(importer):
    table = open_table(io.BytesIO((GOOGLE + APPLE_COMPANY + VCARD4_ORG).encode()))
    assert table.extra["organisation_rows"] == [2, 3]
    popa, cargo = vcard_rows(APPLE_COMPANY + VCARD4_ORG)
    assert (popa["first_name"], popa["last_name"], popa["company_name"]) == ("", "", "Construcții Popa-Ionescu S.A.")
    assert (popa["main_phone"], popa["website"], popa["city"]) == (
        "+40 268 555 010",
        "https://popa-ionescu.ro",
        "Brașov",
    )
    assert (cargo["last_name"], cargo["company_name"], cargo["main_phone"]) == (
        "",
        "Transilvania Cargo SRL",
        "+40-264-555-000",
    )

    outcome = do_import((APPLE_COMPANY + VCARD4_ORG).encode(), "accounts", actor=importer)
    assert outcome.created == 2, outcome.issues
    account = Account.objects.get(name="Construcții Popa-Ionescu S.A.")
    assert (account.main_phone, account.website, account.city, account.postal_code) == (
        "+40 268 555 010",
        "https://popa-ionescu.ro",
        "Brașov",
        "500001",
    )
    assert Account.objects.get(name="Transilvania Cargo SRL").main_phone == "+40-264-555-000"


def test_a_company_card_is_not_imported_as_a_contact(importer):
    do_import(APPLE_COMPANY.encode(), "contacts", actor=importer)
    assert not Contact.objects.exists()  # not "Construcții Popa-Ionescu" / "S.A."


def test_person_card_gives_no_account_phone_or_website():
    (elena,) = vcard_rows(GOOGLE)
    assert (elena["main_phone"], elena["website"]) == ("", "")


def test_quoted_printable_folded_lines_and_escapes_still_read():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ionescu;=C8=98tefan\r\n"
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Construc=C8=9Bii =\r\nNord SRL\r\n"
        "TEL;WORK;VOICE:+40 21 000 0000\r\nTEL;HOME:+40 21 999 9999\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE:Prima linie=0D=0A=\r\na doua linie\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Pop;Ana;;;\r\nFN:Ana Pop\r\n"
        "NOTE:Client din 2019\\, contract\\; reînnoit\\nanual. Acesta este un rând foarte lung care\r\n"
        "  a fost împăturit\r\nADR;TYPE=WORK:;;Bd. Eroilor 2\\, et. 3;Cluj-Napoca;CJ;400129;România\r\n"
        "END:VCARD\r\n"
    )
    stefan, ana = vcard_rows(text)
    assert (stefan["first_name"], stefan["last_name"], stefan["company_name"]) == (
        "Ștefan",
        "Ionescu",
        "Construcții Nord SRL",
    )
    assert (stefan["business_phone"], stefan["description"]) == ("+40 21 000 0000", "Prima linie\r\na doua linie")
    assert ana["description"] == (
        "Client din 2019, contract; reînnoit\nanual. Acesta este un rând foarte lung care a fost împăturit"
    )
    assert (ana["street"], ana["city"]) == ("Bd. Eroilor 2, et. 3", "Cluj-Napoca")


def test_a_utf16_vcard_is_read():
    data = b"\xff\xfe" + (GOOGLE + IPHONE).encode("utf-16-le")
    table = open_table(io.BytesIO(data))
    assert (table.format, table.encoding) == ("vCard", "utf-16-le")
    first = dict(zip(table.headers, next(table.rows)[1], strict=True))
    assert (first["last_name"], first["company_name"]) == ("Marinescu", "Dacia SA")
