"""Request logging: one key=value line per request, for log tools (Loki, journald, grep)."""

import logging
import time

logger = logging.getLogger("crm.requests")


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
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else "-"
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
