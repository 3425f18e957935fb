"""The daily reminder digest: each user's overdue and due-today tasks, calls and appointments, by email.

The task worker looks every CRM_REMINDER_INTERVAL_MINUTES minutes (the ``reminder_digests_send`` task
queues its own next run) for users whose digest time (crm.models.UserPreferences, default
CRM_REMINDER_DEFAULT_TIME) has passed today in their own time zone and who have not had today's. Each
digest is sent holding a lock on the user's preferences row, and the day is recorded in the same
transaction, so two workers send it once, and a digest the mail server refused is tried again at the next
look. A user with nothing overdue or due today gets no email; a user who turned the digest off, or has no
email address, gets none.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.activities.selectors import MyActivitiesView, my_activities
from crm.models import UserPreferences
from crm.preferences import default_reminder_time, preferences_of, time_zone_of

logger = logging.getLogger("crm.activities")

# At most this many activities of each list in one digest; the email links to the rest.
DIGEST_LIMIT = 25


def digest_content(*, user, now) -> dict | None:
    """The digest's lists for ``user`` at ``now`` (in the active time zone), or None when both are empty."""
    overdue = list(my_activities(user=user, view=MyActivitiesView.OVERDUE, now=now)[: DIGEST_LIMIT + 1])
    today = my_activities(user=user, view=MyActivitiesView.DUE_TODAY, now=now).filter(due_at__gte=now)
    today = list(today[: DIGEST_LIMIT + 1])
    if not overdue and not today:
        return None
    return {
        "user": user,
        "overdue": overdue[:DIGEST_LIMIT],
        "overdue_more": len(overdue) > DIGEST_LIMIT,
        "today": today[:DIGEST_LIMIT],
        "today_more": len(today) > DIGEST_LIMIT,
        "day": timezone.localdate(now),
        "site_url": settings.CRM_SITE_URL.rstrip("/"),
    }


def digest_message(context) -> EmailMultiAlternatives:
    subject = _("Your activities for %(day)s: %(overdue)d overdue, %(today)d due today") % {
        "day": context["day"].strftime("%Y-%m-%d"),
        "overdue": len(context["overdue"]),
        "today": len(context["today"]),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("activities/email/reminder_digest.txt", context),
        to=[context["user"].email],
    )
    message.attach_alternative(render_to_string("activities/email/reminder_digest.html", context), "text/html")
    return message


def _is_due(preferences, now) -> tuple[bool, datetime.date]:
    local = now.astimezone(time_zone_of(preferences))
    at = preferences.reminder_time or default_reminder_time()
    due = preferences.reminder_digest and local.time() >= at and preferences.reminder_sent_on != local.date()
    return due, local.date()


def reminder_digest_send(*, user, now=None) -> bool:
    """Send ``user`` today's digest if it is due and not yet sent; return whether an email went out."""
    now = now or timezone.now()
    with transaction.atomic():
        UserPreferences.objects.get_or_create(user=user)
        preferences = UserPreferences.objects.select_for_update().get(user=user)
        due, day = _is_due(preferences, now)
        if not due or not user.email:
            return False
        with (
            timezone.override(time_zone_of(preferences)),
            translation.override(preferences.language or settings.LANGUAGE_CODE),
        ):
            context = digest_content(user=user, now=now)
            message = digest_message(context) if context else None
        if message is not None:
            message.send()
        UserPreferences.objects.filter(pk=preferences.pk).update(reminder_sent_on=day)
        return message is not None


def reminder_digests_due_send(now=None) -> int:
    """Send every digest that is due at ``now``; return how many emails went out."""
    if not settings.CRM_EMAIL_ENABLED:
        return 0
    now = now or timezone.now()
    users = (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .exclude(email="")
        .filter(Q(preferences__isnull=True) | Q(preferences__reminder_digest=True))
        .select_related("preferences")
        .order_by("pk")
    )
    sent = 0
    for user in users:
        if not _is_due(preferences_of(user), now)[0]:
            continue
        try:
            sent += reminder_digest_send(user=user, now=now)
        except (OSError, smtplib.SMTPException):
            logger.exception("The reminder digest of %s was not sent; trying again at the next look", user.pk)
    return sent


def reminder_schedule_next(now=None):
    """Queue the next look for due digests at the next interval boundary, unless one is queued already."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from crm.activities.tasks import reminder_digests_send

    now = now or timezone.now()
    interval = max(1, settings.CRM_REMINDER_INTERVAL_MINUTES) * 60
    at = datetime.datetime.fromtimestamp((now.timestamp() // interval + 1) * interval, tz=datetime.UTC)
    queued = DBTaskResult.objects.filter(task_path=reminder_digests_send.module_path, status=TaskResultStatus.READY)
    if queued.exists():
        return None
    return reminder_digests_send.using(run_after=at).enqueue()
