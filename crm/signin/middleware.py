"""With CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS on, a System Administrator's session must have shown a second factor."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django_otp import user_has_device

from crm.signin.policy import two_factor_required

# What a System Administrator may still open before setting up two-factor sign-in.
SETUP_VIEWS = {
    "profile:two_factor_begin",
    "profile:two_factor_setup",
    "profile:two_factor_qr",
    "profile:recovery_codes",
    "logout",
    "set_language",
}


class TwoFactorRequiredMiddleware:
    """Send an unverified System Administrator to set up two-factor sign-in, or to sign in again with a code.

    After django_otp's OTPMiddleware (request.user.is_verified) and Django's
    LoginRequiredMiddleware (anonymous users are sent to sign in first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS or not request.user.is_authenticated:
            return None
        if request.user.is_verified() or request.resolver_match.view_name in SETUP_VIEWS:
            return None
        if not two_factor_required(request.user):
            return None
        if user_has_device(request.user):
            # Signed in before the device was confirmed elsewhere: sign in again, this time with a code.
            logout(request)
            return redirect_to_login(request.get_full_path(), redirect_field_name=REDIRECT_FIELD_NAME)
        return redirect("profile:two_factor_setup")
