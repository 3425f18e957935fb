"""A large file is imported in the background by a real db_worker process, as `make run` starts it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.models import Account
from crm.imports.models import ImportJob, ImportState
from tests.imports.conftest import csv_bytes

ROOT = Path(__file__).resolve().parents[2]


def run_worker(media_root):
    """Run `manage.py db_worker --batch` against the test database until the queue is empty."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    environment = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media_root), "DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="The other process needs a shared database: PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_threshold_is_imported_by_a_real_worker(client, sales_manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_BACKGROUND_THRESHOLD = 1000
    rows = [["Account Name", "Account Number", "Email"]]
    rows += [[f"Compania {index}", f"C-{index}", f"office{index}@c.ro"] for index in range(300)]
    rows += [["Rea", "C-X", "nu"]]
    client.force_login(sales_manager)
    response = client.post(
        reverse("imports:start"),
        {"target": "accounts", "mode": "upsert", "file": SimpleUploadedFile("mare.csv", csv_bytes(rows))},
    )
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == ImportState.QUEUED and job.task_id and not Account.objects.exists()
    assert 'hx-trigger="every 1s"' in client.get(job.get_absolute_url()).content.decode()

    worker = run_worker(tmp_path)
    assert worker.returncode == 0, worker.stderr

    job.refresh_from_db()
    assert (job.state, job.created_count, job.failed_count, job.processed_rows) == (
        ImportState.COMPLETED, 300, 1, 301,
    ), job.message
    assert job.started_at and job.finished_at and job.progress_percent == 100
    assert Account.objects.count() == 300
    assert 'hx-trigger="every 1s"' not in client.get(job.get_absolute_url()).content.decode()
