"""A note's attachments: checked by what the file holds, stored through Django's storage API, served as downloads.

A file is taken when its content is one of the kinds sales people attach
(PDF, images, Office and OpenDocument files, plain text and CSV), whatever its
name says: ``filetype`` reads the first bytes, and text is text when it
decodes as UTF-8 without control characters. It is stored under a name of
ours (``activities/2026/12/<random>``), so that no name a user gives reaches
the storage's paths; the user's file name is kept to offer the download
under, and the file is never shown inline.
"""

import secrets

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.params import clean_text

# What filetype names, by MIME type, that a note may carry.
ALLOWED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/zip",  # and what is built on it: docx, xlsx, pptx, odt, ods
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword",
    "application/vnd.ms-excel",
    "application/x-ole-storage",  # .doc and .xls as filetype sees them
}
TEXT = "text/plain"
MAX_ATTACHMENTS = 10


def max_size() -> int:
    return getattr(settings, "CRM_ATTACHMENT_MAX_SIZE", 10 * 1024 * 1024)


def sniff(head: bytes) -> str | None:
    """The MIME type the file's first bytes show, when it is one a note may carry; else None."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end inside a character.
        if error.start < len(head) - 3:
            return None
        text = head[: error.start].decode("utf-8")
    if any(ord(char) < 32 and char not in "\t\r\n\f" for char in text):
        return None
    return TEXT


def check(upload):
    """Refuse an uploaded file that is too large or not a kind a note carries; return (name, size, type)."""
    name = clean_text(upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    if upload.size > max_size():
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; an attachment can be at most %(limit).1f MB.")
            % {"name": name, "size": upload.size / 1048576, "limit": max_size() / 1048576},
            code="attachment_too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = sniff(head) if head else None
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a file a note can carry: attach PDF, images, Office or OpenDocument files, or text.")
            % {"name": name},
            code="attachment_type",
        )
    return name, upload.size, content_type


def store(upload) -> str:
    """Save the file under a name of ours; return the storage's name for it."""
    now = timezone.now()
    return default_storage.save(f"activities/{now:%Y/%m}/{secrets.token_urlsafe(16)}", upload)
