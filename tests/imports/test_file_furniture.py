"""File furniture: notes above the header (LinkedIn) and totals and notices below the data (Salesforce reports)."""

import io

import pytest

from accounts.models import Account
from contacts.models import Contact
from crm.imports.readers import open_table
from tests.factories import AccountFactory
from tests.imports.conftest import csv_bytes, do_import, xlsx_bytes

pytestmark = pytest.mark.django_db

# LinkedIn's Connections.csv (Settings > Data privacy > Get a copy of your data > Connections), as it is written.
LINKEDIN_NOTES = (
    "When exporting your connection data, you may notice that some of the email addresses are missing. You will "
    "ONLY see email addresses for connections who have allowed their connections to see or download it. You can "
    "learn more here: https://www.linkedin.com/help/linkedin/answer/261"
)
LINKEDIN = [
    ["Notes:"],
    [LINKEDIN_NOTES],
    [],
    ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
    ["Ana", "Popescu", "https://www.linkedin.com/in/ana-popescu", "ana@dacia.ro", "Dacia", "Director", "03 Mar 2025"],
    ["Mihai", "Ionescu", "https://www.linkedin.com/in/mihai-ionescu", "", "Dacia", "Inginer", "11 Jan 2024"],
]

# A Salesforce report exported as "Details Only" CSV ends with its totals and notices.
SALESFORCE_FOOTER = [
    ["", ""],
    ["Grand Totals (2 records)"],
    [""],
    ["Confidential Information - Do Not Distribute"],
    ["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."],
]
SALESFORCE = [
    ["Account Name", "Account Number", "Phone", "Website"],
    ["Dacia SA", "SF-1", "+40 21 000 0001", "https://dacia.example"],
    ["Carpați Logistic SRL", "SF-2", "+40 21 000 0002", "https://carpati.example"],
    *SALESFORCE_FOOTER,
]


def test_linkedin_connections_header_after_its_notes_is_found_and_the_contacts_imported(importer):
    AccountFactory(name="Dacia")
    data = csv_bytes(LINKEDIN)

    table = open_table(io.BytesIO(data))
    assert table.headers == LINKEDIN[3]
    assert [number for number, _cells in table.rows] == [5, 6]  # the file's own row numbers
    assert table.extra["preamble_rows"] == 2 and table.extra["header_row"] == 4
    assert table.total == 2

    outcome = do_import(data, "contacts", actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0), outcome.issues
    ana = Contact.objects.get(email="ana@dacia.ro")
    assert (ana.first_name, ana.last_name, ana.job_title, ana.account.name) == ("Ana", "Popescu", "Director", "Dacia")
    assert not Contact.objects.filter(last_name__startswith="Notes").exists()


def test_a_preamble_in_a_workbook_and_a_semicolon_csv_is_left_out_too():
    rows = [
        ["Export din CRM-ul vechi"],
        ["Generat la 01.12.2026"],
        ["Account Name", "City", "Email"],
        ["Dacia", "Pitești", "o@d.ro"],
    ]
    for data in (xlsx_bytes(rows), csv_bytes(rows, delimiter=";")):
        table = open_table(io.BytesIO(data))
        assert table.headers == ["Account Name", "City", "Email"]
        assert list(table.rows) == [(4, ["Dacia", "Pitești", "o@d.ro"])]
        assert table.extra["preamble_rows"] == 2


def test_salesforce_report_footer_is_reported_and_not_imported(importer):
    data = csv_bytes(SALESFORCE)

    table = open_table(io.BytesIO(data))
    assert [number for number, _cells in table.rows] == [2, 3]
    assert table.extra["footer_rows"] == [5, 7, 8]  # the file's rows; 4 and 6 are blank

    outcome = do_import(data, "accounts", actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0), outcome.issues
    assert set(Account.objects.values_list("name", flat=True)) == {"Dacia SA", "Carpați Logistic SRL"}


def test_a_workbook_report_footer_is_left_out_after_the_sandbox_reads_it(importer):
    outcome = do_import(xlsx_bytes([row for row in SALESFORCE if row]), "accounts", actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0), outcome.issues
    assert not Account.objects.filter(name__icontains="total").exists()
    assert not Account.objects.filter(name__icontains="copyright").exists()


def test_a_last_record_with_only_its_name_is_a_record_not_a_footer(importer):
    rows = [["Account Name", "Account Number"], ["Dacia", "A-1"], ["Carpați Logistic"], ["Total Logistic SA", "A-3"]]
    table = open_table(io.BytesIO(csv_bytes(rows)))
    assert [cells[0] for _number, cells in table.rows] == ["Dacia", "Carpați Logistic", "Total Logistic SA"]
    assert table.extra["footer_rows"] == []

    # A lone cell reading as a total, followed by a record, is a record too.
    rows = [["Account Name", "Account Number"], ["Total Construct"], ["Dacia", "A-1"]]
    outcome = do_import(csv_bytes(rows), "accounts", actor=importer)
    assert outcome.created == 2


def test_a_file_with_no_preamble_or_footer_is_read_as_before():
    rows = [["Account Name", "Account Number", "Email"], ["Dacia", "A-1", "o@d.ro"], ["Rom", "A-2", ""]]
    table = open_table(io.BytesIO(csv_bytes(rows)))
    assert table.headers == rows[0]
    assert list(table.rows) == [(2, rows[1]), (3, ["Rom", "A-2", ""])]
    assert "preamble_rows" not in table.extra and table.extra["footer_rows"] == []
    assert table.total == 2


def test_a_first_row_of_unknown_headers_stays_the_header():
    """No row names the import's columns better than the first: the first is the header (the engine then says
    which required column is missing)."""
    rows = [["Firma", "Oras"], ["Dacia", "Pitești"], ["Nume", "Telefon"]]
    table = open_table(io.BytesIO(csv_bytes(rows)))
    assert table.headers == ["Firma", "Oras"]
    assert "preamble_rows" not in table.extra
