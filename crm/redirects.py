"""Where to send the user after a form: a ``next`` address only when it is on this site."""

from django.utils.http import url_has_allowed_host_and_scheme

from crm.params import query_number


def safe_next(request, url: str | None) -> str | None:
    """Return ``url`` when it is safe to redirect to from ``request``, else None."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def query_pk(request, name: str) -> int | None:
    """Return the positive integer in ``request.GET[name]``, or None when it is missing or not a number."""
    return query_number(request.GET, name)
