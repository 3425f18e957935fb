"""The import rules: matching, modes, duplicates, account links, the one-account rule, errors, batches."""

from decimal import Decimal

import pytest

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = pytest.mark.django_db

ACCOUNT_HEADER = ["Account Name", "Account Number", "Main Phone", "Annual Revenue", "Number of Employees", "City"]


def test_creates_accounts_with_every_value_parsed_and_validated(importer):
    data = csv_bytes(
        [
            ACCOUNT_HEADER,
            ["  Dacia SA ", "A-1", "+40 248 500 000", "1.234.567,89", "1.250", "Mioveni"],
            ["Petrom", "A-2", "", "1234567.89", "12", "Bucureşti"],
        ]
    )
    outcome = do_import(data, actor=importer)
    assert outcome.summary() == "created 2, updated 0, skipped 0, failed 0"
    dacia = Account.objects.get(account_number="A-1")
    assert dacia.name == "Dacia SA"
    assert dacia.annual_revenue == Decimal("1234567.89")
    assert dacia.number_of_employees == 1250
    assert dacia.owner == importer and dacia.created_by == importer
    assert Account.objects.get(account_number="A-2").city == "București"  # cedilla ş stored as comma-below ș


def test_row_errors_name_row_column_and_reason_and_other_rows_are_imported(importer):
    data = csv_bytes(
        [
            ["Account Name", "Account Number", "Email", "Annual Revenue"],
            ["Bun SRL", "B-1", "office@bun.ro", "10"],
            ["Rău SRL", "B-2", "not-an-email", "10"],
            ["Negativ SRL", "B-3", "", "-5"],
            ["Text SRL", "B-4", "", "zece"],
        ]
    )
    outcome = do_import(data, actor=importer)
    assert (outcome.created, outcome.failed) == (1, 3)
    issues = {issue.row_number: issue for issue in outcome.issues}
    assert issues[3].column == "Email" and "valid email" in issues[3].message
    assert issues[4].column == "Annual Revenue"
    assert issues[5].column == "Annual Revenue" and "“zece” is not a number" in issues[5].message
    assert list(Account.objects.values_list("name", flat=True)) == ["Bun SRL"]


def test_missing_required_column_refuses_the_file_before_writing(importer):
    from crm.imports.readers import FileRefused

    with pytest.raises(FileRefused, match="Account Name"):
        do_import(csv_bytes([["Account Number", "City"], ["A-1", "Cluj"]]), actor=importer)
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "header",
    ["account_number", "Account Number", "accountNumber", "Număr cont", "NUMAR-CONT", "  account   number "],
)
def test_headers_match_ignoring_case_space_punctuation_and_diacritics(importer, header):
    outcome = do_import(csv_bytes([["Nume cont", header], ["Dacia", "A-9"]]), actor=importer)
    assert outcome.created == 1
    assert Account.objects.get().account_number == "A-9"


def test_dynamics_template_labels_and_ignored_columns(importer):
    header = ["Account Name", "Main Phone", "Address 1: City", "Address 1: Country/Region", "Annual Revenue",
              "Number of Employees", "Fax"]
    outcome = do_import(csv_bytes([header, ["Dacia", "021", "Pitești", "România", "5", "3", "x"]]), actor=importer)
    account = Account.objects.get()
    assert (account.main_phone, account.city, account.country, account.number_of_employees) == (
        "021", "Pitești", "România", 3,
    )
    assert outcome.ignored_columns == ["Fax"]
    assert outcome.mapping["Address 1: City"] == "City"


def test_modes_create_update_upsert_match_accounts_by_number_else_name(importer):
    AccountFactory(name="Dacia SA", account_number="A-1", city="Pitești")
    AccountFactory(name="Petrom", account_number="", city="Ploiești")
    rows = [["Account Name", "Account Number", "City"], ["Dacia Renamed", "A-1", "Mioveni"],
            ["Petrom", "", "București"],
            ["Nou SRL", "", "Iași"]]
    created = do_import(csv_bytes(rows), actor=importer, mode="create")
    assert created.summary() == "created 1, updated 0, skipped 2, failed 0"
    assert {issue.kind for issue in created.issues} == {ImportRowIssue.Kind.SKIPPED}
    assert Account.objects.get(account_number="A-1").city == "Pitești"

    rows[3] = ["Altul SRL", "", "Iași"]
    updated = do_import(csv_bytes(rows), actor=importer, mode="update")
    assert updated.summary() == "created 0, updated 2, skipped 1, failed 0"
    assert Account.objects.get(account_number="A-1").name == "Dacia Renamed"
    assert Account.objects.get(name="Petrom").city == "București"
    assert not Account.objects.filter(name="Altul SRL").exists()

    upserted = do_import(csv_bytes(rows), actor=importer, mode="upsert")
    assert upserted.summary() == "created 1, updated 0, skipped 2, failed 0"  # two unchanged rows skipped
    assert Account.objects.count() == 4


def test_duplicates_inside_the_file_are_reported_and_imported_once(importer):
    rows = [["Account Name", "Account Number"], ["Dacia", "A-1"], ["Dacia bis", "A-1"], ["Fără număr", ""],
            ["Fără număr", ""]]
    outcome = do_import(csv_bytes(rows), actor=importer, batch_size=1)
    assert outcome.summary() == "created 2, updated 0, skipped 0, failed 2"
    assert Account.objects.count() == 2
    assert all("Duplicate" in issue.message for issue in outcome.issues)
    outcome = do_import(csv_bytes(rows), actor=importer)
    messages = sorted(issue.message for issue in outcome.issues if issue.kind == "failed")
    assert messages == ["Duplicate of row 2 in this file.", "Duplicate of row 4 in this file."]


def test_all_or_nothing_writes_nothing_when_a_row_fails(importer):
    rows = [["Account Name", "Email"], ["Bun", "a@b.ro"], ["Rău", "nu"]]
    outcome = do_import(csv_bytes(rows), actor=importer, all_or_nothing=True)
    assert outcome.rolled_back and outcome.failed == 1 and outcome.created == 0
    assert not Account.objects.exists()


def test_dry_run_writes_nothing_but_counts(importer):
    outcome = do_import(csv_bytes([["Account Name"], ["Bun"], ["Bun2"]]), actor=importer, dry_run=True)
    assert outcome.created == 2
    assert not Account.objects.exists()


CONTACT_HEADER = ["First Name", "Last Name", "Email", "Account Number", "Company Name"]


def test_contacts_link_by_account_number_else_exact_name(importer):
    by_number = AccountFactory(name="Dacia SA", account_number="A-1")
    by_name = AccountFactory(name="Petrom SA", account_number="")
    rows = [CONTACT_HEADER, ["Ion", "Pop", "ion@dacia.ro", "A-1", "Ignored Name"], ["Ana", "Ene", "", "", "Petrom SA"],
            ["Fără", "Cont", "", "", ""]]
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer)
    assert outcome.summary() == "created 3, updated 0, skipped 0, failed 0"
    assert Contact.objects.get(last_name="Pop").account == by_number
    assert Contact.objects.get(last_name="Ene").account == by_name
    assert Contact.objects.get(last_name="Cont").account is None


def test_ambiguous_account_name_is_a_row_error_naming_both(importer):
    AccountFactory(name="Alfa SRL", account_number="AL-1")
    AccountFactory(name="Alfa SRL", account_number="AL-2")
    outcome = do_import(csv_bytes([CONTACT_HEADER, ["Ion", "Pop", "", "", "Alfa SRL"]]), "contacts", actor=importer)
    assert outcome.failed == 1
    issue = outcome.issues[0]
    assert issue.column == "Company Name"
    assert "Alfa SRL (AL-1)" in issue.message and "Alfa SRL (AL-2)" in issue.message


def test_missing_account_is_an_error_unless_asked_to_create_it(importer):
    rows = [CONTACT_HEADER, ["Ion", "Pop", "", "", "Nouă SRL"], ["Ana", "Ene", "", "", "Nouă SRL"]]
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer)
    assert outcome.failed == 2 and "No account has the name “Nouă SRL”" in outcome.issues[0].message
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer, create_missing_accounts=True)
    assert outcome.created == 2 and outcome.accounts_created == 1
    account = Account.objects.get(name="Nouă SRL")
    assert set(account.contacts.values_list("last_name", flat=True)) == {"Pop", "Ene"}


def test_a_row_moving_a_contact_to_another_account_is_refused_with_the_ui_message(importer):
    from contacts.services import already_on_account_error

    home = AccountFactory(name="Dacia SA", account_number="A-1")
    AccountFactory(name="Petrom SA", account_number="P-1")
    contact = ContactFactory(first_name="Ion", last_name="Pop", email="ion@dacia.ro", account=home)
    outcome = do_import(
        csv_bytes([CONTACT_HEADER, ["Ion", "Pop", "ION@dacia.ro", "P-1", ""]]), "contacts", actor=importer
    )
    assert outcome.failed == 1
    assert outcome.issues[0].message == " ".join(already_on_account_error(contact, home).messages)
    contact.refresh_from_db()
    assert contact.account == home


def test_contacts_match_by_email_else_first_last_and_account(importer):
    account = AccountFactory(name="Dacia SA", account_number="A-1")
    by_email = ContactFactory(first_name="Ion", last_name="Pop", email="ion@dacia.ro", account=None)
    by_name = ContactFactory(first_name="Ana", last_name="Ene", email="", account=account)
    rows = [["First Name", "Last Name", "Email", "Account Number", "Job Title"],
            ["Ion", "Pop", "ion@dacia.ro", "A-1", "Director"], ["ana", "ENE", "", "A-1", "Contabil"]]
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer, mode="update")
    assert outcome.summary() == "created 0, updated 2, skipped 0, failed 0"
    by_email.refresh_from_db()
    by_name.refresh_from_db()
    assert (by_email.job_title, by_email.account) == ("Director", account)  # a free contact is attached
    assert by_name.job_title == "Contabil"


def test_job_records_link_every_written_record_and_counts_are_kept(importer):
    existing = AccountFactory(name="Dacia", account_number="A-1", city="Pitești")
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=importer)
    rows = [["Account Name", "Account Number", "City"], ["Dacia", "A-1", "Mioveni"], ["Nou", "N-1", "Iași"],
            ["", "R-1", "Iași"]]
    outcome = do_import(csv_bytes(rows), actor=importer, job=job, batch_size=2)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.failed_count) == (outcome.created, outcome.updated, 1) == (
        1, 1, 1,
    )
    issue = ImportRowIssue.objects.get(job=job)
    assert (issue.row_number, issue.column, issue.values) == (4, "Account Name", ["", "R-1", "Iași"])
    links = {(link.object_id, link.action) for link in ImportJobRecord.objects.filter(job=job)}
    assert (existing.pk, "updated") in links
    assert ImportJobRecord.objects.get(job=job, object_id=existing.pk).previous == {"city": "Pitești"}


@pytest.mark.parametrize("model", [Account, Contact])
def test_new_records_made_without_the_constructor_equal_the_constructors_own(model):
    from crm.imports.engine import RecordFactory

    factory = RecordFactory(model)
    first, second = factory(), factory()
    made = model()
    assert factory.copy
    assert {k: v for k, v in first.__dict__.items() if k != "_state"} == {
        k: v for k, v in made.__dict__.items() if k != "_state"
    }
    assert first._state.adding and first._state.db is None
    assert first._state is not second._state
    first.city = "Sibiu"
    assert second.city == ""


def test_new_records_are_made_by_the_constructor_while_something_listens_to_init():
    from django.db.models.signals import post_init

    from crm.imports.engine import RecordFactory

    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Account)
    try:
        factory = RecordFactory(Account)
        record = factory()
    finally:
        post_init.disconnect(listener, sender=Account)
    assert not factory.copy
    assert seen[-1] is record


def test_row_errors_found_while_parsing_ahead_are_in_the_importers_language(importer):
    # The next batch is parsed by a second thread; its messages must be in the language of the import.
    from django.utils import translation

    data = csv_bytes([["Account Name", "Annual Revenue"], ["Unu SRL", "zece"], ["Doi SRL", "unsprezece"]])
    with translation.override("ro"):
        outcome = do_import(data, actor=importer, batch_size=1)
    with translation.override("ro"):
        message = translation.gettext("“%(value)s” is not a number.")
    expected = [message % {"value": value} for value in ("zece", "unsprezece")]
    assert "is not a number" not in expected[0]
    assert [issue.message for issue in outcome.issues] == [f"Annual Revenue: {text}" for text in expected]


def test_parsed_batches_come_in_file_order_then_the_reading_error_in_its_place():
    from crm.imports.engine import ParsedBatches
    from crm.imports.readers import FileRefused

    def rows():
        for number in range(2, 7):
            yield number, [f"Firma {number}"]
        raise FileRefused("The file has more than 5 rows.")

    batches = ParsedBatches(rows(), lambda number, cells: (number, cells[0]), 2)
    received = []
    with pytest.raises(FileRefused, match="more than 5 rows"):
        for batch in batches:
            received.append([number for number, _name in batch])
    batches.stop()
    # The whole batches read before the error come first; the row after them is not handed on half a batch.
    assert received == [[2, 3], [4, 5]]


def test_parsed_batches_stop_reading_when_the_import_stops_early():
    from crm.imports.engine import ParsedBatches

    read = []

    def rows():
        for number in range(2, 100_000):
            read.append(number)
            yield number, []

    batches = ParsedBatches(rows(), lambda number, cells: number, 10, ahead=1)
    first = next(iter(batches))
    batches.stop()
    assert first == list(range(2, 12))
    assert not batches._thread.is_alive()
    assert len(read) <= 40  # the batch handed on, one waiting, one being parsed: not the whole file


def test_a_row_without_number_is_a_duplicate_of_a_numbered_row_of_the_same_name_earlier_in_the_batch(importer):
    rows = [["Account Name", "Account Number"], ["Carpați SRL", "C-1"], ["Carpați SRL", ""], ["Carpați SRL", "C-2"]]
    outcome = do_import(csv_bytes(rows), actor=importer)
    assert [(issue.row_number, issue.message) for issue in outcome.issues] == [(3, "Duplicate of row 2 in this file.")]
    assert sorted(Account.objects.values_list("account_number", flat=True)) == ["C-1", "C-2"]


def test_two_rows_matching_one_record_by_different_keys_update_it_once(sales_manager):
    account = AccountFactory(name="Client", account_number="C-1")
    contact = ContactFactory(first_name="Ana", last_name="Pop", email="ana@exemplu.ro", job_title="", account=account)
    rows = [["First Name", "Last Name", "Email", "Job Title", "Account Number"],
            ["Ana", "Pop", "ana@exemplu.ro", "Director", "C-1"],   # by email
            ["Ana", "Pop", "", "Contabil", "C-1"]]                 # by name on the account: the same contact
    outcome = do_import(csv_bytes(rows), "contacts", actor=sales_manager)
    assert outcome.summary() == "created 0, updated 1, skipped 0, failed 1"
    assert [issue.message for issue in outcome.issues] == ["Duplicate of row 2 in this file."]
    contact.refresh_from_db()
    assert (contact.job_title, contact.version) == ("Director", 2)


def test_a_numbered_row_and_a_named_row_matching_one_account_update_it_once(sales_manager):
    AccountFactory(name="Vechi", account_number="V-1", city="Cluj-Napoca")
    rows = [["Account Name", "Account Number", "City"], ["Nou", "V-1", "Iași"], ["Vechi", "", "Sibiu"]]
    outcome = do_import(csv_bytes(rows), "accounts", actor=sales_manager)
    assert outcome.summary() == "created 0, updated 1, skipped 0, failed 1"
