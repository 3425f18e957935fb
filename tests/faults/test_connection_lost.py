"""The import's database connections are terminated mid-file: the job fails cleanly, the CLI says rows were written."""

import pytest
from django.db import connection

from accounts.models import Account
from crm.imports.models import ImportJob, ImportJobRecord, ImportState
from tests.factories import SalesManagerFactory
from tests.faults.conftest import finish, manage, wait_for
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 40_000


def terminate_other_connections():
    """pg_terminate_backend on every other connection to the test database: the import's, the writer's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def import_under_way(tmp_path):
    """An import_data process of ROWS accounts that has committed its first batch: (its user, file, process)."""
    manager = SalesManagerFactory()
    rows = [["Account Name", "Account Number"]] + [[f"Firma {index}", f"T-{index:06d}"] for index in range(ROWS)]
    path = tmp_path / "conturi.csv"
    path.write_bytes(csv_bytes(rows))
    process = manage("import_data", "accounts", str(path), "--user", manager.username)
    assert wait_for(lambda: ImportJob.objects.filter(processed_rows__gt=0).exists() or process.poll() is not None,
                    timeout=120)
    if process.poll() is not None:
        pytest.skip("The import finished before it could be stopped.")
    return manager, path, process


def test_a_terminated_connection_stops_the_import_with_exit_3_and_resume_completes_it(tmp_path):
    manager, path, process = import_under_way(tmp_path)
    assert terminate_other_connections() >= 1
    code, out, err = finish(process)
    job = ImportJob.objects.get()
    written = Account.objects.count()
    if job.state == ImportState.COMPLETED:
        pytest.skip("The import finished as its connection was terminated.")

    assert code == 3, (code, out, err)
    assert job.state == ImportState.FAILED
    # Whole batches, every one linked to the job and counted; the command says so and how to go on.
    assert 0 < written < ROWS and written == job.created_count == job.processed_rows
    assert ImportJobRecord.objects.filter(job=job).count() == written
    assert f"Stopped after {job.processed_rows} rows: created {written}" in err
    assert f"--resume {job.pk}" in err
    assert "File refused" not in err

    code, out, err = finish(manage("import_data", "accounts", str(path), "--user", manager.username,
                                   "--resume", str(job.pk)))
    assert code == 0, err
    job.refresh_from_db()
    assert job.state == ImportState.COMPLETED and job.created_count == ROWS
    assert out.strip().splitlines()[-1] == f"created {ROWS}, updated 0, skipped 0, failed 0"
    assert Account.objects.count() == ROWS
    assert Account.objects.values("account_number").distinct().count() == ROWS


def test_an_import_stopped_with_sigterm_records_its_end_and_exits_3(tmp_path):
    import signal

    _manager, _path, process = import_under_way(tmp_path)
    process.send_signal(signal.SIGTERM)
    code, _out, err = finish(process)
    job = ImportJob.objects.get()
    if job.state == ImportState.COMPLETED:
        pytest.skip("The import finished as it was stopped.")
    assert code == 3, err
    assert job.state == ImportState.FAILED and "interrupted" in job.message
    assert job.processed_rows == Account.objects.count() == job.created_count > 0
    assert f"--resume {job.pk}" in err
