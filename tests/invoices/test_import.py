"""The invoices' import: one row per line, grouped by invoice number, linked to the account by number or name and to
the contact by email, matched by number, saved with their lines and totals; through the engine, the command line and
the wizard, with undo."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from crm.imports.models import ImportJob
from crm.imports.services import import_job_undo
from invoices.models import Invoice, InvoiceLine, InvoiceState
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import csv_bytes, do_import, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Invoice Number", "Account", "Invoice Date", "Due Date", "Product", "Quantity", "Unit Price", "Tax Rate"]
ROWS = [
    ["FCT-100", "Dacia Grup SA", "30.11.2026", "30.12.2026", "Depozitare palet", "40", "85", "21%"],
    ["FCT-100", "", "", "", "Transport", "2", "1.250,00", "21"],
    ["FCT-101", "Dacia Grup SA", "2026-11-30", "", "Consultanță", "1", "500", "9"],
]


@pytest.fixture
def dacia(db):
    return AccountFactory(name="Dacia Grup SA", account_number="DG-1")


def lines_of(number):
    return list(
        InvoiceLine.objects.filter(invoice__invoice_number=number).values_list(
            "description", "quantity", "unit_price", "tax_rate", "line_total"
        )
    )


def test_rows_of_one_invoice_become_its_lines_with_the_totals(sales_manager, dacia):
    outcome = do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager)
    assert (outcome.created, outcome.failed) == (2, 0), [issue.message for issue in outcome.issues]
    invoice = Invoice.objects.get(invoice_number="FCT-100")
    assert (invoice.account, invoice.name, str(invoice.invoice_date), str(invoice.due_date)) == (
        dacia,
        "FCT-100",
        "2026-11-30",
        "2026-12-30",
    )
    assert lines_of("FCT-100") == [
        ("Depozitare palet", Decimal("40.000"), Decimal("85.00"), Decimal("21.00"), Decimal("4114.00")),
        ("Transport", Decimal("2.000"), Decimal("1250.00"), Decimal("21.00"), Decimal("3025.00")),
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total_amount) == (
        Decimal("5900.00"),
        Decimal("1239.00"),
        Decimal("7139.00"),
    )
    assert invoice.total_amount_base == Decimal("7139.00") and invoice.state == InvoiceState.ACTIVE
    assert Invoice.objects.get(invoice_number="FCT-101").tax_total == Decimal("45.00")


def test_an_invoices_lines_stay_in_one_batch_whatever_the_batch_size(sales_manager, dacia):
    rows = [[f"FCT-{index // 3}", "Dacia Grup SA", "", "", f"Linie {index}", "1", "10", "0"] for index in range(30)]
    outcome = do_import(csv_bytes([HEADERS, *rows]), "invoices", actor=sales_manager, batch_size=4)
    assert (outcome.created, outcome.failed) == (10, 0), [issue.message for issue in outcome.issues]
    assert {invoice.total_amount for invoice in Invoice.objects.all()} == {Decimal("30.00")}


def test_a_bad_line_fails_its_whole_invoice_naming_the_row(sales_manager, dacia):
    rows = [HEADERS, ROWS[0], ["FCT-100", "", "", "", "Transport", "doi", "10", ""], ROWS[2]]
    outcome = do_import(csv_bytes(rows), "invoices", actor=sales_manager)
    messages = {issue.row_number: issue.message for issue in outcome.issues}
    assert "Quantity" in messages[3]
    assert messages[2] == "Invoice FCT-100 has a row that failed (row 3): not imported."
    assert (outcome.created, outcome.failed) == (1, 2)
    assert list(Invoice.objects.values_list("invoice_number", flat=True)) == ["FCT-101"]


def test_an_invoice_over_its_limit_fails_every_row_and_writes_no_line(sales_manager, dacia):
    rows = [
        HEADERS,
        ["FCT-9", "Dacia Grup SA", "", "", "Mult", "999999999", "999999999.99", "0"],
        ["FCT-9", "", "", "", "Puțin", "1", "1", "0"],
    ]
    outcome = do_import(csv_bytes(rows), "invoices", actor=sales_manager)
    messages = {issue.row_number: issue.message for issue in outcome.issues}
    assert "Line 1" in messages[2] and messages[3] == "Part of invoice FCT-9, not imported: see row 2."
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_importing_again_updates_only_a_changed_invoice_and_replaces_its_lines(sales_manager, dacia):
    do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager)
    again = do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager)
    assert (again.created, again.updated, again.skipped) == (0, 0, 3)
    edited = [HEADERS, ROWS[0], ROWS[2]]  # FCT-100 loses its Transport line
    outcome = do_import(csv_bytes(edited), "invoices", actor=sales_manager)
    assert (outcome.created, outcome.updated, outcome.skipped) == (0, 1, 1)
    invoice = Invoice.objects.get(invoice_number="FCT-100")
    assert [line[0] for line in lines_of("FCT-100")] == ["Depozitare palet"]
    assert (invoice.total_amount, invoice.version) == (Decimal("4114.00"), 2)


def test_a_paid_invoice_is_not_changed_and_create_mode_skips_existing(sales_manager, dacia):
    from invoices.services import invoice_mark_paid

    do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager)
    invoice_mark_paid(invoice=Invoice.objects.get(invoice_number="FCT-101"), actor=sales_manager)
    changed = [HEADERS, ["FCT-101", "Dacia Grup SA", "", "", "Consultanță", "2", "500", "9"]]
    outcome = do_import(csv_bytes(changed), "invoices", actor=sales_manager)
    assert "This invoice is Paid and can no longer be changed." in outcome.issues[0].message
    created = do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager, mode="create")
    assert (created.created, created.skipped) == (0, 3)
    assert [issue.message for issue in created.issues][:2] == [
        "Duplicate of the existing invoice FCT-100.",
        "Line of invoice FCT-100, skipped with it.",
    ]


def test_a_contact_by_email_and_an_unknown_account_or_no_line(sales_manager, dacia):
    ana = ContactFactory(email="ana@dacia.ro", account=dacia)
    rows = [
        ["Invoice Number", "Account Number", "Contact Email", "Product", "Unit Price"],
        ["FCT-1", "", "ana@dacia.ro", "Curs", "100"],
        ["FCT-2", "NU-1", "", "Curs", "100"],
        ["FCT-3", "DG-1", "", "", ""],
    ]
    outcome = do_import(csv_bytes(rows), "invoices", actor=sales_manager)
    messages = {issue.row_number: issue.message for issue in outcome.issues}
    assert messages[3] == "No account has the number “nu-1”."
    assert "An invoice needs at least one line" in messages[4]
    invoice = Invoice.objects.get()
    assert (invoice.contact, invoice.account) == (ana, dacia)


def test_an_excel_percent_cell_is_a_tax_rate(sales_manager, dacia):
    data = xlsx_bytes(
        [
            ["Invoice Number", "Account", "Product", "Unit Price", "Tax Rate"],
            ["FCT-7", "Dacia Grup SA", "Curs", 100, 0.19],
        ]
    )
    assert do_import(data, "invoices", actor=sales_manager).created == 1
    assert lines_of("FCT-7")[0][3] == Decimal("19.00")


def test_the_command_line_imports_invoices_and_undo_deletes_them_with_their_lines(
    sales_manager, dacia, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "facturi.csv"
    path.write_bytes(csv_bytes([HEADERS, *ROWS]))
    out = io.StringIO()
    call_command("import_data", "invoices", str(path), "--user", sales_manager.username, stdout=out)
    assert "created 2" in out.getvalue()
    job = ImportJob.objects.get()
    assert import_job_undo(job=job, actor=sales_manager) == []
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_undo_leaves_an_updated_invoice_as_it_is_saying_why(sales_manager, dacia, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    do_import(csv_bytes([HEADERS, *ROWS]), "invoices", actor=sales_manager)
    path = tmp_path / "facturi.csv"
    path.write_bytes(csv_bytes([HEADERS, ROWS[0], ROWS[2]]))
    call_command("import_data", "invoices", str(path), "--user", sales_manager.username, stdout=io.StringIO())
    job = ImportJob.objects.get()
    left_alone = import_job_undo(job=job, actor=sales_manager)
    invoice = Invoice.objects.get(invoice_number="FCT-100")
    assert left_alone == [(str(invoice), "its lines were replaced by the import; correct it on its page")]
    assert [line[0] for line in lines_of("FCT-100")] == ["Depozitare palet"]  # as the import left it
