"""The activities' import: notes, tasks and phone calls about an account (by number or name) or a contact (by
email), through the engine, the command line, the wizard and undo; matched again on a second import."""

import csv
import datetime
import io
from collections import Counter

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from contacts.models import Contact
from crm.activities.imports import ActivityImporter
from crm.activities.models import Activity, ActivityKind, ActivityState, Attachment
from crm.history.models import ChangeEvent, ChangeKind, RecordType
from crm.imports.models import ImportJob, ImportRowIssue, ImportState, import_targets
from crm.imports.readers import open_table
from crm.imports.registry import IMPORTS, import_kind
from crm.imports.services import import_job_run, import_job_undo, require_import_permission
from tests.factories import AccountFactory, ActivityFactory, ContactFactory
from tests.imports.conftest import csv_bytes, do_import, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Activity Type", "Subject", "Description", "Account Number", "Account", "Contact Email", "Due", "Status"]
ID, VERSION = "(Do not modify) Id", "(Do not modify) Version"


@pytest.fixture
def dacia(db):
    return AccountFactory(name="Dacia Grup SA", account_number="DG-1")


@pytest.fixture
def ana(dacia):
    return ContactFactory(first_name="Ana", last_name="Pop", email="ana@dacia.ro", account=dacia)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def issues_of(outcome, kind=ImportRowIssue.Kind.FAILED):
    return {issue.row_number: (issue.column, issue.message) for issue in outcome.issues if issue.kind == kind}


def run_job(user, data, *, batch_size=None, **options):
    job = ImportJob.objects.create(target="activities", file_name="activitati.csv", created_by=user, **options)
    import_job_run(job=job, table=open_table(io.BytesIO(data)), batch_size=batch_size)
    job.refresh_from_db()
    return job


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


# Registered by the app -------------------------------------------------------------------------------------


def test_the_app_registers_its_import_and_every_import_path_offers_it():
    kind = import_kind("activities")
    assert kind.importer is ActivityImporter and kind.model is Activity
    assert ActivityImporter.__module__ == "crm.activities.imports"  # found by autodiscover in crm.activities
    assert list(IMPORTS)[-1] == "activities"
    assert ("activities", "Activities") in [(key, str(label)) for key, label in import_targets()]
    assert str(dict(ImportJob._meta.get_field("target").flatchoices)["activities"]) == "Activities"


# Each kind, each record it regards -------------------------------------------------------------------------


def test_notes_tasks_and_calls_by_account_number_name_or_contact_email_in_english_and_romanian(
    sales_manager, dacia, ana
):
    rows = [
        [*HEADERS, "Priority", "Direction", "Phone Number", "Duration (minutes)", "Outcome"],
        ["Notă", "", "Au cerut ofertă", "dg-1", "", "", "", "", "", "", "", "", ""],
        ["Sarcină", "Trimite oferta", "Cu instruire", "", "Dacia Grup SA", "", "15.01.2027 10:30", "", "Ridicată"]
        + ["", "", "", ""],
        ["Apel telefonic", "Confirmare", "", "", "", "ANA@dacia.ro", "2027-01-10 09:00", "Completed", ""]
        + ["Inbound", "+40 722 123 456", "15", "Interesată"],
        ["phone_call", "Revenire", "", "DG-1", "", "", "", "", "", "Outgoing", "", "", ""],
        ["Task", "Contract", "", "DG-1", "", "", "2027-02-01", "Not Started", "Low", "", "", "", ""],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert (outcome.created, outcome.failed) == (5, 0), outcome.issues
    assert not outcome.issues  # every value went to a field its kind has

    note = Activity.objects.get(kind=ActivityKind.NOTE)
    assert (note.account, note.contact, note.description, note.state) == (dacia, None, "Au cerut ofertă", "completed")
    assert note.completed_at is not None and note.owner == sales_manager and note.created_by == sales_manager
    task = Activity.objects.get(subject="Trimite oferta")
    assert (task.kind, task.account, task.description, task.priority) == ("task", dacia, "Cu instruire", "high")
    assert (task.state, task.completed_at, local(task.due_at)) == (ActivityState.OPEN, None, "2027-01-15 10:30")
    call = Activity.objects.get(subject="Confirmare")
    assert (call.kind, call.account, call.contact) == (ActivityKind.PHONE_CALL, None, ana)
    assert (call.direction, call.phone_number, call.duration_minutes, call.outcome) == (
        "incoming",
        "+40 722 123 456",
        15,
        "Interesată",
    )
    assert call.state == ActivityState.COMPLETED and call.completed_at is not None
    assert Activity.objects.get(subject="Revenire").direction == "outgoing"
    contract = Activity.objects.get(subject="Contract")
    assert (contract.state, contract.priority, local(contract.due_at)) == ("open", "low", "2027-02-01 00:00")


def test_a_file_with_romanian_headers_imports(sales_manager, dacia):
    rows = [
        ["Tip activitate", "Subiect", "Descriere", "Număr cont", "Termen", "Prioritate", "Stare", "Proprietar"],
        ["Sarcină", "Ofertă", "Cu instruire", "DG-1", "15.01.2027 10:30", "Ridicată", "Deschisă", "maria.manager"],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert (outcome.created, outcome.ignored_columns) == (1, []), outcome.issues
    task = Activity.objects.get()
    assert (task.kind, task.subject, task.description, task.priority, task.state, task.owner) == (
        "task",
        "Ofertă",
        "Cu instruire",
        "high",
        "open",
        sales_manager,
    )
    assert local(task.due_at) == "2027-01-15 10:30"


def test_a_task_or_call_the_file_closes_is_closed_and_a_note_cannot_be_open(sales_manager, dacia):
    rows = [
        HEADERS,
        ["Task", "Făcută", "", "DG-1", "", "", "", "Finalizată"],
        ["Phone call", "Anulat", "", "DG-1", "", "", "", "Canceled"],
        ["Note", "", "Deschisă?", "DG-1", "", "", "", "Open"],
        ["Note", "", "Închisă", "DG-1", "", "", "", "Completed"],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert issues_of(outcome) == {4: ("Status", "A note is written as it happened: its status can only be Completed.")}
    states = dict(Activity.objects.values_list("subject", "state"))
    assert states == {"Făcută": "completed", "Anulat": "canceled", "": "completed"}
    assert not Activity.objects.filter(completed_at__isnull=True).exists()


def test_values_a_kind_has_no_field_for_are_left_empty_with_a_warning(sales_manager, dacia):
    rows = [
        ["Activity Type", "Subject", "Description", "Account", "Due", "Phone Number", "Priority"],
        ["Note", "Titlu", "Text", "Dacia Grup SA", "2027-01-01 10:00", "", ""],
        ["Task", "Ofertă", "", "Dacia Grup SA", "", "+40 21", "Normal"],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert outcome.created == 2
    warnings = sorted(
        (issue.row_number, issue.column, issue.message)
        for issue in outcome.issues
        if issue.kind == ImportRowIssue.Kind.WARNING
    )
    assert warnings == [
        (2, "Due", "Due: a note has none; left empty."),
        (2, "Subject", "Subject: a note has none; left empty."),
        (3, "Phone Number", "Phone Number: a task has none; left empty."),
    ]
    note = Activity.objects.get(kind=ActivityKind.NOTE)
    assert (note.subject, note.due_at, note.description) == ("", None, "Text")
    assert Activity.objects.get(kind=ActivityKind.TASK).phone_number == ""


# Bad rows ---------------------------------------------------------------------------------------------------


def test_bad_rows_fail_naming_their_row_and_column_and_the_others_are_imported(sales_manager, dacia, ana):
    AccountFactory(name="Omonim SRL", account_number="OM-1")
    AccountFactory(name="Omonim SRL", account_number="OM-2")
    ContactFactory(email="birou@dublu.ro")
    ContactFactory(email="Birou@dublu.ro")
    rows = [
        [*HEADERS, "Duration (minutes)", "Owner"],
        ["Task", "Bun", "", "DG-1", "", "", "", "", "", ""],
        ["Task", "Număr necunoscut", "", "NU-1", "", "", "", "", "", ""],
        ["Task", "Nume necunoscut", "", "", "Nimeni SRL", "", "", "", "", ""],
        ["Task", "Nume dublu", "", "", "Omonim SRL", "", "", "", "", ""],
        ["Task", "Email necunoscut", "", "", "", "nimeni@x.ro", "", "", "", ""],
        ["Task", "Email dublu", "", "", "", "birou@dublu.ro", "", "", "", ""],
        ["Task", "Amândouă", "", "DG-1", "", "ana@dacia.ro", "", "", "", ""],
        ["Task", "Niciuna", "", "", "", "", "", "", "", ""],
        ["", "Fără tip", "", "DG-1", "", "", "", "", "", ""],
        ["Appointment", "Întâlnire", "", "DG-1", "", "", "2027-01-01 10:00", "", "", ""],
        ["Meeting", "Tip greșit", "", "DG-1", "", "", "", "", "", ""],
        ["Task", "", "Fără subiect", "DG-1", "", "", "", "", "", ""],
        ["Note", "", "", "DG-1", "", "", "", "", "", ""],
        ["Task", "Dată rea", "", "DG-1", "", "", "31.02.2027 10:00", "", "", ""],
        ["Phone call", "Prea lung", "", "DG-1", "", "", "", "", "999999", ""],
        ["Task", "Proprietar", "", "DG-1", "", "", "", "", "", "nimeni"],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    failed = issues_of(outcome)
    assert failed == {
        3: ("Account Number", "No account has the number “nu-1”."),
        4: ("Account", "No account has the name “Nimeni SRL”."),
        5: (
            "Account",
            "The account name “Omonim SRL” matches 2 accounts: Omonim SRL (OM-1), Omonim SRL (OM-2). "
            "Give the account number instead.",
        ),
        6: ("Contact Email", "No contact has the email “nimeni@x.ro”."),
        7: (
            "Contact Email",
            "Several contacts have the email “birou@dublu.ro”: it cannot tell which one the activity regards.",
        ),
        8: ("Contact Email", "Give the account or the contact's email, not both: an activity regards one record."),
        9: ("Account", "Give the account (its number or name) or the contact's email the activity regards."),
        10: ("Activity Type", "Give the activity type: Note, Task or Phone call."),
        11: ("Activity Type", "Appointment activities are not imported: give Note, Task or Phone call."),
        12: ("Activity Type", "Activity Type: “Meeting” is not one of the choices for Activity Type."),
        13: ("Subject", "Subject: Give the subject."),
        14: ("Description", "Description: Write the note."),
        15: (
            "Due",
            "Due: “31.02.2027 10:00” is not a date and time. Use 2026-12-31 14:30 or 31.12.2026 14:30.",
        ),
        16: ("Duration (minutes)", failed[16][1]),
        17: ("Owner", "Owner: No active user named “nimeni”."),
    }
    assert "Ensure this value is less than or equal to 10080." in failed[16][1]
    assert (outcome.created, outcome.failed) == (1, 15)
    assert list(Activity.objects.values_list("subject", flat=True)) == ["Bun"]


def test_all_or_nothing_writes_nothing_when_a_row_fails(sales_manager, dacia):
    rows = [HEADERS, ["Task", "Bun", "", "DG-1", "", "", "", ""], ["Task", "Rău", "", "NU-1", "", "", "", ""]]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager, all_or_nothing=True)
    assert outcome.rolled_back and (outcome.created, outcome.failed) == (0, 1)
    assert not Activity.objects.exists()
    assert not ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY).exists()


def test_a_file_without_the_activity_type_is_refused(sales_manager, dacia):
    outcome_job = run_job(sales_manager, csv_bytes([["Subject", "Account"], ["Ofertă", "Dacia Grup SA"]]))
    assert outcome_job.state == ImportState.FAILED
    assert "no “Activity Type” column, which is required" in outcome_job.message
    assert not Activity.objects.exists()


# Importing again ------------------------------------------------------------------------------------------


SAMPLE = [
    [*HEADERS, "Priority"],
    ["Note", "", "Au cerut ofertă", "DG-1", "", "", "", "", ""],
    ["Task", "Trimite oferta", "", "DG-1", "", "", "2027-01-15 10:30", "", "Normal"],
    ["Phone call", "Confirmare", "", "", "", "ana@dacia.ro", "2027-01-10 09:00", "", ""],
]


def test_importing_the_same_file_again_matches_what_it_wrote_and_a_changed_value_updates(sales_manager, ana):
    first = run_job(sales_manager, csv_bytes(SAMPLE))
    assert (first.created_count, first.failed_count) == (3, 0), first.message
    again = run_job(sales_manager, csv_bytes(SAMPLE))
    assert (again.created_count, again.updated_count, again.skipped_count) == (0, 0, 3)
    assert set(again.issues.values_list("message", flat=True)) == {"No changes."}

    changed = [SAMPLE[0], SAMPLE[1], [*SAMPLE[2][:2], "Cu instruire", *SAMPLE[2][3:8], "High"]]
    job = run_job(sales_manager, csv_bytes(changed))
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 1, 1)
    task = Activity.objects.get(subject="Trimite oferta")
    assert (task.description, task.priority, task.version) == ("Cu instruire", "high", 2)
    event = ChangeEvent.objects.get(import_job_id=job.pk)
    assert (event.kind, event.record_type, event.record_id, event.account_id) == (
        ChangeKind.UPDATED,
        RecordType.ACTIVITY,
        task.pk,
        task.account_id,
    )
    assert event.changes == {"description": ["", "Cu instruire"], "priority": ["normal", "high"]}

    # Another due date, another text, another record: other activities.
    other = [
        SAMPLE[0],
        ["Task", "Trimite oferta", "", "DG-1", "", "", "2027-02-15 10:30", "", ""],
        ["Note", "", "Altă notă", "DG-1", "", "", "", "", ""],
        ["Note", "", "Au cerut ofertă", "", "", "ana@dacia.ro", "", "", ""],
    ]
    assert run_job(sales_manager, csv_bytes(other)).created_count == 3
    assert Activity.objects.count() == 6


def test_two_rows_of_one_file_naming_the_same_activity_and_an_ambiguous_match_fail(sales_manager, dacia):
    ActivityFactory(account=dacia, subject="Dublă", due_at=None)
    ActivityFactory(account=dacia, subject="Dublă", due_at=None)
    rows = [
        HEADERS,
        ["Task", "Sună", "", "DG-1", "", "", "", ""],
        ["Task", "Sună", "", "", "Dacia Grup SA", "", "", ""],
        ["Task", "Dublă", "", "DG-1", "", "", "", ""],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert issues_of(outcome) == {
        3: ("Subject", "Duplicate of row 2 in this file."),
        4: ("Subject", "This row matches 2 existing activities; it cannot tell which one to update."),
    }
    assert Activity.objects.filter(subject="Sună").count() == 1


def test_a_row_closes_an_open_task_and_a_closed_one_is_read_only_until_reopened(sales_manager, dacia):
    due = timezone.make_aware(datetime.datetime(2027, 1, 15, 10, 30))
    open_task = ActivityFactory(account=dacia, subject="Deschisă", due_at=due)
    completed, canceled, same = (
        ActivityFactory(account=dacia, subject=subject, state=state, completed_at=timezone.now())
        for subject, state in (("Închisă", "completed"), ("Anulată", "canceled"), ("Neschimbată", "completed"))
    )
    rows = [
        [*HEADERS, "Priority"],
        ["Task", "Deschisă", "", "DG-1", "", "", "2027-01-15 10:30", "Completed", ""],
        ["Task", "Închisă", "", "DG-1", "", "", "", "Completed", "High"],
        ["Task", "Anulată", "", "DG-1", "", "", "", "Open", ""],
        ["Task", "Neschimbată", "", "DG-1", "", "", "", "Completed", "Normal"],
    ]
    job = run_job(sales_manager, csv_bytes(rows))
    issues = {
        number: (kind, column, message)
        for number, kind, column, message in job.issues.values_list("row_number", "kind", "column", "message")
    }
    assert issues == {
        3: ("failed", "Priority", "This activity is completed: reopen it to change it."),
        4: ("failed", "Status", "This activity is canceled: reopen it to change it."),
        5: ("skipped", "Subject", "No changes."),
    }
    assert job.updated_count == 1
    open_task.refresh_from_db()
    assert open_task.state == ActivityState.COMPLETED and open_task.completed_at is not None
    for record in (completed, canceled, same):
        version, priority = record.version, record.priority
        record.refresh_from_db()
        assert (record.version, record.priority) == (version, priority)
    assert canceled.state == ActivityState.CANCELED
    # Undo opens it again.
    assert import_job_undo(job=job, actor=sales_manager) == []
    open_task.refresh_from_db()
    assert (open_task.state, open_task.completed_at, open_task.version) == (ActivityState.OPEN, None, 3)


def test_create_mode_skips_what_exists_and_update_mode_creates_nothing(sales_manager, ana):
    do_import(csv_bytes(SAMPLE[:2]), "activities", actor=sales_manager)
    created = do_import(csv_bytes(SAMPLE), "activities", actor=sales_manager, mode="create")
    assert (created.created, created.skipped) == (2, 1)
    assert issues_of(created, ImportRowIssue.Kind.SKIPPED)[2][1].startswith("Duplicate of the existing activity")
    new = [SAMPLE[0], ["Task", "Nouă", "", "DG-1", "", "", "", "", ""]]
    updated = do_import(csv_bytes(new), "activities", actor=sales_manager, mode="update")
    assert (updated.created, updated.skipped) == (0, 1)
    assert issues_of(updated, ImportRowIssue.Kind.SKIPPED) == {2: ("Subject", "No existing activity matches this row.")}


# The round trip: rows carrying an exported activity's id and version -------------------------------------


def test_a_row_with_an_activitys_id_and_version_updates_that_activity_only(sales_manager, administrator, dacia, ana):
    task = ActivityFactory(account=dacia, subject="Ofertă")
    note = ActivityFactory(
        account=dacia,
        kind=ActivityKind.NOTE,
        subject="",
        description="Vechi",
        state="completed",
        completed_at=timezone.now(),
    )
    stale = ActivityFactory(account=dacia, subject="Schimbată")
    stale.subject = "Schimbată de altcineva"
    stale.version = 2
    stale.modified_by = administrator
    stale.save()
    rows = [
        [*HEADERS, ID, VERSION],
        ["Task", "Ofertă revizuită", "", "DG-1", "", "", "2027-03-01 09:00", "", task.pk, 1],
        ["Note", "", "Nou", "", "", "", "", "", note.pk, 1],
        ["Task", "Schimbată", "", "", "", "", "", "", stale.pk, 1],
        ["Phone call", "Alt tip", "", "", "", "", "", "", task.pk + 1000, 1],
        ["Note", "", "Mutată", "", "", "ana@dacia.ro", "", "", note.pk, 1],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    failed = issues_of(outcome)
    assert failed[4][0] == ID and "was changed by" in failed[4][1] and "after this file was exported" in failed[4][1]
    assert failed[5] == (
        ID,
        f"No activity with the id {task.pk + 1000} exists, or you may not see it; nothing was imported.",
    )
    assert failed[6] == (ID, "Duplicate of row 3 in this file.")
    assert (outcome.created, outcome.updated) == (0, 2)
    task.refresh_from_db()
    assert (task.subject, local(task.due_at), task.version) == ("Ofertă revizuită", "2027-03-01 09:00", 2)
    note.refresh_from_db()
    assert (note.description, note.version) == ("Nou", 2)
    assert Activity.objects.count() == 3


def test_a_round_trip_row_cannot_change_the_type_or_the_record_regarded(sales_manager, dacia, ana):
    task, other = ActivityFactory(account=dacia, subject="Ofertă"), ActivityFactory(account=dacia, subject="Alta")
    rows = [
        [*HEADERS, ID, VERSION],
        ["Phone call", "Ofertă", "", "", "", "", "", "", task.pk, 1],
        ["Task", "Alta", "", "", "", "ana@dacia.ro", "", "", other.pk, 1],
    ]
    outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
    assert issues_of(outcome) == {
        2: ("Activity Type", "This activity is a task: its type cannot be changed."),
        3: ("Contact Email", "This activity regards Dacia Grup SA: an import does not move it to another record."),
    }
    for record in (task, other):
        record.refresh_from_db()
        assert (record.kind, record.account, record.contact, record.version) == ("task", dacia, None, 1)


# The command line, CSV and Excel; history, undo and who may -----------------------------------------------


def test_the_command_imports_an_excel_file_with_its_history_on_the_timeline(sales_manager, dacia, ana, tmp_path):
    rows = [
        HEADERS,
        ["Sarcină", "Ofertă", "", "DG-1", "", "", datetime.datetime(2027, 1, 15, 10, 30), ""],
        ["Apel telefonic", "Confirmare", "", "", "", "ana@dacia.ro", datetime.datetime(2027, 1, 10), "Finalizată"],
        ["Notă", "", "Au cerut ofertă", "", "Dacia Grup SA", "", None, ""],
    ]
    path = tmp_path / "activitati.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    code, out, _err = run_command("activities", str(path), "--user", sales_manager.username)
    assert code == 0 and out.strip().splitlines()[-1] == "created 3, updated 0, skipped 0, failed 0"
    job = ImportJob.objects.get()
    assert (job.target, job.source, job.state, job.file_format) == (
        "activities",
        "command",
        "completed",
        "Excel (.xlsx)",
    )
    assert local(Activity.objects.get(subject="Ofertă").due_at) == "2027-01-15 10:30"
    assert local(Activity.objects.get(subject="Confirmare").due_at) == "2027-01-10 00:00"
    assert job.records.filter(target="activities", action="created").count() == 3
    events = ChangeEvent.objects.filter(import_job_id=job.pk, record_type=RecordType.ACTIVITY, kind=ChangeKind.CREATED)
    # Each on the timeline of the record it regards.
    assert Counter(events.values_list("account_id", "contact_id")) == Counter({(dacia.pk, None): 2, (None, ana.pk): 1})


def test_the_command_exits_1_and_lists_the_failed_rows_of_a_csv_file(sales_manager, dacia, tmp_path):
    rows = [HEADERS, ["Task", "Bun", "", "DG-1", "", "", "", ""], ["Task", "Rău", "", "NU-1", "", "", "", ""]]
    path, errors = tmp_path / "activitati.csv", tmp_path / "erori.csv"
    path.write_bytes(csv_bytes(rows))
    code, out, _err = run_command("activities", str(path), "--user", sales_manager.username, "--errors", str(errors))
    assert code == 1 and out.strip().endswith("created 1, updated 0, skipped 0, failed 1")
    lines = errors.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(",Error") and lines[1].startswith("Task,Rău,")
    assert "No account has the number “nu-1”." in lines[1]


def test_undo_removes_the_created_activities_restores_the_updated_and_keeps_one_with_a_file(sales_manager, ana):
    first = run_job(sales_manager, csv_bytes(SAMPLE[:3]))
    assert first.created_count == 2
    job = run_job(sales_manager, csv_bytes([SAMPLE[0], [*SAMPLE[2][:8], "High"], SAMPLE[3]]))
    assert (job.created_count, job.updated_count) == (1, 1)
    call = Activity.objects.get(kind=ActivityKind.PHONE_CALL)
    Attachment.objects.create(activity=call, file="notes/x.pdf", name="x.pdf", size=1, content_type="application/pdf")

    assert import_job_undo(job=job, actor=sales_manager) == [("Confirmare", "has attachments")]
    task = Activity.objects.get(subject="Trimite oferta")
    assert (task.priority, task.version) == ("normal", 3)
    assert Activity.objects.filter(pk=call.pk).exists()
    job.refresh_from_db()
    assert job.state == ImportState.UNDONE
    restored = ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, record_id=task.pk).latest("pk")
    assert (restored.kind, restored.actor, restored.changes["priority"]) == (
        ChangeKind.UPDATED,
        sales_manager,
        ["high", "normal"],
    )

    # The first job's note goes; its task, changed since by the second job and its undo, stays.
    note = Activity.objects.get(kind=ActivityKind.NOTE)
    assert import_job_undo(job=first, actor=sales_manager) == [("Trimite oferta", "changed after the import")]
    assert set(Activity.objects.values_list("pk", flat=True)) == {task.pk, call.pk}
    deleted = ChangeEvent.objects.get(kind=ChangeKind.DELETED, record_type=RecordType.ACTIVITY)
    assert (deleted.record_id, deleted.actor, deleted.account_id) == (note.pk, sales_manager, note.account_id)


def test_salespeople_do_not_import_activities_managers_and_administrators_do(
    client, salesperson, sales_manager, administrator, dacia, tmp_path
):
    with pytest.raises(PermissionDenied):
        require_import_permission(salesperson, "activities")
    require_import_permission(sales_manager, "activities")
    require_import_permission(administrator, "activities")
    path = tmp_path / "activitati.csv"
    path.write_bytes(csv_bytes([HEADERS, ["Task", "Ofertă", "", "DG-1", "", "", "", ""]]))
    code, _out, err = run_command("activities", str(path), "--user", salesperson.username)
    assert code == 2 and "You do not have permission to import data." in err
    assert not Activity.objects.exists()
    client.force_login(salesperson)
    assert client.get(reverse("imports:template", args=["activities", "csv"])).status_code == 403
    code, _out, _err = run_command("activities", str(path), "--user", administrator.username)
    assert code == 0 and Activity.objects.get().owner == administrator


# The wizard and the template ------------------------------------------------------------------------------


def test_the_wizard_maps_a_dynamics_export_of_activities(
    client, sales_manager, dacia, media, django_capture_on_commit_callbacks
):
    rows = [
        ["Activity Type", "Subject", "Account Name", "Due Date", "Activity Status", "Priority"],
        ["Phone Call", "Sună clientul", "Dacia Grup SA", "2027-01-10 09:00", "Open", "High"],
        ["Task", "Ofertă", "Dacia Grup SA", "2027-01-11 09:00", "Completed", "Normal"],
    ]
    client.force_login(sales_manager)
    page = client.get(reverse("imports:start"), {"target": "activities"})
    assert ("activities", "Activities") in [
        (value, str(label)) for value, label in page.context["form"]["target"].field.choices
    ]
    response = client.post(
        reverse("imports:start"),
        {"target": "activities", "mode": "upsert", "step": "map", "file": SimpleUploadedFile("a.csv", csv_bytes(rows))},
    )
    job = ImportJob.objects.get()
    form = client.get(response.url).context["form"]
    chosen = {header: form[f"column_{index}"].value() for index, header in enumerate(form.headers)}
    assert chosen == {
        "Activity Type": "kind",
        "Subject": "subject",
        "Account Name": "company_name",
        "Due Date": "due_at",
        "Activity Status": "state",
        "Priority": "priority",
    }
    data = {name: form[name].value() or "" for name in form.fields}
    assert client.post(response.url, data).url == reverse("imports:values", args=[job.pk])
    values = client.get(reverse("imports:values", args=[job.pk])).context["form"]
    client.post(reverse("imports:values", args=[job.pk]), {name: values[name].value() for name in values.fields})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:review", args=[job.pk]))
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.COMPLETED, 2), job.message
    assert dict(Activity.objects.values_list("kind", "state")) == {"phone_call": "open", "task": "completed"}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_lists_the_columns_with_a_task_that_imports_back(
    client, sales_manager, media, file_format, django_capture_on_commit_callbacks
):
    AccountFactory(name="Carpați Logistic SRL", account_number="CL-0001")
    client.force_login(sales_manager)
    response = client.get(reverse("imports:template", args=["activities", file_format]))
    assert response.status_code == 200
    if file_format == "csv":
        headers, example = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        headers, example = ([cell.value or "" for cell in row] for row in sheet.iter_rows())
    assert headers[:6] == ["Activity Type", "Subject", "Description", "Account Number", "Account", "Contact Email"]
    row = dict(zip(headers, example, strict=True))
    assert (row["Activity Type"], row["Status"], row["Priority"], row["Direction"]) == ("Task", "Open", "Normal", "")
    job = run_job(sales_manager, response.content)
    assert (job.created_count, job.failed_count) == (1, 0), job.message
    assert not job.issues.exists()
    assert Activity.objects.get().subject == "Trimite oferta pentru depozit"


# Batches ----------------------------------------------------------------------------------------------------


def test_batches_match_each_other_and_what_exists_on_any_database(sales_manager, dacia, ana):
    rows = [HEADERS]
    rows += [["Task", f"Sarcina {index}", "", "DG-1", "", "", "", ""] for index in range(7)]
    rows += [["Note", "", f"Nota {index}", "", "", "ana@dacia.ro", "", ""] for index in range(7)]
    rows.append(["Task", "Sarcina 0", "", "", "Dacia Grup SA", "", "", ""])  # a repeat, in a later batch
    first = run_job(sales_manager, csv_bytes(rows), batch_size=3)
    assert (first.created_count, first.failed_count, first.state) == (14, 1, ImportState.COMPLETED), first.message
    assert first.issues.get().message == "Duplicate of an earlier row in this file."
    rows[3] = ["Task", "Sarcina 2", "Cu text", "DG-1", "", "", "", ""]
    again = run_job(sales_manager, csv_bytes(rows), batch_size=3)
    assert (again.created_count, again.updated_count, again.skipped_count) == (0, 1, 14)
    assert Activity.objects.count() == 14


def test_a_batch_runs_the_same_queries_for_10_rows_as_for_50(sales_manager, dacia, ana):
    do_import(
        csv_bytes([HEADERS, ["Task", "Încălzire", "", "DG-1", "", "", "", ""]]), "activities", actor=sales_manager
    )
    counts = []
    for size in (10, 50):
        rows = [HEADERS]
        rows += [["Task", f"Sarcina {size}-{index}", "", "DG-1", "", "", "", ""] for index in range(size // 2)]
        rows += [
            ["Phone call", f"Apel {size}-{index}", "", "", "", "ana@dacia.ro", "", ""] for index in range(size // 2)
        ]
        with CaptureQueriesContext(connection) as queries:
            outcome = do_import(csv_bytes(rows), "activities", actor=sales_manager)
        assert outcome.created == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="A second connection needs PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_batches_written_ahead_on_postgresql_decide_as_batches_written_in_turn(sales_manager, settings, monkeypatch):
    from crm.imports import engine

    submitted = []
    submit = engine.BatchWriter.submit

    def counting(writer, writes, keys, **kwargs):
        submitted.append(keys)
        return submit(writer, writes, keys, **kwargs)

    monkeypatch.setattr(engine.BatchWriter, "submit", counting)
    rows = [HEADERS]
    rows += [["Task", f"Sarcina {index}", "", "DG-1", "", "", "", ""] for index in range(8)]  # rows 2-9
    rows += [
        ["Task", "Sarcina 6", "", "", "Dacia Grup SA", "", "", ""],  # row 10: row 8's, in the batch being written
        ["Note", "", "Există", "DG-1", "", "", "", ""],  # row 11: exists with these values: skipped
        ["Task", "De schimbat", "Cu text", "DG-1", "", "", "", ""],  # row 12: updates an existing task
        ["Task", "Rea", "", "NU-1", "", "", "", ""],  # row 13: no such account
    ]
    rows += [["Phone call", f"Apel {index}", "", "", "", "ana@dacia.ro", "", ""] for index in range(8)]  # 14-21
    results = []
    for write_ahead in (False, True):
        settings.CRM_IMPORT_WRITE_AHEAD = write_ahead
        Activity.objects.all().delete()
        Contact.objects.all().delete()
        Account.objects.all().delete()
        dacia = AccountFactory(name="Dacia Grup SA", account_number="DG-1")
        ContactFactory(email="ana@dacia.ro", account=dacia)
        ActivityFactory(
            account=dacia,
            kind=ActivityKind.NOTE,
            subject="",
            description="Există",
            state="completed",
            completed_at=timezone.now(),
        )
        ActivityFactory(account=dacia, subject="De schimbat", due_at=None)
        submitted.clear()
        job = run_job(sales_manager, csv_bytes(rows), batch_size=4)
        results.append(
            {
                "counts": (
                    job.processed_rows,
                    job.created_count,
                    job.updated_count,
                    job.skipped_count,
                    job.failed_count,
                ),
                "issues": sorted(job.issues.values_list("row_number", "kind", "column", "message")),
                "activities": sorted(
                    Activity.objects.values_list(
                        "kind", "subject", "description", "account__name", "contact__email", "version"
                    ),
                    key=str,
                ),
                "history": ChangeEvent.objects.filter(import_job_id=job.pk).count(),
            }
        )
        used = len(submitted)
    assert results[0] == results[1]
    assert results[1]["counts"] == (20, 16, 1, 1, 2)
    assert [issue[0] for issue in results[1]["issues"]] == [10, 11, 13]
    # Every batch but the one sharing a subject with the batch being written went through the writer.
    assert used == 4
