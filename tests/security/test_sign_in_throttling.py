"""Sign-in throttling (django-axes): lockout per user name and per address, its page, logs, unlocking; Argon2."""

import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from crm import settings as project_settings
from crm.signin.throttling import client_ip
from tests.factories import SalespersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return SESSION_KEY in client.session


def fail(client, username, times, address="10.0.0.1"):
    return [sign_in(client, username, "wrong-password", address) for _ in range(times)]


def test_the_limit_and_cool_off_are_five_failures_and_fifteen_minutes_by_default():
    assert project_settings.AXES_FAILURE_LIMIT == 5
    assert project_settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert project_settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert project_settings.CRM_SIGNIN_ADDRESS_FAILURE_LIMIT == 50


def test_failures_lock_the_user_name_and_then_the_right_password_is_refused_saying_when(client, salesperson):
    responses = fail(client, salesperson.username, 5)

    # The first four get the form back with its error; the fifth locks.
    assert [response.status_code for response in responses] == [200, 200, 200, 200, 429]
    response = sign_in(client, salesperson.username, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    last_failure = AccessAttempt.objects.get(username=salesperson.username).attempt_time
    unlock_at = timezone.localtime(last_failure + timedelta(minutes=15)).strftime("%H:%M")
    text = response.content.decode()
    assert "Too many failed sign-in attempts" in text
    assert f"You can try again after {unlock_at} (in 14\xa0minutes" in text or (
        f"You can try again after {unlock_at} (in 15\xa0minutes" in text
    )


def test_a_try_during_the_lockout_does_not_move_its_end(client, salesperson):
    fail(client, salesperson.username, 5)
    before = AccessAttempt.objects.get(username=salesperson.username)

    assert sign_in(client, salesperson.username, "still-wrong").status_code == 429
    assert AccessAttempt.objects.get(pk=before.pk).attempt_time == before.attempt_time


def test_after_the_cool_off_the_right_password_signs_in(client, salesperson):
    fail(client, salesperson.username, 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))

    response = sign_in(client, salesperson.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(client, salesperson):
    fail(client, salesperson.username, 4)

    assert sign_in(client, salesperson.username, PASSWORD).status_code == 302


def test_a_user_name_is_locked_whatever_address_the_failures_come_from(client, salesperson):
    for number in range(5):
        sign_in(client, salesperson.username, "wrong-password", address=f"10.0.1.{number}")

    assert sign_in(client, salesperson.username, PASSWORD, address="10.0.2.1").status_code == 429


def test_an_address_is_locked_for_every_user_name_and_others_still_sign_in(client, salesperson, settings):
    settings.CRM_SIGNIN_ADDRESS_FAILURE_LIMIT = 8
    for number in range(8):
        sign_in(client, f"guess{number}", "wrong-password", address="203.0.113.9")

    response = sign_in(client, salesperson.username, PASSWORD, address="203.0.113.9")
    assert response.status_code == 429 and "You can try again after" in response.content.decode()
    assert sign_in(client, salesperson.username, PASSWORD, address="10.0.0.1").status_code == 302


def test_one_person_locked_out_does_not_lock_out_the_colleagues_behind_the_same_address(
    client, salesperson, other_salesperson
):
    other_salesperson.set_password(PASSWORD)
    other_salesperson.save()
    fail(client, salesperson.username, 5, address="198.51.100.7")

    assert sign_in(client, salesperson.username, PASSWORD, address="198.51.100.7").status_code == 429
    assert sign_in(client, other_salesperson.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_an_administrator_unlocks_a_user_from_the_user_admin(client, salesperson, administrator):
    fail(client, salesperson.username, 5)
    assert sign_in(client, salesperson.username, PASSWORD).status_code == 429

    admin_client = type(client)()
    admin_client.force_login(administrator)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [salesperson.pk]}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=salesperson.username).exists()
    assert sign_in(client, salesperson.username, PASSWORD).status_code == 302


def test_the_access_attempts_are_listed_in_the_admin(client, salesperson, administrator):
    fail(client, salesperson.username, 2)
    client.force_login(administrator)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert salesperson.username in response.content.decode()


def test_a_salesperson_cannot_unlock(client, salesperson, other_salesperson):
    fail(client, other_salesperson.username, 5, address="10.9.9.9")
    client.force_login(salesperson)

    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [other_salesperson.pk]}
    )

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert AccessAttempt.objects.filter(username=other_salesperson.username).exists()


def test_failures_and_lockouts_are_logged(client, salesperson, caplog):
    with caplog.at_level(logging.WARNING, logger="crm.signin"):
        fail(client, salesperson.username, 5, address="10.0.0.7")

    lines = [record.getMessage() for record in caplog.records if record.name == "crm.signin"]
    assert lines.count(f"sign-in failed username={salesperson.username} address=10.0.0.7") == 5
    assert f"sign-in locked out username={salesperson.username} address=10.0.0.7" in lines
    assert "wrong-password" not in caplog.text


def test_the_address_is_the_connection_s_unless_proxies_are_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert client_ip(request) == "10.0.0.2"

    settings.CRM_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4"
    settings.CRM_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.CRM_TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"


def test_code_that_authenticates_without_a_request_is_not_throttled(client, salesperson):
    """The test client's login() and management commands have no address: the throttle stands aside."""
    fail(client, salesperson.username, 5)

    assert authenticate(username=salesperson.username, password=PASSWORD) == salesperson


def test_argon2_is_the_first_password_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in project_settings.PASSWORD_HASHERS


def test_a_pbkdf2_password_is_rehashed_with_argon2_at_sign_in(client, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = SalespersonFactory(username="old.hash")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    assert sign_in(client, "old.hash", PASSWORD).status_code == 302

    user.refresh_from_db()
    assert re.match(r"^argon2\$argon2id\$", user.password)
    assert user.check_password(PASSWORD)


def test_a_user_name_longer_than_any_user_s_is_counted_cut_to_that_length(client, caplog):
    # On PostgreSQL the whole name in django-axes' 255-character column was a database error (a 500).
    response = sign_in(client, "x" * 10_000, "wrong-password")

    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
    assert max(len(record.getMessage()) for record in caplog.records if record.name == "crm.signin") < 300
