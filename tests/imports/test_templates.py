"""Import templates: who may download them, the headers the importer reads, and a template imports back."""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports.engine import ImportOptions
from crm.imports.models import ImportState
from crm.imports.services import import_job_start

pytestmark = pytest.mark.django_db

TARGETS = [("accounts", Account), ("contacts", Contact)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def template_url(target="accounts", file_format="csv"):
    return reverse("imports:template", args=[target, file_format])


def read_rows(response, file_format):
    content = b"".join(response) if response.streaming else response.content
    if file_format == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # so Excel opens it as UTF-8
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_anonymous_is_sent_to_sign_in_and_a_salesperson_is_refused(client, salesperson):
    response = client.get(template_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(salesperson)  # salespeople do not import (crm/roles.py)
    assert client.get(template_url()).status_code == 403
    assert client.get(template_url("contacts", "xlsx")).status_code == 403


def test_an_unknown_kind_of_record_or_format_is_not_found(client, sales_manager):
    client.force_login(sales_manager)
    assert client.get(template_url("payments", "csv")).status_code == 404
    assert client.get(template_url("accounts", "xls")).status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_headers_are_the_columns_labels_with_a_row_of_examples(
    client, sales_manager, file_format, django_assert_max_num_queries
):
    client.force_login(sales_manager)
    # session, user, its own and its groups' permissions (crm.import_data): no record is read
    with django_assert_max_num_queries(4):
        response = client.get(template_url("accounts", file_format))
    assert response.status_code == 200
    expected_type = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats"
    assert response["Content-Type"].startswith(expected_type)
    assert f'.{file_format}"' in response["Content-Disposition"]
    headers, example, *more = read_rows(response, file_format)
    assert headers[:3] == ["Account Name", "Account Number", "Relationship Type"]
    assert {"Industry", "Email", "Annual Revenue", "Owner"} <= set(headers)
    assert not more
    row = dict(zip(headers, example, strict=True))
    assert row["Account Name"] and row["Relationship Type"] == "Customer" and row["Status"] == "Active"


def test_headers_are_in_the_users_language(client, sales_manager):
    client.force_login(sales_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    headers, example = read_rows(client.get(template_url("contacts", "csv")), "csv")
    assert headers[:2] == ["Prenume", "Nume"]
    assert "Last Name" not in headers


@pytest.mark.parametrize("language", ["en", "ro"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("target", "model"), TARGETS)
def test_a_downloaded_template_imports_back_as_one_record(
    client, sales_manager, media, target, model, file_format, language, django_capture_on_commit_callbacks
):
    client.force_login(sales_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(template_url(target, file_format))
    upload = SimpleUploadedFile(f"template.{file_format}", response.content)

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_start(
            actor=sales_manager, target=target, uploaded_file=upload, options=ImportOptions(target=target)
        )
    job.refresh_from_db()
    assert (job.state, job.created_count, job.failed_count) == (ImportState.COMPLETED, 1, 0), job.message
    assert not job.issues.exists(), list(job.issues.values_list("column", "message"))
    assert job.ignored_columns == []  # every header of the template names a field
    record = model.objects.get()
    assert record.owner == sales_manager
    if target == "accounts":
        assert (record.name, record.city, record.number_of_employees) == ("Carpați Logistic SRL", "Cluj-Napoca", 25)
    else:
        assert (record.first_name, record.last_name, record.account) == ("Ana", "Popescu", None)


def test_the_upload_page_links_every_template(client, sales_manager):
    client.force_login(sales_manager)
    content = client.get(reverse("imports:start")).content.decode()
    for target, _model in TARGETS:
        for file_format in ("xlsx", "csv"):
            assert f'href="{template_url(target, file_format)}"' in content
