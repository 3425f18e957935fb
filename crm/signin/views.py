"""The sign-in pages (password, then a code for users with two-factor sign-in) and the user's profile page."""

import time
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, RedirectURLMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from crm.preferences import preferences_of, preferences_update
from crm.signin import services, throttling
from crm.signin.forms import AuthenticatorCodeForm, CodeForm, PreferencesForm
from crm.signin.selectors import pending_authenticator, two_factor_status, user_has_two_factor

# The user who has given the right password and owes the second step: {"user", "backend", "at"}.
PENDING_SESSION_KEY = "crm_signin_pending"
# The second step must follow the password within this many seconds.
PENDING_MAX_AGE = 300
# New recovery codes, shown once by the recovery codes page.
RECOVERY_CODES_SESSION_KEY = "crm_signin_recovery_codes"


def _with_next(url, next_url):
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


class SignInView(LoginView):
    """Django's sign-in page; a user with two-factor sign-in goes on to the code step instead of being signed in."""

    def form_valid(self, form):
        user = form.get_user()
        if not user_has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_SESSION_KEY] = {"user": str(user.pk), "backend": user.backend, "at": time.time()}
        return HttpResponseRedirect(_with_next(reverse("login_code"), self.get_redirect_url()))


def pending_sign_in(request):
    """The active user who gave the right password in this session in the last PENDING_MAX_AGE seconds, or None."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    if pending.get("backend") not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = get_user_model()._default_manager.filter(pk=pending.get("user"), is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


@method_decorator([login_not_required, sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class SignInCodeView(RedirectURLMixin, FormView):
    """The second sign-in step: a code from the authenticator app or a recovery code; wrong codes count as failures."""

    form_class = CodeForm
    template_name = "registration/login_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending_user = pending_sign_in(request)
        if self.pending_user is None:
            request.session.pop(PENDING_SESSION_KEY, None)
            messages.info(request, _("Enter your user name and password again."))
            return redirect(_with_next(resolve_url(settings.LOGIN_URL), self.get_redirect_url()))
        username = self.pending_user.get_username()
        if throttling.is_locked_out(request, username):
            return throttling.lockout_response(request, credentials=throttling.credentials_for(username))
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.get_redirect_url())

    def form_valid(self, form):
        user = self.pending_user
        device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", services.wrong_code_error())
            # A lockout this failure causes is turned into the lockout page by axes' middleware.
            throttling.record_failure(self.request, user.get_username())
            return self.form_invalid(form)
        del self.request.session[PENDING_SESSION_KEY]
        auth_login(self.request, user, backend=user.backend)
        otp_login(self.request, device)
        return HttpResponseRedirect(self.get_success_url())


class ProfileView(TemplateView):
    """The signed-in user's profile: name, preferences and the two-factor sign-in section."""

    template_name = "signin/profile.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("preferences_form", PreferencesForm(instance=preferences_of(self.request.user)))
        return super().get_context_data(**kwargs, two_factor=two_factor_status(self.request.user))


@require_POST
def preferences(request):
    """Save the user's preferences (crm.preferences); the form comes back with what is wrong."""
    form = PreferencesForm(request.POST, instance=preferences_of(request.user))
    if form.is_valid():
        try:
            preferences_update(user=request.user, data=form.cleaned_data, actor=request.user, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("profile:detail")
    view = ProfileView(request=request, args=(), kwargs={})
    return render(request, view.template_name, view.get_context_data(preferences_form=form), status=400)


@require_POST
def two_factor_begin(request):
    """Start turning on two-factor sign-in: a new secret for the authenticator app, shown by the setup page."""
    try:
        services.two_factor_begin(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("profile:detail")
    return redirect("profile:two_factor_setup")


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class TwoFactorSetupView(FormView):
    """The secret of the authenticator app being set up (a QR code and text) and the code that confirms it."""

    form_class = AuthenticatorCodeForm
    template_name = "signin/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if user_has_two_factor(request.user):
            return redirect("profile:detail")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = pending_authenticator(self.request.user)
        secret = b32encode(device.bin_key).decode() if device else ""
        return super().get_context_data(
            **kwargs,
            device=device,
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            two_factor=two_factor_status(self.request.user),
        )

    def form_valid(self, form):
        try:
            device, codes = services.two_factor_confirm(user=self.request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            return self.form_invalid(form)
        # This session has just shown the second factor.
        otp_login(self.request, device)
        self.request.session[RECOVERY_CODES_SESSION_KEY] = codes
        messages.success(self.request, _("Two-factor sign-in is on."))
        return redirect("profile:recovery_codes")


@never_cache
def two_factor_qr(request):
    """The QR code (SVG) of the secret being set up, for the authenticator app to scan."""
    device = pending_authenticator(request.user)
    if device is None:
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10)
    return HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")


@never_cache
def recovery_codes(request):
    """The new recovery codes, shown once."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once. Make new ones if you have lost them."))
        return redirect("profile:detail")
    return render(request, "signin/recovery_codes.html", {"codes": codes})


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class CodeConfirmedActionView(FormView):
    """A two-factor change that takes a current code first."""

    form_class = CodeForm
    template_name = "signin/two_factor_confirm.html"
    heading = ""
    explanation = ""
    button = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, heading=self.heading, explanation=self.explanation, button=self.button
        )

    def dispatch(self, request, *args, **kwargs):
        if not user_has_two_factor(request.user):
            return redirect("profile:detail")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            return self.act(form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            return self.form_invalid(form)


class RegenerateRecoveryCodesView(CodeConfirmedActionView):
    heading = _("New recovery codes")
    explanation = _("Your current recovery codes stop working and ten new ones are shown once.")
    button = _("Make new recovery codes")

    def act(self, code):
        codes = services.two_factor_regenerate_codes(user=self.request.user, code=code)
        self.request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect("profile:recovery_codes")


class TwoFactorDisableView(CodeConfirmedActionView):
    heading = _("Turn off two-factor sign-in")
    explanation = _("Signing in will take only your password. Your authenticator app and recovery codes stop working.")
    button = _("Turn off")

    def act(self, code):
        services.two_factor_disable(user=self.request.user, code=code)
        # The session was verified by a device that no longer exists.
        self.request.session.pop(DEVICE_ID_SESSION_KEY, None)
        messages.success(self.request, _("Two-factor sign-in is off."))
        return redirect("profile:detail")
