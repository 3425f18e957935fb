"""A real headless Chromium (Debian's, driven by Playwright) against pytest-django's live server."""

import pytest

from tests.browser.chromium import CHROMIUM_ARGS, browser_unavailable, chromium_path, require_chromium


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium(chromium_path())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in the test thread while the test still
        # uses the ORM synchronously there; only for these tests, Django's async guard stands down.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser tab on the live server.

    The live server needs committed data, so the test runs with a transactional database; the flush
    after it re-runs post_migrate, which puts the security roles back for the tests that follow.
    """
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
