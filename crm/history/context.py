"""Through which path a change is made: set once by the entry point, read by the services.

A request sets "web" (or "admin" under the Django admin) in HistoryPathMiddleware;
an import job wraps its run in ``recording(via=Via.IMPORT, import_job_id=job.pk)``;
anything else (management commands, the shell, scheduled tasks) is "command".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from crm.history.models import Via

_via: ContextVar[str] = ContextVar("crm_history_via", default=Via.COMMAND)
_import_job_id: ContextVar[int | None] = ContextVar("crm_history_import_job_id", default=None)


def current_via() -> str:
    return _via.get()


def current_import_job_id() -> int | None:
    return _import_job_id.get()


@contextmanager
def recording(*, via: str, import_job_id: int | None = None):
    """Record every change made inside the block as made through ``via`` (and by that import job)."""
    if via not in Via.values:
        raise ValueError(f"Unknown change path {via!r}; expected one of {', '.join(Via.values)}.")
    via_token = _via.set(via)
    job_token = _import_job_id.set(import_job_id)
    try:
        yield
    finally:
        _import_job_id.reset(job_token)
        _via.reset(via_token)


class HistoryPathMiddleware:
    """Mark changes made during a request as made on the web, or in the admin for admin pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via_token = _via.set(Via.WEB)
        job_token = _import_job_id.set(None)
        try:
            return self.get_response(request)
        finally:
            _import_job_id.reset(job_token)
            _via.reset(via_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            # __call__ resets to the value it found, undoing this too.
            _via.set(Via.ADMIN)
        return None
