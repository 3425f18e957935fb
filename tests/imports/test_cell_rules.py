"""Cells checked as the forms check them, and values fitting no option left empty with a warning."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.forms import AccountForm
from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob, ImportRowIssue, ImportState
from tests.factories import AccountFactory
from tests.imports import conftest
from tests.imports.conftest import do_import, xlsx_bytes

pytestmark = pytest.mark.django_db

WARNING = ImportRowIssue.Kind.WARNING
FAILED = ImportRowIssue.Kind.FAILED


def csv_bytes(rows):
    """The rows as CSV, with an ignored column of plain text: the reader takes a file dense in control characters
    for a binary file, and these few rows would be."""
    return conftest.csv_bytes([[*row, "Fax" if number == 0 else "x" * 200] for number, row in enumerate(rows)])


def _by_row(outcome, kind=FAILED):
    return {issue.row_number: issue for issue in outcome.issues if issue.kind == kind}


def test_a_nul_in_a_name_fails_its_row_with_the_forms_message_and_the_other_rows_import(importer):
    rows = [["Account Name", "Account Number"], ["Nul\x00Doi SRL", "N-1"], ["Bun SRL", "N-2"]]
    outcome = do_import(csv_bytes(rows), actor=importer)
    assert (outcome.created, outcome.failed) == (1, 1)
    issue = _by_row(outcome)[2]
    form = AccountForm(data={"name": "Nul\x00Doi SRL", "relationship_type": "customer", "currency": "RON"})
    form.is_valid()
    assert form.errors["name"] == ["Null characters are not allowed."]
    assert (issue.column, issue.message) == ("Account Name", "Account Name: Null characters are not allowed.")
    assert list(Account.objects.values_list("name", flat=True)) == ["Bun SRL"]


def test_a_nul_in_a_description_or_a_lookup_column_fails_only_its_row(importer):
    AccountFactory(name="Dacia", account_number="A-1")
    rows = [
        ["First Name", "Last Name", "Email", "Company Name", "Description"],
        ["Ana", "Pop", "ana\x00@x.ro", "", ""],
        ["Ion", "Ene", "", "Da\x00cia", ""],
        ["Eva", "Dan", "", "", "notă\x00"],
        ["Mia", "Lup", "mia@x.ro", "Dacia", "bine"],
    ]
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer)
    issues = _by_row(outcome)
    assert (outcome.created, outcome.failed) == (1, 3)
    assert issues[2].column == "Email" and "Null characters are not allowed." in issues[2].message
    assert issues[3].column == "Company Name" and "Null characters are not allowed." in issues[3].message
    assert issues[4].message == "Description: Null characters are not allowed."
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Lup"]


@pytest.mark.parametrize("name", ["Tab\tName SRL", "Line\nBreak SRL", "Cr\rLf SRL"])
def test_a_tab_or_line_break_inside_a_single_line_field_fails_the_row(importer, name):
    outcome = do_import(csv_bytes([["Account Name"], [name], ["Bun SRL"]]), actor=importer)
    assert (outcome.created, outcome.failed) == (1, 1)
    issue = _by_row(outcome)[2]
    assert (issue.column, issue.message) == (
        "Account Name",
        "Account Name: Tabs and line breaks are not allowed in this field.",
    )
    assert not Account.objects.filter(name=name).exists()


def test_tabs_and_line_breaks_in_a_description_are_kept_and_surrounding_ones_trimmed(importer):
    description = "Rândul unu\r\nRândul doi\tcu tab"
    outcome = do_import(
        csv_bytes([["Account Name", "Description"], ["  Bun SRL\n", description + "\n"]]), actor=importer
    )
    assert (outcome.created, outcome.failed) == (1, 0)
    account = Account.objects.get()
    assert (account.name, account.description) == ("Bun SRL", description)


def test_other_control_characters_fail_the_row_even_in_a_description(importer):
    rows = [["Account Name", "Description"], ["Bell SRL", "a\x07b"], ["Esc\x1b SRL", ""], ["Bun SRL", "ok"]]
    outcome = do_import(csv_bytes(rows), actor=importer)
    issues = _by_row(outcome)
    assert (outcome.created, outcome.failed) == (1, 2)
    assert issues[2].message == "Description: Control characters are not allowed (character U+0007)."
    assert issues[3].message == "Account Name: Control characters are not allowed (character U+001B)."


def test_xlsx_cells_are_checked_the_same_way(importer):
    rows = [["Account Name", "Description"], ["Două\nrânduri SRL", ""], ["Bun SRL", "unu\ndoi"]]
    outcome = do_import(xlsx_bytes(rows), actor=importer)
    assert (outcome.created, outcome.failed) == (1, 1)
    assert _by_row(outcome)[2].column == "Account Name"
    assert Account.objects.get().description == "unu\ndoi"


def test_an_industry_fitting_no_option_is_left_empty_with_a_warning_naming_value_and_field(importer):
    rows = [["Account Name", "Industry"], ["Țesături SRL", "Textiles"], ["Soft SRL", "software and it"]]
    outcome = do_import(csv_bytes(rows), actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0)
    assert dict(Account.objects.values_list("name", "industry")) == {"Țesături SRL": "", "Soft SRL": "software"}
    [warning] = [issue for issue in outcome.issues if issue.kind == WARNING]
    assert (warning.row_number, warning.column, warning.message) == (
        2,
        "Industry",
        "Industry: “Textiles” is not one of the options; left empty.",
    )


def test_a_warning_on_an_update_leaves_the_existing_value(importer):
    AccountFactory(name="Dacia", account_number="A-1", industry="automotive", city="Pitești")
    rows = [["Account Name", "Account Number", "Industry", "City"], ["Dacia", "A-1", "Cars & more", "Mioveni"]]
    outcome = do_import(csv_bytes(rows), actor=importer)
    assert (outcome.updated, outcome.failed) == (1, 0)
    account = Account.objects.get()
    assert (account.industry, account.city) == ("automotive", "Mioveni")
    assert [issue.kind for issue in outcome.issues] == [WARNING]


def test_all_or_nothing_with_only_warnings_imports_every_row(importer):
    rows = [["Account Name", "Industry"], ["Unu SRL", "Textiles"], ["Doi SRL", "Technology"], ["Trei SRL", "Media"]]
    outcome = do_import(csv_bytes(rows), actor=importer, all_or_nothing=True)
    assert not outcome.rolled_back
    assert (outcome.created, outcome.failed) == (3, 0)
    assert Account.objects.count() == 3
    assert sorted(issue.row_number for issue in outcome.issues if issue.kind == WARNING) == [2, 3]


def test_all_or_nothing_still_fails_on_an_error_beside_warnings(importer):
    rows = [["Account Name", "Industry", "Email"], ["Unu SRL", "Textiles", ""], ["Doi SRL", "", "nu"]]
    outcome = do_import(csv_bytes(rows), actor=importer, all_or_nothing=True)
    assert outcome.rolled_back and outcome.failed == 1
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("target", "header", "value", "label"),
    [
        ("accounts", ["Account Name", "Relationship Type"], ["Bun SRL", "Friend"], "Relationship Type"),
        ("accounts", ["Account Name", "Currency"], ["Bun SRL", "Doubloons"], "Currency"),
        ("contacts", ["Last Name", "Preferred Method of Contact"], ["Pop", "Pigeon"], "Preferred Method of Contact"),
    ],
)
def test_a_required_choice_fitting_no_option_still_fails_the_row(importer, target, header, value, label):
    outcome = do_import(csv_bytes([header, value]), target, actor=importer)
    assert (outcome.created, outcome.failed) == (0, 1)
    [issue] = outcome.issues
    assert issue.kind == FAILED and issue.column == label
    assert f"“{value[1]}” is not one of the choices for {label}." in issue.message


def test_a_job_keeps_its_warnings_and_its_page_lists_them(client, importer, django_assert_max_num_queries):
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=importer)
    rows = [["Account Name", "Industry"], ["Țesături SRL", "Textiles"], ["Rău\x00 SRL", ""], ["Bell\x07 SRL", ""]]
    do_import(csv_bytes(rows), actor=importer, job=job, batch_size=1)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count) == (1, 2)
    kinds = dict(job.issues.values_list("row_number", "kind"))
    assert kinds == {2: WARNING, 3: FAILED, 4: FAILED}
    # PostgreSQL's JSON cannot hold a NUL: the refused cell is kept with U+FFFD in its place, on both databases.
    assert job.issues.get(row_number=3).values[0] == "Rău\ufffd SRL"
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.COMPLETED)
    client.force_login(importer)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Imported with warnings" in page
    assert "Industry: “Textiles” is not one of the options; left empty." in page
    # The failed rows' download holds the failed row only, not the one imported with a warning.
    download = client.get(reverse("imports:failed_rows", args=[job.pk, "csv"]))
    body = b"".join(download.streaming_content).decode("utf-8-sig") if download.streaming else download.content.decode()
    assert "Rău" in body and "Țesături" not in body
    workbook = client.get(reverse("imports:failed_rows", args=[job.pk, "xlsx"]))
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(workbook.streaming_content) if workbook.streaming else workbook.content)
    ).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Rău\ufffd SRL", "Bell\ufffd SRL"]


def test_a_nul_in_a_number_cell_or_a_header_is_kept_by_the_job_on_either_database(importer):
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=importer)
    rows = [["Account Name", "Annual Revenue", "No\x00tes"], ["Unu SRL", "1\x00", ""], ["Doi SRL", "5", ""]]
    outcome = do_import(csv_bytes(rows), actor=importer, job=job)
    assert (outcome.created, outcome.failed) == (1, 1)
    issue = job.issues.get()
    assert issue.message == "Annual Revenue: Null characters are not allowed."
    assert "No\ufffdtes" in outcome.ignored_columns and "No\ufffdtes" in outcome.headers
