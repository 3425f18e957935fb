"""Request bodies are refused by their declared size before they are read; files go only to the import pages."""

import io
import socket
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from crm.imports.models import ImportJob

pytestmark = pytest.mark.django_db

GIGABYTE = 1 << 30


class EndlessBody(io.RawIOBase):
    """A request body of any declared length, counting what the server reads of it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if self.read_bytes >= 8 * 1048576:  # enough to show the body was being read: end it
            return b""
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size

    def readline(self, size=-1):
        return self.read(size)


@pytest.fixture
def upload_dir(settings, tmp_path):
    """Uploads of any size go to a temporary file in a folder the test watches."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return folder


def declared_post(client, path, length, **extra):
    body = EndlessBody()
    response = client.generic(
        "POST", path, b"", content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length), **{"wsgi.input": body}, **extra,
    )
    return response, body


def test_a_gigabyte_anonymous_sign_in_post_is_refused_without_reading_it(client, upload_dir):
    response, body = declared_post(client, reverse("login"), GIGABYTE)

    assert response.status_code == 413
    assert body.read_bytes == 0
    assert "1024.0 MB" in response.content.decode() and "2.5 MB" in response.content.decode()
    assert list(upload_dir.iterdir()) == []


def test_a_60_megabyte_import_is_refused_before_it_is_stored(client, sales_manager, upload_dir):
    client.force_login(sales_manager)
    response, body = declared_post(client, reverse("imports:start"), 60 * 1048576)

    assert response.status_code == 413
    assert body.read_bytes == 0
    page = response.content.decode()
    assert "60.0 MB" in page and "at most 50.0 MB" in page
    assert not ImportJob.objects.exists()
    assert list(upload_dir.iterdir()) == []


def test_an_import_file_under_the_limit_still_reaches_the_import(
    client, sales_manager, upload_dir, django_capture_on_commit_callbacks
):
    client.force_login(sales_manager)
    upload = io.BytesIO(b"Account Name,City\nAlfa SRL,Cluj\n")
    upload.name = "conturi.csv"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:start"), {"target": "accounts", "mode": "create", "file": upload})

    assert response.status_code == 302
    assert ImportJob.objects.get().created_count == 1


@pytest.mark.parametrize("who", ["anonymous", "salesperson"])
def test_only_users_who_may_import_may_send_an_import_sized_body(client, salesperson, upload_dir, who):
    if who == "salesperson":
        client.force_login(salesperson)
    response, body = declared_post(client, reverse("imports:start"), 3 * 1048576)

    assert response.status_code == 413
    assert body.read_bytes == 0


def test_a_file_sent_to_a_page_that_takes_none_is_skipped_unwritten(client, salesperson, upload_dir, monkeypatch):
    opened = []
    original = TemporaryFileUploadHandler.new_file
    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file",
                        lambda self, *args, **kwargs: opened.append(args) or original(self, *args, **kwargs))
    client.force_login(salesperson)
    upload = io.BytesIO(b"y" * 100_000)
    upload.name = "payload.html"

    response = client.post(reverse("accounts:create"), {"name": "Alfa SRL", "relationship_type": "customer",
                                                        "currency": "RON", "attachment": upload})

    assert response.status_code == 302  # the form's own fields are read as usual
    assert opened == []  # no handler after ours saw the file
    assert list(upload_dir.iterdir()) == []


def test_an_upload_that_passes_the_limit_while_streaming_is_stopped_and_deleted(
    client, sales_manager, upload_dir, settings
):
    # The declared length is within the body limit (file limit plus the form's overhead), the file is not.
    settings.CRM_IMPORT_MAX_UPLOAD_SIZE = 100_000
    client.force_login(sales_manager)
    upload = io.BytesIO(b"Account Name\n" + b"Alfa SRL\n" * 15_000)
    upload.name = "conturi.csv"

    response = client.post(reverse("imports:start"), {"target": "accounts", "mode": "create", "file": upload})

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is larger than 0.1 MB, the most an import takes. Nothing was stored."
    ]
    assert not ImportJob.objects.exists()
    assert list(upload_dir.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_the_server_answers_413_while_the_client_is_still_sending(live_server, settings, tmp_path):
    """Over a real socket: the answer comes after 64 KB of a declared gigabyte, and nothing is written."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(
            b"POST /login/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            + f"Content-Length: {GIGABYTE}\r\n\r\n".encode()
        )
        connection.sendall(b"--xyz\r\n" + b"x" * 65536)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert list(tmp_path.iterdir()) == []
