"""Workbooks, XML and vCards are parsed by a child process with memory and CPU limits, never by the web worker."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from crm.imports.formats import AnyFormat
from crm.imports.models import ImportJob, ImportState
from crm.imports.readers import FileRefused, open_table
from crm.imports.services import import_job_run
from tests.imports.conftest import xlsx_bytes
from tests.security.hostile_files import ods_bomb, xlsx_shared_strings_bomb, zip_of_many_parts

pytestmark = pytest.mark.django_db

# Enough for the reading child to read an ordinary file (it starts at about 105 MB of address space),
# not enough for the 10.5 MB of XML the .ods bomb parses into about 330 MB.
SMALL_MEMORY = 256 * 1048576


@pytest.fixture(scope="session")
def bomb_ods():
    return ods_bomb()


@pytest.fixture(scope="session")
def bomb_xlsx():
    return xlsx_shared_strings_bomb()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, data, name):
    payload = {"target": "accounts", "mode": "upsert", "file": SimpleUploadedFile(name, data)}
    return client.post(reverse("imports:start"), payload)


def test_the_bombs_are_small_files_that_expand(bomb_ods, bomb_xlsx):
    ods = zipfile.ZipFile(io.BytesIO(bomb_ods))
    assert len(bomb_ods) < 120_000 and ods.getinfo("content.xml").file_size > 10_000_000
    xlsx = zipfile.ZipFile(io.BytesIO(bomb_xlsx))
    assert xlsx.getinfo("xl/sharedStrings.xml").file_size > 45_000_000


def test_an_upload_that_cannot_be_checked_quickly_goes_to_the_worker_unread(
    client, sales_manager, media, bomb_ods, django_capture_on_commit_callbacks
):
    # 80 KB: small enough to be imported during the request, if its size were all that counted.
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, bomb_ods, "conturi.ods")

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.state == ImportState.QUEUED and job.task_id  # queued for the task worker, not run here
    assert job.file_size == len(bomb_ods) and job.total_rows is None
    assert not Account.objects.exists()


def test_a_file_past_the_memory_limit_fails_its_job_and_kills_only_the_reading_child(
    client, sales_manager, media, bomb_ods, settings, django_capture_on_commit_callbacks
):
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, bomb_ods, "conturi.ods")
    settings.CRM_IMPORT_READER_MEMORY = SMALL_MEMORY

    import_job_run(job=ImportJob.objects.get())  # what the task worker runs

    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert job.message == (
        "The file is too large to read safely: reading it needed more than 256 MB of memory."
    )
    assert not Account.objects.exists()


def test_a_file_past_the_time_limit_is_refused_as_too_large(bomb_ods, settings):
    settings.CRM_IMPORT_READER_SECONDS = 1
    with pytest.raises(FileRefused, match=r"^The file is too large to read safely: reading it took more than 1 s"):
        open_table(io.BytesIO(bomb_ods))


def test_a_workbook_of_huge_shared_strings_is_refused_in_the_child(bomb_xlsx, settings):
    # openpyxl holds every shared string before the first row: about 75 MB for these 45 MB of XML.
    settings.CRM_IMPORT_READER_MEMORY = 150 * 1048576
    with pytest.raises(FileRefused, match="too large to read safely: reading it needed more than 150 MB"):
        open_table(io.BytesIO(bomb_xlsx))


def test_the_admins_preview_reads_with_the_web_requests_time_limit(bomb_ods, settings):
    settings.CRM_IMPORT_WEB_READ_SECONDS = 1
    with pytest.raises(FileRefused, match="took more than 1 seconds"):
        AnyFormat().create_dataset(bomb_ods)


def test_an_ordinary_workbook_is_read_in_the_child_with_the_same_small_limits(small_limits):
    table = open_table(io.BytesIO(xlsx_bytes([["Account Name", "City"], ["Dacia SA", "Mioveni"]])))
    assert table.headers == ["Account Name", "City"]
    assert list(table.rows) == [(2, ["Dacia SA", "Mioveni"])]


@pytest.fixture
def small_limits(settings):
    settings.CRM_IMPORT_READER_MEMORY = SMALL_MEMORY
    settings.CRM_IMPORT_READER_SECONDS = 5
    return settings


def test_an_in_memory_upload_is_spilled_for_the_child_and_the_copy_removed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    table = open_table(io.BytesIO(xlsx_bytes([["Account Name"], ["Dacia SA"]])))
    assert [path.name for path in tmp_path.iterdir()][0].startswith("crm-import-")
    assert list(table.rows) == [(2, ["Dacia SA"])]
    assert list(tmp_path.iterdir()) == []


def test_an_archive_of_too_many_parts_is_refused_from_its_end_record_before_it_is_opened(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the archive's directory was parsed")

    monkeypatch.setattr("crm.imports.readers.check_zip", never)
    with pytest.raises(FileRefused, match="holds more than 1000 parts"):
        open_table(io.BytesIO(zip_of_many_parts(1500)))


def test_the_child_reads_with_the_importing_process_settings(settings):
    settings.CRM_IMPORT_MAX_ROWS = 1
    with pytest.raises(FileRefused, match="more than 1 rows"):
        list(open_table(io.BytesIO(xlsx_bytes([["Account Name"], ["A"], ["B"]]))).rows)


def _with_sheet_text(data, old, new):
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(old, new)
            archive.writestr(info, part)
    return buffer.getvalue()


def test_an_undefined_entity_met_while_rows_are_read_refuses_the_file(
    client, sales_manager, media, django_capture_on_commit_callbacks
):
    # Past the first 20 rows, which the reader reads at once to find the header row.
    rows = [["Account Name"], *[[f"Firma {n} SA"] for n in range(30)], ["Petrom SA"]]
    data = _with_sheet_text(xlsx_bytes(rows), b"<t>Petrom SA</t>", b"<t>&undefined;</t>")
    with pytest.raises(FileRefused, match="cannot be read"):
        list(open_table(io.BytesIO(data)).rows)

    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, "conturi.xlsx")
    assert response.status_code == 302  # the header and first rows are fine: the job stops where the entity is
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED and "cannot be read" in job.message


def test_an_undefined_entity_in_the_first_rows_refuses_the_file_at_the_upload(client, sales_manager, media):
    data = _with_sheet_text(xlsx_bytes([["Account Name"], ["Dacia SA"], ["Petrom SA"]]), b"<t>Petrom SA</t>",
                            b"<t>&undefined;</t>")
    client.force_login(sales_manager)
    response = upload(client, data, "conturi.xlsx")
    # Read while the header row is looked for: refused on the upload page, no job started.
    assert response.status_code == 200 and "cannot be read" in response.content.decode()
    assert not ImportJob.objects.exists()
