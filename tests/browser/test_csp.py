"""In a real browser, under the Content-Security-Policy: every main page works and none reports a violation.

The policy (SECURE_CSP in crm/settings.py) refuses inline scripts, inline event handlers, inline styles and
eval; a page that still used one would break quietly. The browser reports each refusal twice, as a
securitypolicyviolation event (recorded on window by an init script) and as a console message.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.services import account_create
from contacts.services import contact_create
from invoices.services import invoice_create
from opportunities.services import opportunity_create
from tests.browser.chromium import htmx_settled, sign_in
from tests.factories import AdministratorFactory, SalesManagerFactory, SalespersonFactory

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(
    event.violatedDirective + " refused " + (event.blockedURI || "inline")
      + " in " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


class Watch:
    """What the browser reported on the pages visited: CSP violations, policy header errors, script errors."""

    def __init__(self, page):
        self.page = page
        self.reports = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.reports.append(f"{page.url}: script error: {error}"))

    def console(self, message):
        # Chromium logs each refusal, and a Permissions-Policy feature it does not know, on the console.
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.reports.append(f"{self.page.url}: console: {message.text}")

    def check(self):
        """Collect the violations the current page recorded so far."""
        self.reports += [f"{self.page.url}: {report}" for report in self.page.evaluate("window.cspViolations")]

    def visit(self, path):
        self.page.goto(path)
        self.check()


@pytest.fixture
def book(transactional_db):
    """An account with a contact, an opportunity and an invoice, all owned by a salesperson."""
    ana = SalespersonFactory(username="ana.salesperson")
    account = account_create(actor=ana, name="Carpați Tech SRL", city="Brașov")
    contact = contact_create(actor=ana, first_name="Mihai", last_name="Ionescu", account=account)
    opportunity = opportunity_create(
        actor=ana, topic="Servere noi", account=account, estimated_revenue=Decimal("25000.00")
    )
    invoice = invoice_create(
        actor=ana,
        account=account,
        name="Servicii cloud",
        lines=[{"description": "Găzduire", "quantity": Decimal("2"), "unit_price": Decimal("1500.00")}],
    )
    return {"account": account, "contact": contact, "opportunity": opportunity, "invoice": invoice}


def walk_the_crm(watch, book):
    """Open every main page of the CRM and use what its scripts do: htmx panels, pickers, charts, the forms."""
    page = watch.page
    account, contact = book["account"], book["contact"]

    watch.visit("/accounts/")
    expect(page.get_by_role("link", name="Carpați Tech SRL")).to_be_visible()

    watch.visit(f"/accounts/{account.pk}/")
    page.wait_for_selector(htmx_settled("#account-figures[aria-labelledby]"))
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")
    watch.check()

    watch.visit(f"/accounts/{account.pk}/edit/")
    page.get_by_role("combobox", name=re.compile(r"^Primary contact")).fill("mihai")
    results = page.locator("#id_primary_contact_results")
    expect(results.get_by_role("button", name=re.compile("Mihai Ionescu"))).to_be_visible()
    watch.check()

    watch.visit("/contacts/")
    expect(page.get_by_role("link", name="Mihai Ionescu")).to_be_visible()
    watch.visit(f"/contacts/{contact.pk}/")
    page.wait_for_selector(htmx_settled("#contact-figures[aria-labelledby]"))
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")
    watch.check()

    watch.visit("/opportunities/")
    watch.visit(f"/opportunities/{book['opportunity'].pk}/")
    expect(page.get_by_role("heading", name="Servere noi", level=1)).to_be_visible()
    watch.visit("/invoices/")
    watch.visit(f"/invoices/{book['invoice'].pk}/")
    expect(page.get_by_role("main")).to_contain_text("Găzduire")

    # The Add line button adds a row from the form's template, in the page.
    watch.visit("/invoices/new/")
    rows = page.locator("#line-items tbody tr")
    before = rows.count()
    page.get_by_role("button", name="Add line").click()
    expect(rows).to_have_count(before + 1)
    expect(page.locator(f"#id_lines-{before}-description")).to_be_focused()
    watch.check()

    watch.visit("/dashboard/")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')].every((canvas) => Chart.getChart(canvas))"
    )
    watch.check()

    watch.visit("/imports/")
    watch.visit("/imports/new/")

    # The language switcher submits itself when a language is chosen.
    page.locator("#language").select_option("ro")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    watch.check()
    page.locator("#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watch.check()


def test_a_manager_works_every_page_without_a_policy_violation(page, book):
    SalesManagerFactory(username="maria.manager")
    watch = Watch(page)
    sign_in(page, "maria.manager")
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    watch.check()
    walk_the_crm(watch, book)
    assert watch.reports == []


def test_an_administrator_works_every_page_and_the_admin_without_a_policy_violation(page, book):
    AdministratorFactory(username="admin")
    watch = Watch(page)
    watch.visit("/login/")
    sign_in(page, "admin")
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    walk_the_crm(watch, book)

    watch.visit("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    watch.visit("/admin/accounts/account/")
    # The admin's own scripts: selecting a row counts it in the actions bar.
    page.locator("input.action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    watch.check()
    watch.visit(f"/admin/accounts/account/{book['account'].pk}/change/")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()
    watch.visit(f"/admin/auth/user/{book['account'].owner.pk}/change/")
    # The permissions' filter widget is drawn by the admin's SelectFilter2.js.
    expect(page.locator("#id_user_permissions_filter")).to_be_visible()
    watch.check()

    # django-import-export's export page: its Select all box (our override of its template) still works.
    watch.visit("/admin/accounts/account/export/")
    page.locator("input.select-toggle").uncheck()
    expect(page.locator('.selectable-field-export-row input[type="checkbox"]:checked')).to_have_count(0)
    watch.check()
    watch.visit("/admin/accounts/account/import/")
    assert watch.reports == []
