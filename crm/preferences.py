"""A user's own settings (crm.models.UserPreferences): their time zone, language and daily reminder digest.

The time zone is kept in the session at sign-in and on saving, so that
``UserTimeZoneMiddleware`` shows every page's times in it without a query.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_time

from crm.models import UserPreferences

SESSION_KEY = "crm_time_zone"
EDITABLE_FIELDS = ("time_zone", "language", "reminder_digest", "reminder_time")


def preferences_of(user) -> UserPreferences:
    """The user's preferences: their saved row, or an unsaved one holding the defaults."""
    try:
        return user.preferences
    except UserPreferences.DoesNotExist:
        return UserPreferences(user=user)


def default_reminder_time() -> datetime.time:
    return parse_time(settings.CRM_REMINDER_DEFAULT_TIME) or datetime.time(8, 0)


def time_zone_of(preferences) -> zoneinfo.ZoneInfo:
    """The user's time zone, or the site's when they have not chosen one (or it is no longer known)."""
    try:
        return zoneinfo.ZoneInfo(preferences.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@transaction.atomic
def preferences_update(*, user, data: dict, actor, request=None) -> UserPreferences:
    """Save ``user``'s preferences (only their own: actor is user); the session's time zone follows."""
    if actor.pk != user.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Users set only their own preferences.")
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not preferences: {', '.join(sorted(unknown))}")
    preferences = UserPreferences.objects.select_for_update().filter(user=user).first() or UserPreferences(user=user)
    for name, value in data.items():
        setattr(preferences, name, value)
    preferences.full_clean()
    preferences.save()
    user.preferences = preferences
    if request is not None:
        remember_time_zone(request, preferences)
    return preferences


def remember_time_zone(request, preferences):
    if preferences.time_zone:
        request.session[SESSION_KEY] = preferences.time_zone
    else:
        request.session.pop(SESSION_KEY, None)


@receiver(user_logged_in, dispatch_uid="crm.preferences.time_zone_at_sign_in")
def _time_zone_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # Read afresh: the user object may have cached that it had none.
        remember_time_zone(request, UserPreferences.objects.filter(user=user).first() or UserPreferences(user=user))


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's time zone (kept in their session), the site's otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
