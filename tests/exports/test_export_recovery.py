"""Exports that outlive their worker: failed by the task workers' recovery, with their task row, and asked for anew."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from crm.exports import services
from crm.exports.models import ExportJob, ExportState
from crm.exports.tasks import run_export_job
from crm.management.commands import db_worker
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def stale_after(settings):
    settings.CRM_EXPORT_STALE_AFTER = 60
    return timedelta(seconds=60)


def running_export(user, *, silent_for, query=""):
    """An export as a worker left it when it died after writing 4,000 of 12,500 rows, its task row RUNNING."""
    task = run_export_job.enqueue(0)
    DBTaskResult.objects.filter(id=task.id).update(status="RUNNING")
    return ExportJob.objects.create(
        target="accounts", file_format="xlsx", query=query, created_by=user, state=ExportState.RUNNING,
        total_rows=12_500, processed_rows=4_000, task_id=str(task.id),
        started_at=timezone.now() - timedelta(minutes=5), heartbeat_at=timezone.now() - silent_for,
    )


def test_the_workers_recovery_fails_a_silent_export_and_its_task_row_without_a_page_opened(
    salesperson, stale_after, monkeypatch
):
    dead = running_export(salesperson, silent_for=stale_after + timedelta(seconds=1))
    alive = running_export(salesperson, silent_for=timedelta(seconds=5), query="q=dacia")
    # The test's own connection holds the test's transaction: the worker closes its connections, not this one.
    monkeypatch.setattr(db_worker.connections, "close_all", lambda: None)

    changed = db_worker.recover_once()

    assert [job.pk for job in changed] == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == ExportState.FAILED and dead.finished_at
    assert dead.message == (
        "The worker stopped while writing the file, at row 4,000 of 12,500. Export again to get the file."
    )
    assert DBTaskResult.objects.get(id=dead.task_id).status == "FAILED"
    assert (alive.state, alive.finished_at, alive.message) == (ExportState.RUNNING, None, "")
    assert DBTaskResult.objects.get(id=alive.task_id).status == "RUNNING"
    assert db_worker.recover_once() == []


def test_the_job_page_fails_its_silent_export_the_same_way(client, salesperson, stale_after):
    job = running_export(salesperson, silent_for=stale_after + timedelta(seconds=1))
    client.force_login(salesperson)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "at row 4,000 of 12,500. Export again to get the file." in page
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and DBTaskResult.objects.get(id=job.task_id).status == "FAILED"


def test_asking_again_after_a_dead_export_starts_a_new_job(
    client, salesperson, stale_after, settings, django_capture_on_commit_callbacks
):
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 0
    AccountFactory(owner=salesperson)
    client.force_login(salesperson)

    def ask():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("accounts:export"), {"format": "xlsx"})
        assert response.status_code == 302
        return ExportJob.objects.latest("pk")

    first = ask()
    ExportJob.objects.filter(pk=first.pk).update(state=ExportState.RUNNING, heartbeat_at=timezone.now())
    assert ask() == first  # still running: a second click is the same job

    ExportJob.objects.filter(pk=first.pk).update(heartbeat_at=timezone.now() - stale_after - timedelta(seconds=1))
    again = ask()
    assert again != first and again.state == ExportState.QUEUED
    assert again.task_id and again.task_id != first.task_id
    assert ExportJob.objects.count() == 2


def test_a_run_failed_by_the_recovery_meanwhile_keeps_that_outcome_and_stores_no_file(
    salesperson, stale_after, media, monkeypatch
):
    AccountFactory(owner=salesperson)
    job = ExportJob.objects.create(target="accounts", file_format="csv", created_by=salesperson)

    def silent_too_long(rows, handle, file_format, sheet_name):
        for row in rows:
            handle.write(repr(row).encode())
        services.export_jobs_recover(now=timezone.now() + stale_after + timedelta(seconds=1))

    monkeypatch.setattr(services, "write_export", silent_too_long)
    run_export_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.message.endswith("of 1. Export again to get the file.")
    assert not job.file and not list(media.rglob("*.csv"))


@pytest.mark.django_db(transaction=True)
def test_a_long_export_keeps_beating_while_its_file_is_finished(salesperson, settings, media, monkeypatch):
    settings.CRM_EXPORT_STALE_AFTER = 4  # a beat every second
    AccountFactory(owner=salesperson)
    job = ExportJob.objects.create(target="accounts", file_format="csv", created_by=salesperson)
    beats = []

    def slow_to_finish(rows, handle, file_format, sheet_name):
        for row in rows:
            handle.write(repr(row).encode())
        # No rows any more: a large workbook being compressed, say.
        beats.append(ExportJob.objects.get(pk=job.pk).heartbeat_at)
        time.sleep(1.6)
        beats.append(ExportJob.objects.get(pk=job.pk).heartbeat_at)

    monkeypatch.setattr(services, "write_export", slow_to_finish)
    assert run_export_job.call(job.pk) == ExportState.COMPLETED
    assert beats[1] > beats[0]
