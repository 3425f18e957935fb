"""Reads of a user's two-factor devices for the profile page and the second sign-in step."""

from dataclasses import dataclass

from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.signin.policy import two_factor_required


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    recovery_codes_left: int
    required: bool


def two_factor_status(user):
    """Whether the user's two-factor sign-in is on, how many recovery codes are left, and whether it is required."""
    return TwoFactorStatus(
        enabled=user_has_two_factor(user),
        recovery_codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
        required=two_factor_required(user),
    )


def user_has_two_factor(user):
    """Whether the user has a confirmed authenticator app, so signing in takes a code after the password."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user):
    """The authenticator app being set up (not yet confirmed with a code), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
