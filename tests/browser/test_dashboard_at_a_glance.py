"""The dashboard at a glance: with the demo data it fits about two screens at 1366x900 and a phone's width.

In English and Romanian, with its toggles closed and open, axe-core finds nothing on it.
"""

import pytest

from crm import demo, roles
from tests.browser.axe import axe_violations, describe
from tests.browser.test_phone_width import OVERFLOW
from tests.browser.workspace import DESKTOP, PHONE, screenshots_dir, wait_for_charts

pytestmark = pytest.mark.browser

# About two screens of 900 px, with a margin for a longer name or a line that wraps.
MAX_HEIGHT = 2 * DESKTOP["height"] + 100


def _open_dashboard(page, size):
    page.set_viewport_size(size)
    page.goto("/dashboard/")
    wait_for_charts(page)
    page.evaluate("() => document.fonts.ready")


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_dashboard_with_the_demo_data_fits_two_screens_and_a_phone(page, live_server, tmp_path_factory, language):
    demo.load_demo()
    manager = next(user for user in demo.DEMO_USERS if user.role == roles.SALES_MANAGER)
    folder = screenshots_dir(tmp_path_factory)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/login/")
    page.locator("#id_username").fill(manager.username)
    page.locator("#id_password").fill(manager.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    _open_dashboard(page, DESKTOP)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.screenshot(path=folder / f"{language}-desktop-dashboard-demo.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert height <= MAX_HEIGHT, f"the dashboard is {height} px tall at 1366x900"
    wide = page.evaluate(OVERFLOW)
    assert wide["scrollWidth"] == DESKTOP["width"] and wide["offenders"] == [], wide
    # The demo has many currencies: one chart each for the figures, in the base currency.
    assert page.locator("canvas[data-chart]").count() == 3
    # The numbers and the figures per currency are there on demand, closed.
    assert page.locator("details").count() >= 5
    assert page.locator("details[open]").count() == 0
    assert not page.locator("#totals details table").is_visible()
    page.locator("#totals details summary").click()
    assert page.locator('#totals details tr[data-currency="EUR"]').is_visible()

    _open_dashboard(page, PHONE)
    # Open every toggle: the tables behind them must fit too.
    for summary in page.locator("details > summary").all():
        summary.click()
    page.screenshot(path=folder / f"{language}-phone-dashboard-demo.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] == result["innerWidth"] == PHONE["width"], result
    assert result["offenders"] == []
