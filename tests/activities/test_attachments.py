"""A note's files: checked by what they hold, stored through the storage API, downloaded, never shown inline."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.activities.models import Activity, Attachment
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def post_note(client, account, *files, text="Oferta trimisă, vezi atașamentul."):
    return client.post(
        reverse("activities:note_create", args=["account", account.pk]),
        {"text": text, "attachments": list(files), "next": account.get_absolute_url()},
        follow=True,
    )


def test_a_note_with_files_and_their_download(client, salesperson, media):
    client.force_login(salesperson)
    account = AccountFactory()
    post_note(
        client,
        account,
        SimpleUploadedFile("Ofertă Carpați.pdf", PDF, content_type="text/html"),
        SimpleUploadedFile("notes.txt", "Discuție: preț, termen\n".encode(), content_type="image/png"),
    )
    note = Activity.objects.get()
    pdf, text = note.attachments.order_by("pk")
    # The type is what the bytes say, not what the browser claimed; the stored name is ours.
    assert (pdf.name, pdf.content_type, pdf.size) == ("Ofertă Carpați.pdf", "application/pdf", len(PDF))
    assert text.content_type == "text/plain"
    assert "Carpați" not in pdf.file.name and pdf.file.name.startswith("activities/")
    assert default_storage.exists(pdf.file.name)
    response = client.get(pdf.get_absolute_url())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Oferta Carpati.pdf\"; filename*=utf-8''Ofert%C4%83%20Carpa%C8%9Bi.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    panel = client.get(reverse("activities:timeline", args=["account", account.pk])).content.decode()
    assert pdf.get_absolute_url() in panel and "Ofertă Carpați.pdf" in panel


def test_a_file_that_is_not_a_kind_a_note_carries_refuses_the_note(client, salesperson, media):
    client.force_login(salesperson)
    account = AccountFactory()
    response = post_note(client, account, SimpleUploadedFile("factura.pdf", EXE, content_type="application/pdf"))
    assert "“factura.pdf” is not a file a note can carry" in response.content.decode()
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    assert not any(media.rglob("*")) or not any(path.is_file() for path in media.rglob("*"))


def test_a_file_over_the_limit_refuses_the_note(client, salesperson, settings, media):
    settings.CRM_ATTACHMENT_MAX_SIZE = 1000
    client.force_login(salesperson)
    account = AccountFactory()
    response = post_note(client, account, SimpleUploadedFile("poza.png", PNG + b"\x00" * 2000))
    assert "A file is larger than 0.0 MB" in response.content.decode() or "at most" in response.content.decode()
    assert not Activity.objects.exists()
    assert not any(path.is_file() for path in media.rglob("*"))


def test_a_later_failure_deletes_the_files_already_stored(salesperson, media, monkeypatch):
    from crm.activities import services

    account = AccountFactory()
    real_create = Attachment.objects.create
    made = []

    def create_then_fail(**kwargs):
        made.append(real_create(**kwargs))
        if len(made) == 2:
            raise RuntimeError("the database went away")
        return made[-1]

    monkeypatch.setattr(Attachment.objects, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        services.note_create(
            regarding=account,
            text="x",
            actor=salesperson,
            files=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG)],
        )
    assert not Activity.objects.exists()
    assert not any(path.is_file() for path in media.rglob("*"))


def test_deleting_the_note_deletes_its_files(salesperson, media, django_capture_on_commit_callbacks):
    from crm.activities import services

    note = services.note_create(
        regarding=AccountFactory(), text="x", actor=salesperson, files=[SimpleUploadedFile("a.pdf", PDF)]
    )
    name = note.attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_delete(activity=note, actor=salesperson)
    assert not default_storage.exists(name)


def test_a_user_without_a_role_cannot_download(client, user_without_role, salesperson, media):
    from crm.activities import services

    note = services.note_create(
        regarding=AccountFactory(), text="x", actor=salesperson, files=[SimpleUploadedFile("a.pdf", PDF)]
    )
    client.force_login(user_without_role)
    assert client.get(note.attachments.get().get_absolute_url()).status_code == 403
