"""Who must use two-factor sign-in."""

from django.conf import settings

from crm import roles


def is_system_administrator(user):
    """Whether the user is a System Administrator: in that security role, or a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=roles.SYSTEM_ADMINISTRATOR).exists()


def two_factor_required(user):
    """Whether this user must sign in with a second factor (CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS)."""
    return settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS and is_system_administrator(user)
