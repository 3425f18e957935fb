"""Two-factor sign-in: turning it on and off, recovery codes, checking a code; and unlocking a locked-out user."""

import logging
import re

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.signin.policy import two_factor_required

logger = logging.getLogger("crm.signin")

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

WRONG_CODE = _("That code is not right. Check that your phone's clock is correct and try again.")


def wrong_code_error():
    return ValidationError(WRONG_CODE, code="wrong_code")


def normalize_code(code):
    """The code without the spaces and dashes people type or paste, in lower case (recovery codes are)."""
    return re.sub(r"[\s-]", "", code or "").lower()


def is_authenticator_code(code):
    return re.fullmatch(r"\d{6}", code) is not None


@transaction.atomic
def two_factor_begin(*, user):
    """Start setting up an authenticator app: a new secret, which counts once a code from it is confirmed.

    Refused while two-factor sign-in is on: replacing the app takes turning it
    off first, with a code, so a borrowed session cannot swap in its own phone.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Two-factor sign-in is already on."), code="already_on")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    device.full_clean()
    device.save()
    return device


def two_factor_confirm(*, user, code):
    """Confirm the authenticator being set up with a code from it; return it and the new recovery codes.

    A wrong code is refused and counted by the device's throttling (so it is
    checked, and committed, before the changes).
    """
    code = normalize_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            raise ValidationError(_("Start turning on two-factor sign-in again."), code="no_pending_device")
        verified = is_authenticator_code(code) and device.verify_token(code)
    if not verified:
        raise wrong_code_error()
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
    logger.info("two-factor turned on username=%s", user.get_username())
    return device, codes


def two_factor_verify(*, user, code):
    """The user's confirmed device that accepts ``code`` (six digits: the app; else a recovery code, used up), or None.

    Each device throttles its own wrong codes (django-otp); the sign-in step
    also counts them as failed sign-ins (crm.signin.throttling).
    """
    code = normalize_code(code)
    if not code:
        return None
    model = TOTPDevice if is_authenticator_code(code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                if model is StaticDevice:
                    logger.info("recovery code used username=%s", user.get_username())
                return device
    return None


def two_factor_regenerate_codes(*, user, code):
    """New recovery codes for the user (the old ones stop working), after a code from one of the user's devices."""
    if two_factor_verify(user=user, code=code) is None:
        raise wrong_code_error()
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
    logger.info("recovery codes regenerated username=%s", user.get_username())
    return codes


def two_factor_disable(*, user, code):
    """Turn off the user's two-factor sign-in, after a code; refused while it is required for the user."""
    if two_factor_required(user):
        raise ValidationError(_("Two-factor sign-in is required for System Administrators."), code="required")
    if two_factor_verify(user=user, code=code) is None:
        raise wrong_code_error()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    logger.info("two-factor turned off username=%s", user.get_username())


def _replace_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=token) for token in codes])
    return codes


def sign_in_unlock(*, user, actor):
    """Clear the user name's failed sign-ins so the user can sign in again at once; return how many were cleared."""
    count = axes_reset(username=user.get_username())
    logger.info("sign-in unlocked username=%s by=%s attempts=%s", user.get_username(), actor.get_username(), count)
    return count


def two_factor_reset(*, user, actor):
    """Turn off a user's two-factor sign-in for them (a lost phone and lost recovery codes), by an administrator."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    logger.info("two-factor turned off username=%s by=%s", user.get_username(), actor.get_username())
