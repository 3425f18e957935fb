"""Large exports: over the threshold a list is exported by the task worker, with a job page and a download."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from crm.exports import services
from crm.exports.models import ExportJob, ExportState
from crm.exports.tasks import run_export_job
from crm.imports.readers import open_table
from tests.factories import AccountFactory, ContactFactory
from tests.imports.test_worker import run_worker

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv", "xml"]
SAFE_DISPOSITION = re.compile(r'^attachment; filename="(accounts|contacts)-\d{4}-\d{2}-\d{2}\.(xlsx|csv|xml)"$')


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def threshold(settings):
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 3
    return 3


@pytest.fixture
def accounts(salesperson, other_salesperson):
    """Six active Dacia accounts (four the salesperson's), one inactive, one not matching the search."""
    for index in range(4):
        AccountFactory(name=f"Dacia {index}", status="active", owner=salesperson)
    for index in range(2):
        AccountFactory(name=f"Dacia Service {index}", status="active", owner=other_salesperson)
    AccountFactory(name="Dacia Veche", status="inactive", owner=salesperson)
    AccountFactory(name="Petrom", status="active", owner=salesperson)


def file_rows(data):
    """The header and the cells of each row of an exported file, whatever its format."""
    table = open_table(io.BytesIO(data))
    return [list(table.headers), *[list(cells) for _number, cells in table.rows]]


def streamed(client, area, **params):
    response = client.get(reverse(f"{area}:export"), params)
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content)


def start_export(client, area, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse(f"{area}:export"), params)
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    return job


def download(client, job):
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_up_to_the_threshold_the_export_streams_as_before(client, salesperson, accounts, settings):
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 4
    client.force_login(salesperson)
    data = streamed(client, "accounts", format="csv", q="dacia", status="active", scope="mine")
    assert [row[0] for row in file_rows(data)[1:]] == ["Dacia 0", "Dacia 1", "Dacia 2", "Dacia 3"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("file_format", FORMATS)
def test_over_the_threshold_a_job_writes_the_rows_the_list_shows(
    client, salesperson, accounts, settings, threshold, media, django_capture_on_commit_callbacks, file_format
):
    params = {"q": "dacia", "status": "active", "format": file_format}
    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, **params)
    assert (job.state, job.target, job.file_format, job.created_by) == (ExportState.QUEUED, "accounts",
                                                                          file_format, salesperson)
    assert job.task_id and DBTaskResult.objects.filter(id=job.task_id).exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("exports:download", args=[job.pk]) not in page

    assert run_export_job.call(job.pk) == ExportState.COMPLETED
    job.refresh_from_db()
    assert (job.total_rows, job.processed_rows, job.progress_percent) == (6, 6, 100)
    assert job.started_at and job.finished_at and job.file.name.startswith("exports/") and job.file_size > 0
    response, data = download(client, job)
    assert SAFE_DISPOSITION.match(response["Content-Disposition"]), response["Content-Disposition"]

    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 1000
    assert file_rows(data) == file_rows(streamed(client, "accounts", **params))
    assert sorted(row[0] for row in file_rows(data)[1:]) == [
        "Dacia 0", "Dacia 1", "Dacia 2", "Dacia 3", "Dacia Service 0", "Dacia Service 1",
    ]
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' not in page and reverse("exports:download", args=[job.pk]) in page


def test_the_file_is_written_in_the_language_it_was_asked_in(
    client, salesperson, accounts, settings, threshold, media, django_capture_on_commit_callbacks
):
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv", status="active")
    assert job.language == "ro"
    run_export_job.call(job.pk)
    data = download(client, job)[1]
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 1000
    assert file_rows(data) == file_rows(streamed(client, "accounts", format="csv", status="active"))
    assert file_rows(data)[0][:2] == ["Nume cont", "Număr cont"]


def test_the_job_exports_in_its_users_scope_and_contacts_too(
    client, salesperson, accounts, threshold, media, django_capture_on_commit_callbacks
):
    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, scope="mine", format="csv")
    run_export_job.call(job.pk)
    rows = file_rows(download(client, ExportJob.objects.get(pk=job.pk))[1])
    assert sorted(row[0] for row in rows[1:]) == ["Dacia 0", "Dacia 1", "Dacia 2", "Dacia 3", "Dacia Veche", "Petrom"]

    account = AccountFactory(name="Carpați SA", owner=salesperson)
    for _index in range(5):
        ContactFactory(account=account, owner=salesperson)
    job = start_export(client, "contacts", django_capture_on_commit_callbacks, format="xlsx")
    run_export_job.call(job.pk)
    job.refresh_from_db()
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, job)[1])).active
    assert sheet.max_row == 6 and job.processed_rows == 5


def test_progress_is_recorded_after_every_chunk(
    client, salesperson, accounts, threshold, media, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    with CaptureQueriesContext(connection) as queries:
        run_export_job.call(job.pk)
    progress = [query["sql"] for query in queries if '"processed_rows"' in query["sql"] and "UPDATE" in query["sql"]]
    assert len(progress) == 8 // 2 + 1  # one per chunk of 2 rows, then the final save


def test_the_same_export_asked_twice_is_one_job(client, salesperson, accounts, threshold, media,
                                               django_capture_on_commit_callbacks):
    client.force_login(salesperson)
    first = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv", q="dacia")
    again = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv", q="dacia")
    other = start_export(client, "accounts", django_capture_on_commit_callbacks, format="xlsx", q="dacia")
    assert first == again != other and ExportJob.objects.count() == 2


def test_only_its_user_or_an_administrator_sees_and_downloads_the_job(
    client, salesperson, other_salesperson, sales_manager, administrator, accounts, threshold, media,
    django_capture_on_commit_callbacks,
):
    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    run_export_job.call(job.pk)
    pages = [reverse("exports:detail", args=[job.pk]), reverse("exports:download", args=[job.pk])]
    client.logout()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response.url
    for user in (other_salesperson, sales_manager):
        client.force_login(user)
        assert [client.get(url).status_code for url in pages] == [404, 404]
    client.force_login(administrator)
    assert [client.get(url).status_code for url in pages] == [200, 200]


def test_a_failed_export_says_why_and_offers_no_download(
    client, salesperson, accounts, threshold, media, django_capture_on_commit_callbacks, monkeypatch
):
    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    with monkeypatch.context() as patch:
        patch.setattr(services, "write_export", full_disk)
        run_export_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "No space left on device" in job.message
    assert "No space left on device" in client.get(job.get_absolute_url()).content.decode()
    assert not job.file and client.get(reverse("exports:download", args=[job.pk])).status_code == 404

    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    salesperson.groups.clear()  # no longer in a security role: may read no accounts
    run_export_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "no longer read these records" in job.message


def test_a_running_job_whose_worker_stopped_is_shown_failed(client, salesperson):
    job = ExportJob.objects.create(target="accounts", file_format="csv", created_by=salesperson,
                                   state=ExportState.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    client.force_login(salesperson)
    assert "The worker stopped before writing the file." in client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.finished_at


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("count", [1, 30])
def test_the_job_page_runs_a_fixed_number_of_queries(
    client, salesperson, settings, media, django_assert_max_num_queries, django_capture_on_commit_callbacks,
    count, htmx,
):
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 0
    for _index in range(count):
        AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    job = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    headers = {"HX-Request": "true"} if htmx else {}
    # session, user, permissions (user, groups), the job with its user
    with django_assert_max_num_queries(5):
        assert client.get(job.get_absolute_url(), headers=headers).status_code == 200
    run_export_job.call(job.pk)
    with django_assert_max_num_queries(5):
        assert client.get(job.get_absolute_url(), headers=headers).status_code == 200


def test_old_exports_are_deleted_with_their_files(client, salesperson, accounts, threshold, media,
                                                 django_capture_on_commit_callbacks):
    client.force_login(salesperson)
    old = start_export(client, "accounts", django_capture_on_commit_callbacks, format="csv")
    recent = start_export(client, "accounts", django_capture_on_commit_callbacks, format="xml")
    for job in (old, recent):
        run_export_job.call(job.pk)
    old.refresh_from_db()
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    path = media / old.file.name
    assert path.exists()
    output = io.StringIO()
    call_command("delete_old_exports", "--days", "7", stdout=output)
    assert output.getvalue().strip() == "deleted 1 export jobs"
    assert not path.exists() and list(ExportJob.objects.all()) == [recent]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="The other process needs a shared database: PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_a_list_over_the_threshold_is_exported_by_a_real_worker(client, salesperson, accounts, threshold, media):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:export"), {"q": "dacia", "format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == ExportState.QUEUED and job.task_id

    worker = run_worker(media)
    assert worker.returncode == 0, worker.stderr

    job.refresh_from_db()
    assert (job.state, job.total_rows, job.processed_rows) == (ExportState.COMPLETED, 7, 7), job.message
    rows = file_rows(download(client, job)[1])
    assert sorted(row[0] for row in rows[1:]) == [
        "Dacia 0", "Dacia 1", "Dacia 2", "Dacia 3", "Dacia Service 0", "Dacia Service 1", "Dacia Veche",
    ]
