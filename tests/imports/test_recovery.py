"""Jobs that outlive their worker: found by their silent heartbeat, resumed after their committed rows, or failed."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Account
from crm.imports.engine import JobTakenOver, _write_counts
from crm.imports.models import ImportJob, ImportState
from crm.imports.readers import open_table
from crm.imports.services import import_job_run, import_jobs_recover
from crm.imports.tasks import run_import_job
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [["Account Name", "Account Number"]] + [[f"Firma {index}", f"R-{index}"] for index in range(10)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def running_job(user, *, silent_for, resumes=0, with_file=True, accounts=True):
    """A job as a worker left it when it died after committing the first 4 rows."""
    task = run_import_job.enqueue(0)
    DBTaskResult.objects.filter(id=task.id).update(status="RUNNING")
    job = ImportJob.objects.create(
        target="accounts", file_name="conturi.csv", created_by=user, state=ImportState.RUNNING, resumes=resumes,
        processed_rows=4, created_count=4, total_rows=10, task_id=str(task.id),
        heartbeat_at=timezone.now() - silent_for, started_at=timezone.now() - timedelta(minutes=5),
    )
    if with_file:
        job.file.save("conturi.csv", ContentFile(csv_bytes(ROWS)))
    for index in range(4 if accounts else 0):
        Account.objects.create(name=f"Firma {index}", account_number=f"R-{index}", owner=user)
    return job


def test_a_silent_job_is_marked_interrupted_queued_again_and_its_task_row_failed(sales_manager, media, settings):
    settings.CRM_IMPORT_STALE_AFTER = 60
    job = running_job(sales_manager, silent_for=timedelta(seconds=61))
    dead_task = job.task_id
    fresh = running_job(sales_manager, silent_for=timedelta(seconds=5), accounts=False)

    with pytest.MonkeyPatch.context() as patch:
        queued = []
        patch.setattr("crm.imports.services._enqueue_resume", queued.append)
        changed = import_jobs_recover()
        assert [stopped.pk for stopped in changed] == [job.pk]
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.state, job.resumes) == (ImportState.INTERRUPTED, 1)
    assert "The worker stopped at row 4; the import was queued to resume from there." in job.message
    assert DBTaskResult.objects.get(id=dead_task).status == "FAILED"
    assert fresh.state == ImportState.RUNNING


def test_an_interrupted_job_resumes_after_its_committed_rows_and_counts_on(sales_manager, media):
    job = running_job(sales_manager, silent_for=timedelta(hours=1))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.INTERRUPTED, resumes=1)
    job.refresh_from_db()
    outcome = import_job_run(job=job)
    job.refresh_from_db()
    assert job.state == ImportState.COMPLETED, job.message
    assert (job.processed_rows, job.created_count, job.skipped_count) == (10, 10, 0)
    assert outcome.summary() == "created 10, updated 0, skipped 0, failed 0"
    assert Account.objects.count() == 10


def test_a_job_resumed_too_often_or_without_a_file_fails_with_the_reason(sales_manager, media, settings):
    settings.CRM_IMPORT_MAX_RESUMES = 3
    tired = running_job(sales_manager, silent_for=timedelta(hours=1), resumes=3)
    command_line = running_job(sales_manager, silent_for=timedelta(hours=1), with_file=False, accounts=False)
    import_jobs_recover()
    tired.refresh_from_db()
    command_line.refresh_from_db()
    assert tired.state == ImportState.FAILED and "resumed 3 times and is not resumed any more" in tired.message
    assert command_line.state == ImportState.FAILED
    assert f"manage.py import_data accounts FILE --resume {command_line.pk}" in command_line.message
    assert tired.finished_at and command_line.finished_at


def test_a_run_whose_job_was_resumed_elsewhere_stops_without_writing_its_batch(sales_manager):
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=sales_manager,
                                   state=ImportState.RUNNING, resumes=1)
    _write_counts(job.pk, 1, processed_rows=5)
    with pytest.raises(JobTakenOver):
        _write_counts(job.pk, 0, processed_rows=9)
    job.refresh_from_db()
    assert job.processed_rows == 5


def test_only_one_run_claims_a_job(sales_manager):
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=sales_manager)
    stale_copy = ImportJob.objects.get(pk=job.pk)
    table = open_table(io.BytesIO(csv_bytes(ROWS)))
    assert import_job_run(job=job, table=table) is not None
    # A second worker holding the same queued job finds it taken.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING)
    assert import_job_run(job=stale_copy, table=open_table(io.BytesIO(csv_bytes(ROWS)))) is None
    assert Account.objects.count() == 10
