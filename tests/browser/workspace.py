"""The sales workspace's main pages, with data on them, for the accessibility and phone-width tests."""

import os
from decimal import Decimal
from pathlib import Path

from accounts.models import Account
from accounts.services import account_create
from contacts.services import contact_create
from crm.imports.models import ImportJob, ImportRowIssue, ImportState
from invoices.services import invoice_create
from opportunities.services import opportunity_create
from tests.browser.chromium import htmx_settled
from tests.factories import SalesManagerFactory, SalespersonFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def workspace_book():
    """A manager and an account with contacts, an opportunity, an invoice and an import job."""
    manager = SalesManagerFactory(username="maria.manager", first_name="Maria", last_name="Ionescu")
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    account = account_create(
        actor=ana, name="Carpați Tech SRL", city="Brașov", email="office@carpati-tech.ro", main_phone="+40 268 555 010"
    )
    # A child account, so the Figures panel offers its "Include child accounts" switch.
    account_create(actor=ana, name="Carpați Tech Service SRL", city="Sibiu", parent_account=account)
    contact = contact_create(
        actor=ana,
        first_name="Mihai",
        last_name="Ionescu-Vasilescu",
        account=account,
        email="mihai.ionescu-vasilescu@carpati-tech.ro",
        business_phone="+40 722 555 010",
    )
    contact_create(
        actor=ana, first_name="Elena", last_name="Dumitrescu", account=account, email="elena@carpati-tech.ro"
    )
    # Add Existing Contact's dialog finds a contact with no account and one on another account.
    contact_create(actor=ana, first_name="Andrei", last_name="Georgescu", email="andrei.georgescu@example.ro")
    contact_create(
        actor=ana,
        first_name="Ioana",
        last_name="Georgescu",
        account=Account.objects.get(name="Carpați Tech Service SRL"),
    )
    opportunity = opportunity_create(
        actor=ana, topic="Servere noi", account=account, contact=contact, estimated_revenue=Decimal("25000.00")
    )
    invoice = invoice_create(
        actor=ana,
        account=account,
        contact=contact,
        name="Servicii cloud",
        lines=[{"description": "Găzduire", "quantity": Decimal("2"), "unit_price": Decimal("1500.00")}],
    )
    job = ImportJob.objects.create(
        target="accounts",
        file_name="conturi.csv",
        created_by=manager,
        state=ImportState.COMPLETED,
        total_rows=3,
        processed_rows=3,
        created_count=1,
        updated_count=1,
        failed_count=1,
    )
    ImportRowIssue.objects.create(
        job=job,
        kind=ImportRowIssue.Kind.FAILED,
        row_number=3,
        column="Account Name",
        message="This field is required.",
        values=["", "Cluj-Napoca"],
    )
    return {
        "manager": manager,
        "account": account,
        "contact": contact,
        "opportunity": opportunity,
        "invoice": invoice,
        "job": job,
    }


def wait_for_summary(prefix):
    """Wait for a Summary page's figures and timeline panels, loaded by htmx."""

    def wait(page):
        page.wait_for_selector(htmx_settled(f"#{prefix}-figures[aria-labelledby]"))
        page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")

    return wait


def wait_for_related(prefix):
    """Wait for a Related tab's change history, loaded by htmx."""

    def wait(page):
        page.wait_for_selector(f"{htmx_settled(f'#{prefix}-timeline')} .timeline-entry")

    return wait


def open_add_existing_contact(page):
    """Open the account's Add Existing Contact dialog and search, so its results are on the page."""
    wait_for_summary("account")(page)
    page.locator("#contacts-panel").get_by_role("button").first.click()
    page.locator("[data-bs-target='#add-existing-contact']").click()
    page.wait_for_selector("#add-existing-contact.show")
    page.locator("#lookup-q").fill("Georgescu")
    page.wait_for_selector("#lookup-results li")


def select_two_rows(page):
    """Tick two rows of a list, so its bulk-action bar is in use."""
    boxes = page.locator("input[name=selected]")
    boxes.nth(0).check()
    boxes.nth(1).check()


def wait_for_charts(page):
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')].every((canvas) => Chart.getChart(canvas))"
    )


def submit_empty(page):
    """Submit the form as it is, and wait for its error summary."""
    page.locator("main form button.btn-primary[type=submit]").first.click()
    page.wait_for_selector(".error-summary")


def main_pages(book, *, with_errors=True):
    """(name, path, prepare) for every main page: prepare waits for what the page loads or submits its form."""
    account, contact = book["account"], book["contact"]
    pages = [
        ("accounts-list", "/accounts/", None),
        ("contacts-list", "/contacts/", None),
        ("opportunities-list", "/opportunities/", None),
        ("invoices-list", "/invoices/", None),
        ("account-summary", f"/accounts/{account.pk}/", wait_for_summary("account")),
        ("contact-summary", f"/contacts/{contact.pk}/", wait_for_summary("contact")),
        # The customer panel switched to its other lists, the record pages' other tabs, the lookup dialog.
        ("account-summary-opportunities", f"/accounts/{account.pk}/?panel=opportunities", wait_for_summary("account")),
        ("contact-summary-invoices", f"/contacts/{contact.pk}/?panel=invoices", wait_for_summary("contact")),
        ("account-details", f"/accounts/{account.pk}/details/", None),
        ("account-related", f"/accounts/{account.pk}/related/", wait_for_related("account")),
        ("contact-related", f"/contacts/{contact.pk}/related/", wait_for_related("contact")),
        ("opportunity-summary", f"/opportunities/{book['opportunity'].pk}/", None),
        ("invoice-summary", f"/invoices/{book['invoice'].pk}/", None),
        ("invoice-details", f"/invoices/{book['invoice'].pk}/details/", None),
        ("add-existing-contact", f"/accounts/{account.pk}/", open_add_existing_contact),
        ("search-results", "/search/?q=Carpa%C8%9Bi", None),
        ("accounts-list-views", "/lists/accounts/views/", None),
        ("accounts-list-selected", "/accounts/", select_two_rows),
    ]
    for kind in ("accounts", "contacts", "opportunities", "invoices"):
        pages.append((f"{kind}-form", f"/{kind}/new/", None))
        if with_errors:
            pages.append((f"{kind}-form-errors", f"/{kind}/new/", submit_empty))
    pages += [
        ("dashboard", "/dashboard/", wait_for_charts),
        ("imports", "/imports/", None),
        ("import-job", f"/imports/{book['job'].pk}/", None),
        ("profile", "/profile/", None),
    ]
    return pages


def screenshots_dir(tmp_path_factory) -> Path:
    """Where screenshots go: CRM_SCREENSHOTS_DIR (a folder CI keeps), else a pytest temporary folder."""
    folder = os.environ.get("CRM_SCREENSHOTS_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
