"""In a real headless Chromium: bill a won deal, adding a line item in the page, then mark the invoice paid."""

import functools
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

from invoices.models import Invoice, InvoiceState
from tests.factories import AccountFactory, OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "pass-for-tests-1"

# Playwright's sync API keeps an event loop running in the test thread; the database work
# done there is still synchronous, so Django's async guard may stand down.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def field(label):
    """A form field's label, then on a required field its marker and "(required)"."""
    return re.compile(rf"^{re.escape(label)}:?\*?( \(required\))?$")


@pytest.fixture
def page(live_server, transactional_db):
    if not CHROMIUM.exists():
        if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is not installed at {CHROMIUM}")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.set_default_timeout(15_000)
        yield context.new_page()
        browser.close()



def closes_its_connections(test):
    """Close the database connections the test body opened when it ends.

    Under Playwright the test body runs in its own context, so its connections are not the ones
    pytest-django closes; left open, PostgreSQL refuses to drop the test database at the end.
    """

    @functools.wraps(test)
    def run(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@closes_its_connections
def test_salesperson_invoices_an_opportunity_with_two_lines_and_marks_it_paid(page):
    from playwright.sync_api import expect

    SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    account = AccountFactory(name="Carpați Tech SRL")
    opportunity = OpportunityFactory(topic="Servere și instalare", account=account, estimated_revenue=Decimal("5000"))

    page.goto("/login/")
    page.get_by_label("Username").fill("ana.salesperson")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(opportunity.get_absolute_url())
    page.get_by_role("link", name="New invoice").click()
    # The pickers show the opportunity and its account it was opened from.
    expect(page.locator("#id_opportunity_label")).to_have_text("Servere și instalare")
    expect(page.locator("#id_opportunity_value")).to_have_value(str(opportunity.pk))
    expect(page.locator("#id_account_label")).to_have_text("Carpați Tech SRL")
    expect(page.locator("#id_account_value")).to_have_value(str(account.pk))
    expect(page.get_by_label(field("Name"))).to_have_value("Servere și instalare")

    page.locator("#id_lines-0-description").fill("Server rack")
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-0-unit_price").fill("1500.00")
    # The new invoice offers three empty lines; "Add line" adds a fourth in the page, without a round trip.
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("4")
    expect(page.locator("#id_lines-3-description")).to_be_focused()
    page.locator("#id_lines-3-description").fill("Instalare")
    page.locator("#id_lines-3-unit_price").fill("400.00")
    page.locator("#id_lines-3-discount").fill("100.00")
    page.get_by_role("button", name="Save & Close").first.click()

    # Back on the opportunity, which lists its new invoice with the total computed on save.
    expect(page).to_have_url(re.compile(rf"/opportunities/{opportunity.pk}/$"))
    invoice = Invoice.objects.get()
    # At the default 21% VAT: 3000 + 630 = 3630.00; 400 - 100 = 300 + 63 = 363.00.
    assert invoice.total_amount == Decimal("3993.00")
    invoices_panel = page.locator("#invoices")
    expect(invoices_panel).to_contain_text("3,993.00 RON")

    invoices_panel.get_by_role("link", name=invoice.invoice_number).click()
    expect(page.locator("#line-items")).to_contain_text("Instalare")
    page.get_by_label(field("Partially paid")).check()
    page.locator("#mark-paid").get_by_role("button", name="Mark as paid").click()
    expect(page.get_by_text("Invoice marked as paid.")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
