"""A sales manager opens the dashboard and an account's figures in a real headless Chromium."""

import os
import shutil
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from accounts.services import account_create
from crm.models import ExchangeRate
from opportunities.services import opportunity_create
from tests.browser.chromium import htmx_settled
from tests.dashboard.book import make_team_book
from tests.factories import SalesManagerFactory, SalespersonFactory

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pass-for-tests-1"

pytestmark = [
    pytest.mark.browser,
    # Serialized rollback restores the security roles the migrations made, for the tests that follow.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and os.environ.get("CRM_REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed at /usr/bin/chromium",
    ),
]


@pytest.fixture
def dashboard_page():
    """A page in a fresh headless Chromium (the fixture of this folder, not tests/browser's)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(locale="en-GB").new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            browser.close()
            # While Playwright's event loop runs, Django keeps this thread's database connection
            # apart from the one it had before: close it here, or PostgreSQL cannot drop the test
            # database at the end of the run.
            connections.close_all()


def sign_in(page, live_server, user, next_path):
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def number(text):
    return Decimal(text.strip().replace(",", ""))


def test_manager_sees_the_dashboard_charts_and_their_numbers(dashboard_page, live_server):
    page = dashboard_page
    ana = SalespersonFactory(username="ana.salesperson")
    dan = SalespersonFactory(username="dan.salesperson")
    manager = SalesManagerFactory(username="maria.manager")
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("5"))
    make_team_book(ana, dan, today=timezone.localdate())

    sign_in(page, live_server, manager, "/dashboard/")
    assert page.locator("h1").inner_text() == "Dashboard"
    for chart_id in ("chart-pipeline", "chart-won-lost", "chart-invoiced-paid"):
        canvas = page.locator(f'canvas[data-chart="{chart_id}"]')
        assert canvas.count() == 1
        # Chart.js drew into the canvas.
        page.wait_for_function(f"() => Chart.getChart(document.querySelector('canvas[data-chart=\"{chart_id}\"]'))")
        assert canvas.bounding_box()["height"] > 50

    drawn = page.evaluate(
        """() => Chart.getChart(document.querySelector('canvas[data-chart="chart-pipeline"]')).data.datasets
        .map(d => ({label: d.label, data: d.data}))"""
    )
    # One chart in the base currency: 500 EUR at 5 RON is 2,500 RON.
    assert drawn == [
        {"label": "Estimated revenue (RON)", "data": [8000, 2000, 2500, 0]},
        {"label": "Weighted pipeline (RON)", "data": [2200, 1000, 500, 0]},
    ]
    # Each chart's numbers are behind "Show the numbers", the amounts per currency behind "Per currency".
    numbers = page.locator("#pipeline details.chart-numbers")
    assert not numbers.locator("table").is_visible()
    numbers.locator("summary").click()
    table = {
        row.get_attribute("data-stage"): number(row.locator('[data-figure="amount"]').inner_text())
        for row in numbers.locator("tr[data-stage]").all()
    }
    assert table == {"qualify": Decimal("8000.00"), "develop": Decimal("2000.00"), "propose": Decimal("2500.00")}
    stages = ["qualify", "develop", "propose", "close"]
    for stage, value in zip(stages, drawn[0]["data"], strict=True):
        assert Decimal(value) == table.get(stage, Decimal("0"))
    per_currency = page.locator("#pipeline details.more-currencies")
    assert not per_currency.locator("table").is_visible()
    per_currency.locator("summary").click()
    assert per_currency.locator('tr[data-currency="EUR"] [data-figure="amount"]').inner_text() == "500.00"

    won_lost = page.evaluate(
        """() => Chart.getChart(document.querySelector('canvas[data-chart="chart-won-lost"]')).data.datasets
        .map(d => d.data)"""
    )
    page.locator("#won-lost details.chart-numbers summary").click()
    rows = page.locator("#won-lost tbody tr").all()
    assert [int(row.locator('[data-figure="won"]').inner_text()) for row in rows] == won_lost[0]
    assert [int(row.locator('[data-figure="lost"]').inner_text()) for row in rows] == won_lost[1]
    assert sum(won_lost[0]) == 2 and sum(won_lost[1]) == 2

    # Filter by owner: only Dan's pipeline is left.
    page.select_option("#id_owner", str(dan.pk))
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**owner={dan.pk}")
    page.wait_for_function("() => Chart.getChart(document.querySelector('canvas[data-chart=\"chart-pipeline\"]'))")
    assert page.locator("#pipeline details.chart-numbers tr[data-stage]").count() == 1
    assert "Gama SRL" in page.locator("#top-accounts").inner_text()
    assert "Beta SA" not in page.locator("#top-accounts").inner_text()


def test_account_summary_loads_its_figures_and_history_panels(dashboard_page, live_server):
    page = dashboard_page
    ana = SalespersonFactory(username="ana.salesperson")
    manager = SalesManagerFactory(username="maria.manager")
    account = account_create(actor=ana, name="Alfa Holding SA")
    opportunity_create(actor=ana, topic="Flotă", account=account, estimated_revenue=Decimal("1000"), probability=50)

    sign_in(page, live_server, manager, account.get_absolute_url())
    # htmx replaces the placeholders with the panels.
    page.wait_for_selector("#account-figures table")
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")
    cell = page.locator('#account-figures tr[data-currency="RON"] [data-figure="weighted"]')
    assert number(cell.inner_text()) == Decimal("500.00")
    assert page.locator("#timeline .timeline-entry").count() == 2  # the account's and its opportunity's creation
    page.select_option("#timeline select[name=kind]", "note")  # swapped in by htmx
    page.wait_for_selector(f"{htmx_settled('#timeline')} >> text=Nothing on the timeline yet.")
    page.select_option("#timeline select[name=kind]", "")
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")
    assert page.locator("#timeline .timeline-entry").count() == 2


def test_manager_opens_an_account_figures_and_includes_child_accounts(dashboard_page, live_server):
    page = dashboard_page
    ana = SalespersonFactory(username="ana.salesperson")
    manager = SalesManagerFactory(username="maria.manager")
    parent = account_create(actor=ana, name="Alfa Holding SA")
    child = account_create(actor=ana, name="Alfa Cluj SRL", parent_account=parent)
    opportunity_create(actor=ana, topic="Flotă", account=parent, estimated_revenue=Decimal("1000"), probability=50)
    opportunity_create(actor=ana, topic="Service", account=child, estimated_revenue=Decimal("250"), probability=20)

    sign_in(page, live_server, manager, f"/accounts/{parent.pk}/figures/")
    open_cell = page.locator('#account-figures tr[data-currency="RON"] [data-figure="open"] a')
    assert number(open_cell.inner_text()) == Decimal("1000.00")
    assert "Alfa Cluj SRL" in page.locator("#account-figures .hierarchy").inner_text()
    page.click("text=Include child accounts")  # swapped in by htmx
    page.wait_for_selector("text=This account only")
    assert number(open_cell.inner_text()) == Decimal("1250.00")
    weighted = page.locator('#account-figures tr[data-currency="RON"] [data-figure="weighted"]').inner_text()
    assert number(weighted) == Decimal("550.00")
    assert page.url.endswith(f"/accounts/{parent.pk}/figures/")  # the panel changed, not the page
