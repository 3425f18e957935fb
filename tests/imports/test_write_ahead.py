"""On PostgreSQL a second connection writes each batch while the next is planned: the outcome is the same as in turn.

These tests commit (the writing thread has its own connection and sees only
committed rows), so they run on PostgreSQL with a transactional database.
"""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import Account
from contacts.models import Contact
from crm.history.models import ChangeEvent
from crm.imports import engine
from crm.imports.models import ImportJob, ImportJobRecord, ImportRowIssue
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="A second connection needs PostgreSQL."),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def submitted(monkeypatch):
    """How many batches the import handed to a BatchWriter (the real one, counted on the way)."""
    batches = []
    submit = engine.BatchWriter.submit

    def counting(writer, writes, keys, **kwargs):
        batches.append(keys)
        return submit(writer, writes, keys, **kwargs)

    monkeypatch.setattr(engine.BatchWriter, "submit", counting)
    return batches


def import_and_describe(data, target, actor, **options):
    """Import ``data`` on a recorded job; return everything the import decided and wrote, ids left out."""
    job = ImportJob.objects.create(target=target, file_name=f"{target}.csv", created_by=actor)
    outcome = do_import(data, target, actor=actor, job=job, batch_size=4, **options)
    job.refresh_from_db()
    model = Account if target == "accounts" else Contact
    fields = ("name", "account_number", "city", "annual_revenue") if target == "accounts" else (
        "first_name", "last_name", "email", "job_title", "account__name")
    return {
        "summary": outcome.summary(),
        "job counts": (job.processed_rows, job.created_count, job.updated_count, job.skipped_count, job.failed_count),
        "issues": sorted(ImportRowIssue.objects.filter(job=job).values_list("row_number", "kind", "column", "message")),
        "records": sorted(model.objects.values_list(*fields), key=str),
        "links": sorted(ImportJobRecord.objects.filter(job=job).values_list("target", "action")),
        "history": ChangeEvent.objects.filter(import_job_id=job.pk).count(),
    }


def account_rows():
    rows = [["Account Name", "Account Number", "City", "Annual Revenue"]]
    rows += [[f"Firma {index}", f"F-{index}", "Cluj-Napoca", "1.000,50"] for index in range(10)]  # rows 2-11
    rows += [
        ["Firma 3 bis", "f-3", "Iași", ""],  # row 12: the number of row 5, a batch already written
        ["Firma 7", "", "Iași", ""],  # row 13: no number, the name of row 9, in the batch being written
        ["Existenta", "E-1", "Brașov", ""],  # row 14: updates an existing account
        ["Rea", "R-1", "Iași", "minus"],  # row 15: not a number
        ["Neschimbata", "N-1", "Sibiu", ""],  # row 16: exists with these very values: skipped
    ]
    rows += [[f"Alta {index}", f"A-{index}", "Sibiu", ""] for index in range(9)]  # rows 17-25
    return rows


def test_accounts_same_outcome_written_ahead_as_in_turn(sales_manager, settings, submitted):
    results = []
    for write_ahead in (False, True):
        settings.CRM_IMPORT_WRITE_AHEAD = write_ahead
        Account.objects.all().delete()
        AccountFactory(name="Existenta", account_number="E-1", city="Pitești")
        AccountFactory(name="Neschimbata", account_number="N-1", city="Sibiu")
        submitted.clear()
        results.append(import_and_describe(csv_bytes(account_rows()), "accounts", sales_manager))
        used = len(submitted)
    assert results[0] == results[1]
    assert results[1]["summary"] == "created 19, updated 1, skipped 1, failed 3"
    assert results[1]["job counts"] == (24, 19, 1, 1, 3)
    assert [issue[0] for issue in results[1]["issues"]] == [12, 13, 15, 16]
    # Some batches went through the writer, and the ones touching written or existing records did not.
    assert 0 < used < 6


def test_contacts_same_outcome_written_ahead_as_in_turn(sales_manager, settings, submitted):
    rows = [["First Name", "Last Name", "Email", "Job Title", "Account Number"]]
    rows += [["Ana", f"Pop{index}", f"ana{index}@exemplu.ro", "Vânzări", "C-1"] for index in range(8)]  # rows 2-9
    rows += [
        ["Ana", "Pop-bis", "ANA2@exemplu.ro", "", "C-1"],  # row 10: the email of row 4, already written
        ["Ion", "Ionescu", "ion@exemplu.ro", "Director", "C-1"],  # row 11: updates an existing contact
        ["Dan", "Fără", "dan@exemplu.ro", "", "C-404"],  # row 12: no such account
    ]
    rows += [["Eva", f"Nou{index}", f"eva{index}@exemplu.ro", "", "C-1"] for index in range(8)]  # rows 13-20
    results = []
    for write_ahead in (False, True):
        settings.CRM_IMPORT_WRITE_AHEAD = write_ahead
        Contact.objects.all().delete()
        Account.objects.all().delete()
        account = AccountFactory(name="Client", account_number="C-1")
        ContactFactory(first_name="Ion", last_name="Ionescu", email="ion@exemplu.ro", job_title="", account=account)
        submitted.clear()
        results.append(import_and_describe(csv_bytes(rows), "contacts", sales_manager))
        used = len(submitted)
    assert results[0] == results[1]
    assert results[1]["summary"] == "created 16, updated 1, skipped 0, failed 2"
    # Batches that update existing contacts go through the writer too (written at the version they read).
    assert 0 < used <= 5


def test_a_record_changed_between_planning_and_writing_refuses_the_batch(sales_manager):
    from crm.bulk import RowsChanged, update_records

    account = AccountFactory(name="Citita", city="Cluj-Napoca")
    planned = Account.objects.get(pk=account.pk)
    planned.city, planned.version = "Iași", planned.version + 1  # what the import planned, from the read
    Account.objects.filter(pk=account.pk).update(city="Brașov", version=planned.version)  # someone saved meanwhile
    with pytest.raises(RowsChanged), transaction.atomic():
        update_records(Account, [planned], ["city", "version"])
    assert Account.objects.get(pk=account.pk).city == "Brașov"
    planned.version += 1
    with transaction.atomic():
        update_records(Account, [planned], ["city", "version"])
    assert Account.objects.get(pk=account.pk).city == "Iași"


def test_a_write_that_fails_rolls_its_batch_back_and_stops_the_writer(sales_manager):
    writer = engine.BatchWriter()
    try:
        writer.submit([lambda: AccountFactory(name="Scrisa", owner=sales_manager)], engine.BatchKeys())
        writer.wait()

        def disk_full():
            raise DatabaseError("could not extend file: No space left on device")

        writer.submit([lambda: AccountFactory(name="Pe jumătate", owner=sales_manager), disk_full],
                      engine.BatchKeys())
        with pytest.raises(DatabaseError):
            writer.wait()
        # Nothing after the error is written either: the next batch is refused with the same error.
        with pytest.raises(DatabaseError):
            writer.submit([lambda: AccountFactory(name="După", owner=sales_manager)], engine.BatchKeys())
    finally:
        writer.stop()
    assert list(Account.objects.values_list("name", flat=True)) == ["Scrisa"]


def test_a_batch_that_collides_with_a_record_written_meanwhile_is_handed_back_to_be_planned_again(sales_manager):
    writer = engine.BatchWriter()
    try:
        def taken_number():
            Account.objects.create(name="Dubla", account_number="D-1", owner=sales_manager)
            with transaction.atomic():
                Account.objects.create(name="Dubla 2", account_number="d-1", owner=sales_manager)

        writer.submit([lambda: AccountFactory(name="Pe jumătate", owner=sales_manager), taken_number],
                      engine.BatchKeys(), batch="the batch", state="its state")
        with pytest.raises(engine._WriteConflict) as conflict:
            writer.wait()
        assert (conflict.value.batch, conflict.value.state) == ("the batch", "its state")
        # The writer goes on: the batch planned again is written.
        writer.submit([lambda: AccountFactory(name="Din nou", owner=sales_manager)], engine.BatchKeys())
        writer.wait()
    finally:
        writer.stop()
    assert list(Account.objects.values_list("name", flat=True)) == ["Din nou"]


def _run_job_with_failing_third_write(sales_manager, settings, monkeypatch, error):
    import io

    from crm.imports import services
    from crm.imports.readers import open_table

    monkeypatch.setattr(
        services, "_options", lambda job, **kwargs: engine.ImportOptions(target=job.target, batch_size=4)
    )
    settings.CRM_IMPORT_WRITE_AHEAD = True
    rows = [["Account Name", "Account Number"]] + [[f"Firma {index}", f"F-{index}"] for index in range(12)]
    write_now = engine.insert_rows.__globals__["_write_now"]
    calls = []

    def failing_third_batch(model, fields, prepared):
        calls.append(model)
        if model is Account and calls.count(Account) == 3:
            raise error
        return write_now(model, fields, prepared)

    monkeypatch.setitem(engine.insert_rows.__globals__, "_write_now", failing_third_batch)
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=sales_manager)
    with io.BytesIO(csv_bytes(rows)) as handle:
        services.import_job_run(job=job, table=open_table(handle))
    job.refresh_from_db()
    return job


def test_a_failed_batch_write_fails_the_job_and_keeps_the_batches_before(sales_manager, settings, monkeypatch):
    job = _run_job_with_failing_third_write(sales_manager, settings, monkeypatch, DatabaseError("disk full"))
    assert job.state == "failed" and "disk full" in job.message
    assert sorted(Account.objects.values_list("account_number", flat=True)) == [f"F-{index}" for index in range(8)]
    assert (job.processed_rows, job.created_count) == (8, 8)


def test_a_batch_refused_by_a_unique_index_is_planned_again_and_the_job_completes(sales_manager, settings,
                                                                                  monkeypatch):
    job = _run_job_with_failing_third_write(sales_manager, settings, monkeypatch, IntegrityError("unique"))
    assert job.state == "completed", job.message
    assert sorted(Account.objects.values_list("account_number", flat=True)) == sorted(
        f"F-{index}" for index in range(12)
    )
    assert (job.processed_rows, job.created_count) == (12, 12)
