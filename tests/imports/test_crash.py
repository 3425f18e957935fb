"""A process killed mid-file leaves whole batches, listed on its job; the same file again completes it."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from accounts.models import Account
from crm.imports.models import ImportJob, ImportJobRecord, ImportState
from crm.imports.services import import_jobs_recover
from tests.imports.conftest import csv_bytes
from tests.imports.test_worker import ROOT


def command(path, username):
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    environment = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_data", "accounts", str(path), "--user", username, "--batch-size", "200"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="The other process needs a shared database: PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_killed_import_is_consistent_marked_failed_and_completed_by_a_rerun(sales_manager, tmp_path):
    total = 20000
    rows = [["Account Name", "Account Number", "City"]]
    rows += [[f"Compania {index}", f"K-{index}", "Cluj-Napoca"] for index in range(total)]
    path = tmp_path / "mare.csv"
    path.write_bytes(csv_bytes(rows))

    before = backend_pids()
    process = command(path, sales_manager.username)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = ImportJob.objects.filter(processed_rows__gt=0).first()
        if job is not None or process.poll() is not None:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # A COMMIT the process sent before it died still completes on the server: read only once its
    # connections are gone, or the job could be read before that commit and the accounts after it.
    wait_for_connections_to_end(besides=before)
    job = ImportJob.objects.get()
    if job.state == ImportState.COMPLETED:
        pytest.skip("The import finished before it could be killed.")

    # What it committed is whole batches, each listed on the job.
    committed = Account.objects.count()
    assert committed % 200 == 0 and 0 < committed < total
    assert ImportJobRecord.objects.filter(job=job).count() == committed
    assert job.created_count == committed

    assert [stopped.pk for stopped in import_jobs_recover(now=job.heartbeat_at + timezone_delta(3600))] == [job.pk]
    job.refresh_from_db()
    # A command-line job has no stored file to read again: it fails and says how to resume it.
    assert job.state == ImportState.FAILED and f"--resume {job.pk}" in job.message

    rerun = command(path, sales_manager.username)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert out.strip().splitlines()[-1] == f"created {total - committed}, updated 0, skipped {committed}, failed 0"
    assert Account.objects.count() == total
    assert Account.objects.values("account_number").distinct().count() == total


def backend_pids():
    """The server processes of the connections to the test database now, ours included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {row[0] for row in cursor.fetchall()}


def wait_for_connections_to_end(*, besides, timeout=30):
    """Wait until the connections opened since ``besides`` was taken (the killed process's) have ended."""
    deadline = time.monotonic() + timeout
    while backend_pids() - besides:
        if time.monotonic() > deadline:
            raise AssertionError("the killed import's connections did not end")
        time.sleep(0.05)


def timezone_delta(seconds):
    from datetime import timedelta

    return timedelta(seconds=seconds)
