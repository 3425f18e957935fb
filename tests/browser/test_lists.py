"""In a real browser: a list's filter applies as soon as it changes, and the count, pages and Export follow it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import sign_in
from tests.factories import AccountFactory, ContactFactory, SalespersonFactory

pytestmark = pytest.mark.browser


def test_a_changed_filter_applies_at_once_and_export_follows_it(page):
    ana = SalespersonFactory(username="ana.salesperson")
    account = AccountFactory(name="Carpați Tech SRL", owner=ana)
    for index in range(3):
        ContactFactory(first_name="Elena", last_name=f"Vasilescu {index}", account=account, owner=ana)
    ContactFactory(first_name="Mihai", last_name="Fără cont", account=None, owner=ana)

    sign_in(page, "ana.salesperson")
    page.goto("/contacts/?per_page=2")
    expect(page.locator(".result-count")).to_have_text("4 contacts")
    expect(page.get_by_role("navigation", name="Pages").get_by_role("link", name="Page 2")).to_be_visible()

    # No click on Apply: choosing "No" narrows the list, the address follows, and Export with it.
    filter_select = page.get_by_label("Has an account")
    expect(filter_select).to_have_value("")
    filter_select.select_option("false")
    expect(page.locator(".result-count")).to_have_text("1 contact")
    expect(page.locator("#results")).to_contain_text("Fără cont")
    expect(page).to_have_url(re.compile(r"has_account=false"))
    page.get_by_text("Export", exact=True).click()
    expect(page.get_by_role("link", name="CSV")).to_have_attribute("href", re.compile(r"has_account=false.*format=csv"))

    # The sort shows its direction on the header.
    page.get_by_role("link", name=re.compile(r"^Name")).click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", re.compile("ascending|descending"))
