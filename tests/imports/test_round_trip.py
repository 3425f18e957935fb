"""The Excel round trip: an export for re-import carries hidden ids and versions, and imports back as updates only."""

import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports import engine
from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue
from crm.services import record_apply
from tests.factories import AccountFactory, ContactFactory, SalespersonFactory, UserFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = pytest.mark.django_db

ID, VERSION = "(Do not modify) Id", "(Do not modify) Version"


def export(client, area, file_format="xlsx", **params):
    response = client.get(reverse(f"{area}:export"), {"format": file_format, "round_trip": "1", **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def edit_xlsx(data, edit):
    """Open the exported workbook, let ``edit(sheet, headers)`` change it, and save it as Excel would."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    edit(sheet, headers)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def set_cell(sheet, headers, record_id, header, value):
    id_column = headers.index(ID) + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, id_column).value == record_id:
            sheet.cell(row, headers.index(header) + 1).value = value
            return
    raise AssertionError(f"no row for id {record_id}")


@pytest.fixture
def accounts(sales_manager):
    return [
        AccountFactory(name="Dacia SA", account_number="A-1", owner=sales_manager),
        AccountFactory(name="Petrom SA", account_number="", owner=sales_manager),
    ]


def test_the_xlsx_export_hides_the_id_and_version_columns(client, sales_manager, accounts):
    client.force_login(sales_manager)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "accounts"))).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[-2:] == [ID, VERSION]
    assert headers[0] == "Account Name"
    letters = [openpyxl.utils.get_column_letter(headers.index(name) + 1) for name in (ID, VERSION)]
    assert all(sheet.column_dimensions[letter].hidden for letter in letters)
    assert not sheet.column_dimensions["A"].hidden
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    dacia = accounts[0]
    assert rows["Dacia SA"][-2:] == (dacia.pk, dacia.version)


def test_without_asking_the_export_has_no_round_trip_columns(client, sales_manager, accounts):
    client.force_login(sales_manager)
    data = b"".join(client.get(reverse("accounts:export"), {"format": "csv"}).streaming_content)
    assert ID not in data.decode("utf-8-sig")


def test_renamed_in_the_file_the_account_is_updated_not_duplicated(client, sales_manager, accounts):
    client.force_login(sales_manager)
    dacia, petrom = accounts
    data = edit_xlsx(
        export(client, "accounts"),
        lambda sheet, headers: set_cell(sheet, headers, dacia.pk, "Account Name", "Dacia Automobile SA"),
    )
    # "create" would add every row that matches nothing: a row with an id still only updates its record.
    for mode in ("create", "upsert"):
        Account.objects.filter(pk=dacia.pk).update(name="Dacia SA")
        version = Account.objects.get(pk=dacia.pk).version
        data = edit_xlsx(
            data, lambda sheet, headers, version=version: set_cell(sheet, headers, dacia.pk, VERSION, version)
        )
        outcome = do_import(data, actor=sales_manager, mode=mode)
        assert (outcome.created, outcome.updated, outcome.failed) == (0, 1, 0), outcome.issues
        assert Account.objects.count() == 2
        dacia.refresh_from_db()
        assert dacia.name == "Dacia Automobile SA"
        assert dacia.version == version + 1
    petrom.refresh_from_db()
    assert petrom.name == "Petrom SA"


def test_a_row_whose_account_changed_since_the_export_is_refused_naming_who(client, sales_manager, accounts):
    client.force_login(sales_manager)
    dacia, petrom = accounts
    data = edit_xlsx(
        export(client, "accounts"),
        lambda sheet, headers: [
            set_cell(sheet, headers, dacia.pk, "City", "Pitești"),
            set_cell(sheet, headers, petrom.pk, "City", "București"),
        ],
    )
    colleague = SalespersonFactory(username="ion.coleg", first_name="Ion", last_name="Coleg")
    record_apply(Account.objects.get(pk=dacia.pk), actor=colleague, data={"main_phone": "+40 248 000 000"})

    job = ImportJob.objects.create(target="accounts", file_name="accounts.xlsx", created_by=sales_manager)
    outcome = do_import(data, actor=sales_manager, job=job)

    assert (outcome.updated, outcome.failed, outcome.created) == (1, 1, 0)
    [issue] = ImportRowIssue.objects.filter(job=job, kind=ImportRowIssue.Kind.FAILED)
    assert issue.column == ID
    assert "Dacia SA was changed by Ion Coleg on " in issue.message
    assert "after this file was exported" in issue.message
    dacia.refresh_from_db()
    assert dacia.city != "Pitești" and dacia.main_phone == "+40 248 000 000"  # the colleague's save stands
    petrom.refresh_from_db()
    assert petrom.city == "București"
    assert list(ImportJobRecord.objects.filter(job=job).values_list("object_id", "action")) == [(petrom.pk, "updated")]


def test_a_row_with_an_unknown_id_fails_and_creates_nothing(client, sales_manager, accounts):
    client.force_login(sales_manager)
    dacia = accounts[0]
    data = edit_xlsx(
        export(client, "accounts"),
        lambda sheet, headers: [
            set_cell(sheet, headers, dacia.pk, "City", "Pitești"),
            set_cell(sheet, headers, dacia.pk, ID, 999_999),
        ],
    )
    outcome = do_import(data, actor=sales_manager, mode="upsert")
    assert (outcome.created, outcome.updated, outcome.failed) == (0, 0, 1)
    [issue] = [issue for issue in outcome.issues if issue.kind == ImportRowIssue.Kind.FAILED]
    assert issue.message == "No account with the id 999999 exists, or you may not see it; nothing was imported."
    assert Account.objects.count() == 2
    assert Account.objects.get(pk=dacia.pk).city != "Pitești"


def test_ids_are_refused_to_a_user_who_may_not_see_the_records(client, sales_manager, accounts):
    client.force_login(sales_manager)
    data = export(client, "accounts", "csv")
    outcome = do_import(data.replace(b"Cluj-Napoca", b"Iasi"), actor=UserFactory(username="fara.rol"))
    assert (outcome.created, outcome.updated, outcome.failed) == (0, 0, 2)
    assert all("or you may not see it" in issue.message for issue in outcome.issues)


def test_the_csv_round_trip_updates_contacts_and_rows_without_an_id_import_as_before(client, sales_manager):
    account = AccountFactory(name="Dacia SA", account_number="A-1", owner=sales_manager)
    ana = ContactFactory(first_name="Ana", last_name="Ene", email="ana@dacia.ro", account=account, owner=sales_manager)
    client.force_login(sales_manager)
    text = export(client, "contacts", "csv").decode("utf-8-sig")
    rows = [line.split(",") for line in text.strip().splitlines()]
    headers = rows[0]
    assert headers[-2:] == [ID, VERSION]
    row = rows[1]
    row[headers.index("Job Title")] = "Director"
    row[headers.index("Email")] = "ana.ene@dacia.ro"  # the email was the match key: by id it is just a change
    new = [""] * len(headers)
    new[headers.index("Last Name")], new[headers.index("Email")] = "Nou", "nou@dacia.ro"
    outcome = do_import(csv_bytes([headers, row, new]), "contacts", actor=sales_manager)
    assert (outcome.created, outcome.updated, outcome.failed) == (1, 1, 0), outcome.issues
    ana.refresh_from_db()
    assert (ana.job_title, ana.email) == ("Director", "ana.ene@dacia.ro")
    assert Contact.objects.count() == 2

    # Imported again, the file's version is the old one now: refused, naming the importer.
    again = do_import(csv_bytes([headers, row]), "contacts", actor=sales_manager)
    assert again.failed == 1
    assert "was changed by " in again.issues[0].message


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="A second connection needs PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_round_trip_decides_the_same_written_ahead_as_in_turn(sales_manager, settings, monkeypatch):
    submitted = []
    submit = engine.BatchWriter.submit
    monkeypatch.setattr(
        engine.BatchWriter, "submit", lambda *args, **kwargs: submitted.append(1) or submit(*args, **kwargs)
    )
    colleague = SalespersonFactory(username="ion.coleg", first_name="Ion", last_name="Coleg")
    results = []
    for write_ahead in (False, True):
        settings.CRM_IMPORT_WRITE_AHEAD = write_ahead
        Account.objects.all().delete()
        records = [AccountFactory(name=f"Firma {index}", account_number=f"F-{index}") for index in range(10)]
        rows = [["Account Name", "Account Number", "City", ID, VERSION]]
        rows += [[f"Firma {i} nou", f"F-{i}", "Iași", record.pk, record.version] for i, record in enumerate(records)]
        rows.append(["Firma 1 iar", "F-1", "Sibiu", records[1].pk, records[1].version])  # the id of row 3 again
        rows.append(["Firma noua", "N-1", "Sibiu", "", ""])  # no id: created as before
        record_apply(Account.objects.get(pk=records[6].pk), actor=colleague, data={"city": "Arad"})  # row 8: stale
        job = ImportJob.objects.create(target="accounts", file_name="accounts.csv", created_by=sales_manager)
        outcome = do_import(csv_bytes(rows), actor=sales_manager, job=job, batch_size=4)
        issues = sorted(ImportRowIssue.objects.filter(job=job).values_list("row_number", "kind"))
        results.append((outcome.summary(), issues, sorted(Account.objects.values_list("name", "city"))))
    assert results[0] == results[1]
    assert submitted  # batches were planned ahead of the writer
    summary, issues, stored = results[1]
    assert summary == "created 1, updated 9, skipped 0, failed 2"
    assert issues == [(8, "failed"), (12, "failed")]
    assert ("Firma 6", "Arad") in stored and ("Firma 1 nou", "Iași") in stored and len(stored) == 11


def test_a_background_export_carries_the_columns_when_asked(sales_manager, accounts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from crm.exports.services import export_job_run, export_job_start
    from crm.imports.readers import open_table

    job = export_job_start(actor=sales_manager, target="accounts", file_format="csv", query="round_trip=1&q=dacia")
    job = export_job_run(job=job)
    table = open_table(io.BytesIO(job.file.open("rb").read()))
    assert list(table.headers[-2:]) == [ID, VERSION]
    assert [cells[-2:] for _number, cells in table.rows] == [[str(accounts[0].pk), str(accounts[0].version)]]


def test_the_list_offers_the_export_to_edit_and_import_back(client, sales_manager):
    from django.urls import reverse

    client.force_login(sales_manager)
    accounts = client.get(reverse("accounts:list")).content.decode()
    assert "format=xlsx&amp;round_trip=1" in accounts and "Excel to edit and import back (.xlsx)" in accounts
    # Opportunities do not import: their Export menu has no round trip.
    assert "round_trip" not in client.get(reverse("opportunities:list")).content.decode()


def test_only_who_may_import_is_offered_the_round_trip(client, salesperson):
    from django.urls import reverse

    client.force_login(salesperson)
    assert "round_trip" not in client.get(reverse("accounts:list")).content.decode()


def test_export_selected_to_edit_and_import_back_carries_the_selected_records_ids(client, sales_manager, accounts):
    client.force_login(sales_manager)
    AccountFactory(name="Nealeasă SRL", owner=sales_manager)  # not selected: not in the file
    assert 'value="round_trip"' in client.get(reverse("accounts:list")).content.decode()
    response = client.post(
        reverse("lists:bulk", args=["accounts"]),
        {"action": "export", "export_format": "round_trip", "selected": [account.pk for account in accounts]},
    )
    assert response.status_code == 200 and ".xlsx" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[-2:] == [ID, VERSION]
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(headers.index(ID) + 1)].hidden
    ids = {row[headers.index(ID)] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert ids == {account.pk for account in accounts}
    edited = edit_xlsx(data, lambda sheet, headers: set_cell(sheet, headers, accounts[1].pk, "City", "Ploiești"))
    outcome = do_import(edited, actor=sales_manager)
    assert (outcome.created, outcome.updated) == (0, 1)
    assert Account.objects.get(pk=accounts[1].pk).city == "Ploiești"


def test_export_selected_to_import_back_is_refused_to_who_does_not_import(client, salesperson):
    mine = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    assert 'value="round_trip"' not in client.get(reverse("accounts:list")).content.decode()
    response = client.post(
        reverse("lists:bulk", args=["accounts"]),
        {"action": "export", "export_format": "round_trip", "selected": [mine.pk]},
    )
    assert response.status_code == 403
