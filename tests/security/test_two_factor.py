"""Two-factor sign-in (django-otp): turning it on from the profile, the code step, recovery codes, the admins' rule."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.signin import services
from crm.signin.views import PENDING_SESSION_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"


@pytest.fixture(autouse=True)
def no_device_backoff(settings):
    # django-otp makes a device wait 1, 2, 4... seconds after each wrong code; these tests type the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def app_code(device, steps_ahead=0):
    """The code the user's authenticator app shows now (or ``steps_ahead`` time steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def turn_on(user):
    """Two-factor sign-in on for ``user``; its authenticator and recovery codes."""
    device = services.two_factor_begin(user=user)
    device, codes = services.two_factor_confirm(user=user, code=app_code(device))
    return device, codes


def sign_in(client, username, next_url=None):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD, "next": next_url or ""})


def enter_code(client, code, next_url=""):
    return client.post(reverse("login_code"), {"code": code, "next": next_url})


def signed_in(client):
    return SESSION_KEY in client.session


# The profile page


def test_the_profile_shows_the_name_and_that_two_factor_sign_in_is_off(client, salesperson):
    client.force_login(salesperson)

    response = client.get(reverse("profile:detail"))

    text = response.content.decode()
    assert response.status_code == 200
    assert salesperson.get_full_name() in text
    assert "Two-factor sign-in is off." in text
    assert reverse("profile:two_factor_begin") in text


def test_the_top_bar_links_to_the_profile(client, salesperson):
    client.force_login(salesperson)

    assert f'href="{reverse("profile:detail")}"' in client.get(reverse("accounts:list")).content.decode()


@pytest.mark.parametrize("two_factor", [False, True])
def test_the_profile_page_s_queries_are_bounded(client, salesperson, two_factor, django_assert_max_num_queries):
    if two_factor:
        turn_on(salesperson)
    client.force_login(salesperson)

    # 1 the session, 2 the user, 3 whether two-factor is on, 4 the recovery codes left,
    # 5-6 the user's and the groups' permissions (the site map), 7 the user's preferences (their form).
    with django_assert_max_num_queries(7):
        response = client.get(reverse("profile:detail"))
    assert response.status_code == 200


def test_the_profile_needs_a_signed_in_user(client):
    response = client.get(reverse("profile:detail"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Turning it on


def test_turning_on_shows_the_secret_and_counts_only_once_confirmed_with_a_code(client, salesperson):
    client.force_login(salesperson)

    response = client.post(reverse("profile:two_factor_begin"))
    assert response.status_code == 302 and response["Location"] == reverse("profile:two_factor_setup")
    device = TOTPDevice.objects.get(user=salesperson)
    assert not device.confirmed
    page = client.get(reverse("profile:two_factor_setup")).content.decode()
    secret = page.split('id="two-factor-secret">')[1].split("<")[0].replace(" ", "")
    assert secret and device.config_url.count(f"secret={secret}") == 1
    qr = client.get(reverse("profile:two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    assert "no-store" in qr["Cache-Control"]

    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("profile:two_factor_setup"), {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(reverse("profile:two_factor_setup"), {"code": app_code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("profile:recovery_codes")
    device.refresh_from_db()
    assert device.confirmed
    # This session has just shown the second factor.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_recovery_codes_are_shown_once(client, salesperson):
    client.force_login(salesperson)
    client.post(reverse("profile:two_factor_begin"))
    client.post(reverse("profile:two_factor_setup"), {"code": app_code(TOTPDevice.objects.get(user=salesperson))})

    response = client.get(reverse("profile:recovery_codes"))
    codes = response.context["codes"]
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=salesperson).values_list("token", flat=True))
    assert all(code in response.content.decode() for code in codes)
    assert "no-store" in response["Cache-Control"]

    again = client.get(reverse("profile:recovery_codes"))
    assert again.status_code == 302 and again["Location"] == reverse("profile:detail")


def test_while_it_is_on_the_app_cannot_be_swapped_without_turning_it_off(client, salesperson):
    device, _codes = turn_on(salesperson)
    client.force_login(salesperson)

    response = client.post(reverse("profile:two_factor_begin"), follow=True)

    assert "Two-factor sign-in is already on." in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=salesperson)) == [device]
    assert client.get(reverse("profile:two_factor_setup"))["Location"] == reverse("profile:detail")


def test_the_qr_code_is_only_for_a_secret_being_set_up(client, salesperson):
    client.force_login(salesperson)

    assert client.get(reverse("profile:two_factor_qr")).status_code == 404


# Signing in with it


def test_signing_in_takes_the_password_then_a_code_from_the_app(client, salesperson):
    device, _codes = turn_on(salesperson)

    response = sign_in(client, salesperson.username)

    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert not signed_in(client)
    assert client.get(reverse("accounts:list")).status_code == 302
    page = client.get(reverse("login_code"))
    assert page.status_code == 200 and "authenticator app" in page.content.decode()

    response = enter_code(client, app_code(device, steps_ahead=1))

    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("accounts:list")).status_code == 200


def test_the_code_step_keeps_where_the_user_was_going(client, salesperson):
    device, _codes = turn_on(salesperson)

    response = sign_in(client, salesperson.username, next_url="/contacts/")
    assert response["Location"] == reverse("login_code") + "?next=%2Fcontacts%2F"

    response = enter_code(client, app_code(device, steps_ahead=1), next_url="/contacts/")
    assert response["Location"] == "/contacts/"


def test_the_code_step_does_not_go_to_another_site(client, salesperson):
    device, _codes = turn_on(salesperson)
    sign_in(client, salesperson.username)

    response = enter_code(client, app_code(device, steps_ahead=1), next_url="https://evil.example/")

    assert response["Location"] == reverse("accounts:list")


def test_without_two_factor_the_password_signs_in(client, salesperson):
    response = sign_in(client, salesperson.username)

    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert signed_in(client)


def test_a_recovery_code_signs_in_once(client, salesperson):
    _device, codes = turn_on(salesperson)

    sign_in(client, salesperson.username)
    response = enter_code(client, codes[0].upper())
    assert response.status_code == 302 and signed_in(client)
    assert StaticToken.objects.filter(device__user=salesperson).count() == 9

    client.logout()
    sign_in(client, salesperson.username)
    response = enter_code(client, codes[0])
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not signed_in(client)


def test_a_wrong_code_is_refused_and_counts_as_a_failed_sign_in(client, salesperson):
    device, _codes = turn_on(salesperson)
    sign_in(client, salesperson.username)
    right = app_code(device, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = enter_code(client, wrong)

    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username=salesperson.username).failures_since_start == 1
    assert enter_code(client, right).status_code == 302 and signed_in(client)


def test_wrong_codes_lock_the_sign_in_like_wrong_passwords(client, salesperson):
    device, _codes = turn_on(salesperson)
    sign_in(client, salesperson.username)

    responses = [enter_code(client, "12345x") for _ in range(5)]

    assert [response.status_code for response in responses] == [200, 200, 200, 200, 429]
    assert "You can try again after" in responses[-1].content.decode()
    assert enter_code(client, app_code(device, steps_ahead=1)).status_code == 429
    assert not signed_in(client)
    # The password step is locked too.
    assert sign_in(client, salesperson.username).status_code == 429


def test_the_code_step_needs_the_password_first_and_soon(client, salesperson):
    device, _codes = turn_on(salesperson)

    response = enter_code(client, app_code(device, steps_ahead=1))
    assert response.status_code == 302 and response["Location"] == reverse("login")

    sign_in(client, salesperson.username)
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "at": time.time() - 301}
    session.save()
    response = enter_code(client, app_code(device, steps_ahead=1))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)


# Recovery codes and turning it off


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(client, salesperson):
    device, old_codes = turn_on(salesperson)
    client.force_login(salesperson)

    response = client.post(reverse("profile:regenerate_codes"), {"code": "999999x"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()

    response = client.post(reverse("profile:regenerate_codes"), {"code": app_code(device, steps_ahead=1)})
    assert response["Location"] == reverse("profile:recovery_codes")
    new_codes = client.get(reverse("profile:recovery_codes")).context["codes"]
    assert set(new_codes).isdisjoint(old_codes)
    assert services.two_factor_verify(user=salesperson, code=old_codes[1]) is None
    assert services.two_factor_verify(user=salesperson, code=new_codes[1]) is not None


def test_turning_off_needs_a_code_and_then_the_password_alone_signs_in(client, salesperson):
    device, codes = turn_on(salesperson)
    client.force_login(salesperson)

    response = client.post(reverse("profile:two_factor_disable"), {"code": "nope"})
    assert response.status_code == 200 and TOTPDevice.objects.filter(user=salesperson).exists()

    response = client.post(reverse("profile:two_factor_disable"), {"code": codes[0]})
    assert response["Location"] == reverse("profile:detail")
    assert not TOTPDevice.objects.filter(user=salesperson).exists()
    assert not StaticToken.objects.filter(device__user=salesperson).exists()

    client.logout()
    assert sign_in(client, salesperson.username)["Location"] == reverse("accounts:list")


def test_an_administrator_turns_off_a_user_s_two_factor_sign_in_from_the_user_admin(client, salesperson, administrator):
    turn_on(salesperson)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_two_factor", "_selected_action": [salesperson.pk]}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=salesperson).exists()


# Required for System Administrators


def test_with_the_setting_a_system_administrator_without_a_device_is_sent_to_set_one_up(
    client, administrator, salesperson, settings
):
    settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS = True

    response = sign_in(client, administrator.username)
    assert response["Location"] == reverse("accounts:list")
    for page in (reverse("accounts:list"), reverse("profile:detail"), reverse("admin:index")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == reverse("profile:two_factor_setup"), page
    assert client.get(reverse("profile:two_factor_setup")).status_code == 200

    client.post(reverse("profile:two_factor_begin"))
    device = TOTPDevice.objects.get(user=administrator)
    client.post(reverse("profile:two_factor_setup"), {"code": app_code(device)})
    assert client.get(reverse("accounts:list")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200

    # A salesperson is not asked to.
    other = type(client)()
    sign_in(other, salesperson.username)
    assert other.get(reverse("accounts:list")).status_code == 200


def test_with_the_setting_the_admin_takes_only_a_session_verified_with_a_code(client, administrator, settings):
    settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS = True
    device, _codes = turn_on(administrator)

    # Signed in without the code step (a session from before the device was confirmed): sign in again.
    client.force_login(administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not signed_in(client)

    sign_in(client, administrator.username)
    enter_code(client, app_code(device, steps_ahead=1))
    assert client.get(reverse("admin:index")).status_code == 200
    # The admin's registrations are still there.
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_account_changelist")).status_code == 200


def test_with_the_setting_other_staff_need_a_device_for_the_admin_too(client, settings):
    settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS = True
    staff = UserFactory(username="staff.member", is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("profile:two_factor_setup")


def test_without_the_setting_the_admin_takes_a_password_sign_in(client, administrator):
    sign_in(client, administrator.username)

    assert client.get(reverse("admin:index")).status_code == 200


def test_a_system_administrator_cannot_turn_it_off_while_required(client, administrator, settings):
    settings.CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS = True
    device, codes = turn_on(administrator)
    sign_in(client, administrator.username)
    enter_code(client, codes[0])

    response = client.post(reverse("profile:two_factor_disable"), {"code": codes[1]})

    assert "required for System Administrators" in response.content.decode()
    assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()


def test_the_admin_s_own_sign_in_page_sends_to_the_crm_s(client, administrator):
    turn_on(administrator)

    response = client.get(reverse("admin:login") + "?next=/admin/auth/user/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=/admin/auth/user/"
    # Its form would sign in with the password alone: posting it signs no one in.
    client.post(reverse("admin:login"), {"username": administrator.username, "password": PASSWORD})
    assert not signed_in(client)
