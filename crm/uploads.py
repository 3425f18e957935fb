"""Request bodies: refused by their declared size before a byte is read, files only where imports and notes take them.

Django reads a body on first use of ``request.POST`` or ``request.FILES`` (the CSRF check is the first);
a multipart body is streamed to a temporary file as it arrives. So the size a request declares is
checked in the middleware, before any view or the CSRF check runs:

- a view marked with ``accepts_uploads`` takes a file of up to ``CRM_IMPORT_MAX_UPLOAD_SIZE`` plus
  ``CRM_UPLOAD_FORM_OVERHEAD`` for its other fields, from a signed-in user with ``crm.import_data``;
- a view marked with ``accepts_attachments`` (the Timeline's note box) takes up to ten files of up to
  ``CRM_ATTACHMENT_MAX_SIZE`` each (10 MB), from a signed-in user who may add activities;
- every other request takes at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's form body limit), and
  no file at all (``UploadLimitHandler`` skips any file part).

A body without a declared length (chunked) is never read by Django under WSGI. ``UploadLimitHandler``
also stops an upload whose file passes the limit while it streams, deleting what was written.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve


def accepts_uploads(view):
    """Mark ``view`` as one that takes an import file (the upload page, the admin's import step)."""
    view.accepts_uploads = "import"
    return view


def accepts_attachments(view):
    """Mark ``view`` as one that takes a note's attached files, from whoever may add activities."""
    view.accepts_uploads = "attachment"
    return view


def file_limit():
    return getattr(settings, "CRM_IMPORT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024)


def attachment_limit():
    return getattr(settings, "CRM_ATTACHMENT_MAX_SIZE", 10 * 1024 * 1024)


# What each kind of upload view takes: the limit of one file, how many files, and the permission its user needs.
UPLOADS = {
    "import": (file_limit, 1, "crm.import_data"),
    # A note carries up to ten files (crm.activities.attachments.MAX_ATTACHMENTS).
    "attachment": (attachment_limit, 10, "activities.add_activity"),
}


def form_limit():
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def _upload_limit(request) -> tuple[int, int] | None:
    """The limit of one file and how many this request's URL takes, when the user may send them there; else None."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    kind = getattr(match.func, "accepts_uploads", None)
    if kind not in UPLOADS:
        return None
    limit, count, permission = UPLOADS[kind]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm(permission):
        return limit(), count
    return None


def body_limit(request) -> int:
    """The most bytes this request may send: an import file for those who may import there, a note's files
    for those who may add activities, else a form."""
    if (upload := _upload_limit(request)) is not None:
        request.crm_file_limit, count = upload
        return request.crm_file_limit * count + getattr(settings, "CRM_UPLOAD_FORM_OVERHEAD", 64 * 1024)
    request.crm_file_limit = None
    return form_limit()


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}"


def too_large(request, size: int, limit: int):
    page = render_to_string(
        "413.html",
        {
            "size_mb": _megabytes(size),
            "limit_mb": _megabytes(request.crm_file_limit or limit),
            "file_limit": request.crm_file_limit,
        },
        request,
    )
    return HttpResponse(page, status=413)


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose declared body is over its URL's limit, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = body_limit(request)
        if declared > limit:
            return too_large(request, declared, limit)
        return self.get_response(request)


def upload_refused(request):
    """The file limit, when this request's file was stopped for passing it while it streamed; else None."""
    return getattr(request, "crm_upload_refused", None)


class UploadLimitHandler(FileUploadHandler):
    """First of the upload handlers: skip files where none are taken, stop one that passes the file limit."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if not hasattr(self.request, "crm_file_limit"):  # a request that did not pass the middleware
            body_limit(self.request)
        if self.request.crm_file_limit is None:
            raise SkipFile()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > self.request.crm_file_limit:
            self.request.crm_upload_refused = self.request.crm_file_limit
            # The parser closes (and so deletes) the temporary file written so far, and reads no further.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None

