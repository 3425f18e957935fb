"""The Django admin's site: one sign-in page for the whole CRM, and a verified second factor when required."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device


class CrmAdminSite(admin.AdminSite):
    """admin.site: with CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS on, only sessions verified by a device get in.

    Its own sign-in form is not used: it would sign a user in with the password
    alone, past the CRM's second step, so it sends to the CRM's sign-in page.
    """

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS:
            return request.user.is_verified()
        return True

    @login_not_required
    def login(self, request, extra_context=None):
        user = request.user
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS and user.is_active and user.is_staff and not user.is_verified():
            if user_has_device(user):
                # Signed in without a code (before the device was confirmed elsewhere): again, with one.
                logout(request)
            else:
                messages.info(request, _("The admin site needs two-factor sign-in. Turn it on to go on."))
                return redirect("profile:two_factor_setup")
        return redirect_to_login(next_url, redirect_field_name=REDIRECT_FIELD_NAME)
