"""Sign-in throttling: which address a request comes from, when a lockout ends, and its page and log lines.

The counting itself is django-axes' (its database handler, settings AXES_* in
crm/settings.py); wrong second-step codes count as failed sign-ins too.
"""

import logging

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger("crm.signin")


def client_ip(request):
    """The address a request comes from: REMOTE_ADDR, or the one the trusted proxies in front report.

    Behind CRM_TRUSTED_PROXY_COUNT proxies, each of which appends the address it
    was reached from to X-Forwarded-For, the client is that many entries from
    the right; entries further left are whatever the client sent and are not
    trusted (else anyone could choose the address their failures count against).
    """
    address = request.META.get("REMOTE_ADDR")
    count = settings.CRM_TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = forwarded[-count]
    return address


# The longest user name failures are counted and logged under: a user name can be no longer (django-axes'
# column holds 255, and a longer one made PostgreSQL refuse the failure's row, a 500).
USERNAME_MAX_LENGTH = 150


def username_of(request, credentials):
    """The user name a sign-in tries (AXES_USERNAME_CALLABLE), cut to the longest a user name can be."""
    field = settings.AXES_USERNAME_FORM_FIELD
    name = credentials.get(field) if credentials else request.POST.get(field) if request is not None else None
    return str(name or "")[:USERNAME_MAX_LENGTH]


def credentials_for(username):
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def is_locked_out(request, username):
    """Whether sign-in is locked for this user name or this request's address."""
    return not AxesProxyHandler.is_allowed(request, credentials_for(username)) or address_locked_until(request)


def address_locked_until(request):
    """When the lock on this request's address ends, or None: CRM_SIGNIN_ADDRESS_FAILURE_LIMIT failures from it.

    An address has a limit of its own, higher than a user name's: a whole office signs in from one
    address behind its router, and one person's mistyped password must not lock the others out,
    while one address trying many user names is still stopped.
    """
    limit = settings.CRM_SIGNIN_ADDRESS_FAILURE_LIMIT
    cool_off = get_cool_off(request)
    failures = AccessFailureLog.objects.filter(
        ip_address=client_ip(request), attempt_time__gte=timezone.now() - cool_off
    ).order_by("-attempt_time").values_list("attempt_time", flat=True)
    times = list(failures[limit - 1:limit])
    return times[0] + cool_off if times else None


def record_failure(request, username):
    """Count a wrong second-step code as a failed sign-in of ``username`` (Django's user_login_failed signal)."""
    user_login_failed.send(sender=__name__, credentials=credentials_for(username), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def lock_ends_at(request, credentials):
    """When the lockout that applies to this request ends, or None when none applies.

    django-axes counts the failures newer than the cool-off, per user name and
    per address; a lockout lasts until the oldest of the failures it needs is
    older than the cool-off.
    """
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    ends = address_locked_until(request)
    for attempts in handler.get_user_attempts(request, credentials):
        total = 0
        for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
            "attempt_time", "failures_since_start"
        ):
            total += failures
            if total >= limit:
                candidate = attempt_time + cool_off
                ends = candidate if ends is None else max(ends, candidate)
                break
    return ends


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): status 429, saying when to try again."""
    context = {"unlock_at": lock_ends_at(request, credentials or {}), "cool_off": get_cool_off(request)}
    return render(request, "signin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def log_locked_out(sender, request, username, ip_address, **kwargs):
    logger.warning("sign-in locked out username=%s address=%s", str(username)[:USERNAME_MAX_LENGTH], ip_address)


def log_failure(sender, credentials, request=None, **kwargs):
    username = username_of(request, credentials)
    address = client_ip(request) if request is not None else None
    logger.warning("sign-in failed username=%s address=%s", username, address)


def connect_signals():
    user_locked_out.connect(log_locked_out, dispatch_uid="crm.signin.log_locked_out")
    user_login_failed.connect(log_failure, dispatch_uid="crm.signin.log_failure")
