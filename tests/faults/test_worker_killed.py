"""A db_worker killed with SIGKILL mid-import: a new worker resumes the job, nobody opens a page, nothing doubles."""

import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from accounts.models import Account
from crm.imports.engine import ImportOptions
from crm.imports.models import ImportJob, ImportJobRecord, ImportState
from crm.imports.services import import_job_start
from tests.factories import SalesManagerFactory
from tests.faults.conftest import finish, manage, wait_for
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 40_000
# Seconds without a heartbeat before a job counts as stopped, and between the workers' checks: short here; the
# deployed defaults (60 and 30) are measured with FAULT_STALE_AFTER=60 FAULT_CHECK_EVERY=30.
STALE_AFTER = int(os.environ.get("FAULT_STALE_AFTER", 3))
CHECK_EVERY = int(os.environ.get("FAULT_CHECK_EVERY", 1))


def worker(media_root):
    return manage(
        "db_worker", "--queue-name", "*", "--interval", "0.2", "--no-startup-delay", "--no-reload",
        MEDIA_ROOT=media_root, CRM_IMPORT_STALE_AFTER=STALE_AFTER, CRM_TASK_RECOVERY_INTERVAL=CHECK_EVERY,
    )


def test_a_killed_workers_import_is_resumed_by_another_and_completes_once(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_BACKGROUND_THRESHOLD = 0
    manager = SalesManagerFactory()
    rows = [["Account Name", "Account Number", "City"]]
    rows += [[f"Compania {index}", f"K-{index:06d}", "Cluj-Napoca"] for index in range(ROWS)]
    job = import_job_start(
        actor=manager, target="accounts", uploaded_file=SimpleUploadedFile("mare.csv", csv_bytes(rows)),
        options=ImportOptions(target="accounts"),
    )
    job.refresh_from_db()
    first_task = job.task_id
    assert job.state == ImportState.QUEUED and first_task

    first = worker(tmp_path)
    try:
        started = wait_for(lambda: ImportJob.objects.filter(pk=job.pk, processed_rows__gt=0).exists(), timeout=120)
        assert started, "the first worker never committed a batch"
        first.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    job.refresh_from_db()
    if job.state == ImportState.COMPLETED:
        pytest.skip("The import finished before its worker could be killed.")
    stopped_at = job.processed_rows
    assert 0 < stopped_at < ROWS and job.state == ImportState.RUNNING

    second = worker(tmp_path)
    try:
        resumed = wait_for(lambda: ImportJob.objects.filter(pk=job.pk, resumes=1).exists(),
                           timeout=3 * (STALE_AFTER + CHECK_EVERY) + 30, every=0.02)
        resumed_after = time.monotonic() - killed_at
        assert resumed, "no worker noticed the stopped job"
        done = wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, state=ImportState.COMPLETED).exists(), timeout=240
        )
    finally:
        second.send_signal(signal.SIGTERM)
        code, out, err = finish(second, timeout=30)
    job.refresh_from_db()
    assert done, (job.state, job.message, err[-3000:])
    print(f"\nworker killed at row {stopped_at:,}; job resumed {resumed_after:.1f} s later "
          f"(stale after {STALE_AFTER} s, checked every {CHECK_EVERY} s); {ROWS:,} rows expected, "
          f"{Account.objects.count():,} accounts found")
    # Exactly the file's accounts, once each; every record linked to the job once; the counts add up.
    assert Account.objects.count() == ROWS
    assert Account.objects.values("account_number").distinct().count() == ROWS
    assert ImportJobRecord.objects.filter(job=job).count() == ROWS
    assert (job.created_count, job.updated_count, job.skipped_count, job.failed_count) == (ROWS, 0, 0, 0)
    assert job.processed_rows == ROWS and job.resumes == 1
    assert f"stopped at row {stopped_at:,}" in job.message
    # The dead worker's task row does not stay RUNNING; the resumed one finished.
    assert DBTaskResult.objects.get(id=first_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
