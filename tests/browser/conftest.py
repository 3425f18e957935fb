"""A real headless Chromium (Debian's, driven by Playwright) against pytest-django's live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API keeps an event loop running in the test thread; the live server's
# database work in that thread is still synchronous, so Django's async guard may stand down.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _unavailable(reason):
    """Skip, or fail when CI requires the browser tests to run (CRM_REQUIRE_BROWSER=1)."""
    if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CRM_REQUIRE_BROWSER=1 requires the browser tests to run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db, django_db_serialized_rollback):
    """A fresh browser tab on the live server.

    The live server needs committed data, so the test runs with a transactional database; serialized
    rollback puts back what migrations created (the security roles) for the tests that follow.
    """
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
