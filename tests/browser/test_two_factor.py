"""The brief's walk: a salesperson turns on two-factor sign-in from the profile, then signs in with a code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import SalespersonFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-for-tests-1"


def app_code(secret, steps_ahead=0):
    """What an authenticator app given ``secret`` (as the page shows it) displays now, or a step later."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"


def test_salesperson_turns_on_two_factor_sign_in_and_signs_in_with_a_code(page):
    SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")

    page.goto("/login/")
    page.get_by_label("Username").fill("ana.salesperson")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

    page.get_by_role("link", name="Ana Pop").click()
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    expect(page.get_by_text("Two-factor sign-in is off.")).to_be_visible()
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("img", name="QR code of the secret for your authenticator app")).to_be_visible()
    # The QR code is an <img> of its own URL: drawn once it has loaded (and the policy let it).
    page.wait_for_function("() => { const image = document.querySelector('img.qr-code'); "
                           "return image && image.complete && image.naturalWidth > 0; }")
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Recovery codes", level=1)).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("ana.salesperson")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
