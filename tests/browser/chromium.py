"""Where the browser tests find Chromium, and what happens when it is missing."""

import os
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> Path:
    """Debian's Chromium, unless CRM_CHROMIUM names another binary."""
    return Path(os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium"))


def browser_unavailable(reason: str):
    """Skip the browser tests, or fail them when CI requires them (CRM_REQUIRE_BROWSER=1)."""
    if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CRM_REQUIRE_BROWSER=1 requires the browser tests to run)", pytrace=False)
    pytest.skip(reason)


def require_chromium(path: Path) -> Path:
    """Return ``path`` when Chromium is there; skip or fail otherwise."""
    if not path.is_file():
        browser_unavailable(f"Chromium is not installed at {path} (apt-get install chromium)")
    return path


def htmx_settled(selector: str) -> str:
    """A selector for `selector` once htmx has swapped it in *and* processed it.

    htmx marks swapped-in content `htmx-added` and wires its hx-* attributes only
    when it settles (20 ms later); an event fired in between is lost.
    """
    return f"{selector}:not(.htmx-added)"


# The password tests.factories gives every user.
PASSWORD = "pass-for-tests-1"


def sign_in(page, username, password=PASSWORD):
    """Sign in through the sign-in page, as a user does."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
