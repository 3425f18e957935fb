"""Request logging, the Permissions-Policy header, and the 503 page a request gets when the database connection is lost.

The request log is one key=value line per request, for log tools (Loki, journald, grep).
"""

import logging
import sys
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger("crm.requests")
database_logger = logging.getLogger("crm.database")

# What the 503 page asks the browser (and any proxy or monitor) to wait before trying again, in seconds.
RETRY_AFTER_SECONDS = 10
# A lost or refused connection (PostgreSQL restarting, a connection terminated, a network cut) and, on
# SQLite, a locked database: worth trying again. An IntegrityError or a ProgrammingError is a fault.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def _quote(value):
    """Quote a logfmt value when it holds spaces, quotes or equals signs."""
    text = str(value)
    if text and not any(char in text for char in ' "=\\'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RequestLogMiddleware:
    """Log method, path, status, duration in ms and user id of every request, as one logfmt line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            user_id = _user_id(request)
            fields = {
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": f"{duration_ms:.1f}",
                "user_id": user_id,
            }
            line = " ".join(f"{key}={_quote(value)}" for key, value in fields.items())
            level = logging.ERROR if status >= 500 else logging.INFO
            logger.log(level, line, extra={"request_log": fields})


def _user_id(request):
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else "-"
    except (DatabaseError, InterfaceError):
        # The user is looked up on first use; with the database gone the line is still written.
        return "-"


class DatabaseUnavailableMiddleware:
    """Answer a lost database connection during the view with a 503 page asking to retry, not a 500 traceback.

    Django closes the broken connection when the request ends (close_old_connections),
    so the next request connects again. A connection lost before the view, when
    another middleware looks up the session or the user, reaches ``server_error``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, CONNECTION_ERRORS):
            return database_unavailable(request, exception)
        return None


def database_unavailable(request, exception):
    """The 503 page, rendered without the database: no session, no user, no context processors."""
    database_logger.error(
        "Database unavailable during %s %s: %s", request.method, request.path, exception, exc_info=exception
    )
    context = {
        "request": request,
        # The language switcher posts a form; the token is a cookie (CSRF_USE_SESSIONS is off).
        "csrf_token": get_token(request),
        # Asking again is safe for a page; a form posted again could save twice, so that one is only explained.
        "retry_url": request.get_full_path() if request.method in ("GET", "HEAD") else None,
        "retry_after": RETRY_AFTER_SECONDS,
    }
    # A plain context, not render(request, ...): the context processors would look up the user and the site map.
    response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request):
    """The 500 handler: the 503 page when the database was lost outside the view (handler500 in crm.urls)."""
    # Django calls the handler while it handles the exception, so the exception is the current one.
    exception = sys.exception()
    if isinstance(exception, CONNECTION_ERRORS):
        return database_unavailable(request, exception)
    return defaults.server_error(request)


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header of settings.PERMISSIONS_POLICY: the browser features a page may use.

    A view that sets the header itself keeps its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = permissions_policy(settings.PERMISSIONS_POLICY)
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def permissions_policy(features):
    """The header value for ``features``, a mapping of feature to allowlist: ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(allowlist)})" for feature, allowlist in features.items())
