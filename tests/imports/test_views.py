"""The import pages: who may import, the upload, the job page and its progress, failed rows, undo."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from crm.imports.models import ImportJob, ImportState
from tests.factories import AccountFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [["Account Name", "Account Number", "Email"], ["Dacia", "A-1", "office@dacia.ro"], ["Rău", "A-2", "nu-i email"]]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, data=None, name="conturi.csv", **fields):
    payload = {"target": "accounts", "mode": "upsert", "file": SimpleUploadedFile(name, data or csv_bytes(ROWS))}
    payload.update(fields)
    return client.post(reverse("imports:start"), payload)


def test_anonymous_is_sent_to_sign_in_and_salesperson_is_refused(client, salesperson, media):
    response = client.get(reverse("imports:start"))
    assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(salesperson)
    assert client.get(reverse("imports:start")).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(reverse("imports:list")).status_code == 403
    assert not Account.objects.exists()


@pytest.mark.parametrize("role", ["sales_manager", "administrator"])
def test_managers_and_administrators_import_and_see_the_job(client, role, request, media,
                                                            django_capture_on_commit_callbacks):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("imports:start")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.state, job.created_count, job.failed_count, job.created_by) == (ImportState.COMPLETED, 1, 1, user)
    assert job.file_format == "CSV" and job.file_name == "conturi.csv"
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert "nu-i email" not in content or "Email" in content
    assert "Enter a valid email address." in content
    assert 'hx-trigger="every 1s"' not in content  # finished: no more polling
    assert job.file_name in client.get(reverse("imports:list")).content.decode()


def test_a_refused_file_is_an_error_beside_the_field_and_nothing_is_recorded(client, sales_manager, media):
    client.force_login(sales_manager)
    response = upload(client, b"Account Name\r\n")
    assert response.status_code == 200
    assert "header row but no data rows" in response.content.decode()
    assert not ImportJob.objects.exists() and not Account.objects.exists()


def test_running_job_page_polls_its_progress_with_htmx(client, sales_manager):
    job = ImportJob.objects.create(target="accounts", file_name="mare.csv", created_by=sales_manager,
                                   state=ImportState.RUNNING, total_rows=200, processed_rows=50)
    client.force_login(sales_manager)
    content = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in content and 'value="25"' in content
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert partial.strip().startswith('<div id="job-progress"') and "<html" not in partial


def test_jobs_are_private_except_to_administrators(client, sales_manager, administrator):
    from tests.factories import SalesManagerFactory

    other = SalesManagerFactory(username="alt.manager")
    job = ImportJob.objects.create(target="accounts", file_name="al-meu.csv", created_by=sales_manager)
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert "al-meu.csv" not in client.get(reverse("imports:list") + "?show=all").content.decode()
    client.force_login(administrator)
    assert client.get(job.get_absolute_url()).status_code == 200
    assert "al-meu.csv" in client.get(reverse("imports:list") + "?show=all").content.decode()


def test_failed_rows_download_csv_and_xlsx(client, sales_manager, media, django_capture_on_commit_callbacks):
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client)
    job = ImportJob.objects.get()
    response = client.get(reverse("imports:failed_rows", args=[job.pk, "csv"]))
    text = response.content.decode("utf-8-sig").splitlines()
    assert text[0] == "Account Name,Account Number,Email,Error"
    assert text[1].startswith("Rău,A-2,nu-i email,Email: Enter a valid email address.")
    response = client.get(reverse("imports:failed_rows", args=[job.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][:3] == ["Rău", "A-2", "nu-i email"]
    # The failed-rows file, fixed, imports again.
    fixed = csv_bytes([text[0].split(",")[:3], ["Rău", "A-2", "office@rau.ro"]])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, fixed)
    assert Account.objects.get(account_number="A-2").email == "office@rau.ro"


def test_undo_removes_created_restores_updated_and_leaves_changed_records(client, sales_manager, media,
                                                                           django_capture_on_commit_callbacks):
    from accounts.services import account_update

    updated = AccountFactory(name="Dacia", account_number="A-1", city="Pitești", owner=sales_manager)
    touched = AccountFactory(name="Petrom", account_number="P-1", city="Ploiești", owner=sales_manager)
    rows = [["Account Name", "Account Number", "City"], ["Dacia", "A-1", "Mioveni"], ["Petrom", "P-1", "București"],
            ["Nou", "N-1", "Iași"]]
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert (job.created_count, job.updated_count) == (1, 2)
    touched.refresh_from_db()
    account_update(account=touched, actor=sales_manager, city="Câmpina")
    response = client.post(reverse("imports:undo", args=[job.pk]), follow=True)
    assert "Import undone" in response.content.decode()
    updated.refresh_from_db()
    touched.refresh_from_db()
    assert updated.city == "Pitești"
    assert touched.city == "Câmpina"  # changed by someone after the import: their value is kept
    assert not Account.objects.filter(account_number="N-1").exists()
    job.refresh_from_db()
    assert job.state == ImportState.UNDONE and "Petrom" in job.message
    # Said on the page in the reader's language (from undone_at), not stored in the undoing user's.
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"by {sales_manager.get_full_name() or sales_manager.get_username()}." in page
    response = client.post(reverse("imports:undo", args=[job.pk]), follow=True)
    assert "This import was already undone." in response.content.decode()


@pytest.mark.parametrize("count", [1, 50])
def test_job_list_and_page_run_a_fixed_number_of_queries(client, administrator, django_assert_max_num_queries,
                                                         count):
    from crm.imports.models import ImportRowIssue

    for index in range(count):
        job = ImportJob.objects.create(target="accounts", file_name=f"f{index}.csv", created_by=administrator,
                                       state=ImportState.COMPLETED, failed_count=1)
        ImportRowIssue.objects.create(job=job, kind="failed", row_number=index + 2, column="Email", message="Rău")
        ImportRowIssue.objects.create(job=job, kind="skipped", row_number=index + 2, message="Duplicat")
    client.force_login(administrator)
    # session, user, stale-job update, count, page of jobs
    with django_assert_max_num_queries(6):
        assert client.get(reverse("imports:list") + "?show=all").status_code == 200
    # session, user, stale-job update, job, failed rows, skipped rows, rows with warnings
    with django_assert_max_num_queries(8):
        assert client.get(job.get_absolute_url()).status_code == 200
