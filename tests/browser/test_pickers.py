"""In a real browser: choose records in forms by typing a few letters and picking a match, by mouse and by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity
from tests.browser.chromium import sign_in
from tests.factories import AccountFactory, ContactFactory, SalespersonFactory

pytestmark = pytest.mark.browser


def test_salesperson_picks_the_account_by_mouse_and_the_contact_by_keyboard(page):
    SalespersonFactory(username="ana.salesperson")
    carpati = AccountFactory(name="Carpați Tech SRL", account_number="CT-001")
    AccountFactory(name="Ursus Breweries SA")
    elena = ContactFactory(first_name="Elena", last_name="Vasilescu", account=carpati)
    ContactFactory(first_name="Elena", last_name="Marin")

    sign_in(page, "ana.salesperson")
    page.goto("/opportunities/new/")
    page.get_by_label("Topic").fill("Servere noi")

    # Type part of the name; the matches appear below the box, other accounts do not.
    account_search = page.get_by_role("combobox", name=re.compile(r"^Account"))
    account_search.fill("carp")
    account_results = page.locator("#id_account_results")
    expect(account_results.get_by_role("button")).to_have_count(1)
    expect(account_results).not_to_contain_text("Ursus")
    account_results.get_by_role("button", name=re.compile("Carpați Tech SRL")).click()
    expect(page.locator("#id_account_label")).to_have_text("Carpați Tech SRL")
    expect(account_results.get_by_role("button")).to_have_count(0)

    # The contact with the keyboard: type, arrow down to the second match, Enter.
    contact_search = page.get_by_role("combobox", name=re.compile(r"^Contact"))
    contact_search.fill("elena")
    contact_results = page.locator("#id_contact_results")
    expect(contact_results.get_by_role("button")).to_have_count(2)
    contact_search.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(contact_results.get_by_role("button", name=re.compile("Elena Vasilescu"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_contact_label")).to_have_text("Elena Vasilescu")
    expect(contact_search).to_be_focused()

    page.get_by_role("button", name="Save & Close").first.click()
    expect(page.get_by_text("Opportunity “Servere noi” created.")).to_be_visible()
    opportunity = Opportunity.objects.get(topic="Servere noi")
    assert (opportunity.account, opportunity.contact) == (carpati, elena)


def test_the_primary_contact_search_lists_only_the_accounts_contacts(page):
    SalespersonFactory(username="ana.salesperson")
    account = AccountFactory(name="Carpați Tech SRL")
    own = ContactFactory(first_name="Mihai", last_name="Ionescu", account=account)
    ContactFactory(first_name="Mihai", last_name="Stan", account=AccountFactory(name="Altă firmă SRL"))

    sign_in(page, "ana.salesperson")
    page.goto(f"/accounts/{account.pk}/edit/")
    expect(page.locator("#id_primary_contact_label")).to_have_text("None chosen")
    page.get_by_role("combobox", name=re.compile(r"^Primary contact")).fill("mihai")
    results = page.locator("#id_primary_contact_results")
    expect(results.get_by_role("button")).to_have_count(1)
    results.get_by_role("button", name=re.compile("Mihai Ionescu")).click()
    page.get_by_role("button", name="Save & Close").first.click()
    expect(page.get_by_role("heading", name="Carpați Tech SRL", level=1)).to_be_visible()
    account.refresh_from_db()
    assert account.primary_contact == own


def test_without_javascript_the_record_number_is_typed_after_finding_it_on_the_search_page(
    browser, live_server, transactional_db
):
    SalespersonFactory(username="ana.salesperson")
    carpati = AccountFactory(name="Carpați Tech SRL")
    context = browser.new_context(base_url=live_server.url, locale="en-US", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "ana.salesperson")
        page.goto("/contacts/new/")
        expect(page.get_by_role("combobox", name=re.compile(r"^Account"))).to_be_hidden()
        number = page.get_by_label("Record number")
        expect(number).to_be_visible()
        # The search page, opened from the field's link, shows each match's number.
        search_url = page.get_by_role("link", name="Find a record number").get_attribute("href")
        search = context.new_page()
        search.goto(search_url)
        search.get_by_label("Name, email or number").fill("carp")
        search.get_by_role("button", name="Search").click()
        expect(search.get_by_role("row", name=re.compile("Carpați Tech SRL"))).to_contain_text(str(carpati.pk))
        number.fill(str(carpati.pk))
        page.get_by_label("Last Name").fill("Ionescu")
        page.get_by_role("button", name="Save & Close").first.click()
        expect(page.get_by_role("heading", name="Ionescu", level=1)).to_be_visible()
        expect(page.get_by_role("main")).to_contain_text("Carpați Tech SRL")
    finally:
        context.close()
