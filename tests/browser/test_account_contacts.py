"""The brief's walk: a salesperson creates an account and works its Contacts panel in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from contacts.models import Contact
from tests.browser.chromium import sign_in
from tests.factories import AccountFactory, ContactFactory, SalespersonFactory

pytestmark = pytest.mark.browser

def test_salesperson_creates_an_account_and_works_its_contacts(page):
    SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    ursus = AccountFactory(name="Ursus Breweries SA")
    taken = ContactFactory(first_name="Elena", last_name="Vasilescu", email="elena@ursus.ro", account=ursus)

    sign_in(page, "ana.salesperson")
    page.get_by_role("navigation", name="Site map").get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

    page.get_by_role("link", name="New", exact=True).click()
    page.get_by_label("Account Name").fill("Carpați Tech SRL")
    page.get_by_label("Account Number").fill("CT-001")
    page.get_by_label("City").fill("Brașov")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("heading", name="Carpați Tech SRL", level=1)).to_be_visible()
    account = Account.objects.get(name="Carpați Tech SRL")
    account_url = re.compile(rf"/accounts/{account.pk}/$")
    expect(page).to_have_url(account_url)
    expect(page.get_by_role("link", name="Summary")).to_be_visible()

    # More commands > New Contact: the account is preset and saving comes back to the account.
    contacts_panel = page.locator("#contacts-panel")
    contacts_panel.get_by_text("More commands").click()
    contacts_panel.get_by_role("link", name="New Contact").click()
    expect(page.locator("#id_account_label")).to_have_text("Carpați Tech SRL")
    expect(page.locator("#id_account_value")).to_have_value(str(account.pk))
    page.get_by_label("First Name").fill("Mihai")
    page.get_by_label("Last Name").fill("Ionescu")
    page.get_by_label("Email").fill("mihai@carpati.ro")
    page.get_by_role("button", name="Save").first.click()
    expect(page).to_have_url(account_url)
    expect(contacts_panel.get_by_role("link", name="Mihai Ionescu")).to_be_visible()
    assert Contact.objects.get(last_name="Ionescu").account == account

    # More commands > Add Existing Contact with a contact of another account: refused, naming that account.
    contacts_panel.get_by_text("More commands").click()
    contacts_panel.get_by_role("link", name="Add Existing Contact").click()
    page.get_by_label("Search contacts by name or email").fill("Vasilescu")
    row = page.locator("#results tr", has_text="Elena Vasilescu")
    expect(row).to_contain_text("Ursus Breweries SA")
    row.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Elena Vasilescu already belongs to the account Ursus Breweries SA."
    )
    taken.refresh_from_db()
    assert taken.account == ursus
    assert list(account.contacts.values_list("last_name", flat=True)) == ["Ionescu"]
