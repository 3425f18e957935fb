"""The brief's walk: a salesperson creates an account and works its Contacts panel in a real browser, at a
desktop's and a phone's width, and with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from contacts.models import Contact
from contacts.services import contact_attach_to_account
from tests.browser.chromium import sign_in
from tests.browser.workspace import DESKTOP, PHONE, wait_for_summary
from tests.factories import AccountFactory, ContactFactory, SalespersonFactory

pytestmark = pytest.mark.browser


def open_site_map_link(page, name):
    """Follow a site-map link; on a phone the site map opens behind its button first."""
    toggle = page.get_by_role("button", name="Site map")
    if toggle.is_visible():
        toggle.click()
    page.locator("#site-map").get_by_role("link", name=name).click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_salesperson_creates_an_account_and_works_its_contacts(page, viewport):
    page.set_viewport_size(viewport)
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    ursus = AccountFactory(name="Ursus Breweries SA")
    ContactFactory(first_name="Elena", last_name="Vasilescu", email="elena@ursus.ro", account=ursus)
    free = ContactFactory(first_name="Radu", last_name="Vasilescu", email="radu@liber.ro")
    late = ContactFactory(first_name="Ioana", last_name="Vasilescu", email="ioana@liber.ro")

    sign_in(page, "ana.salesperson")
    open_site_map_link(page, "Accounts")
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

    page.get_by_role("link", name="New", exact=True).click()
    page.get_by_label("Account Name").fill("Carpați Tech SRL")
    page.get_by_label("Account Number").fill("CT-001")
    page.get_by_label("City").fill("Brașov")
    page.get_by_role("button", name="Save & Close").first.click()
    expect(page.get_by_role("heading", name="Carpați Tech SRL", level=1)).to_be_visible()
    account = Account.objects.get(name="Carpați Tech SRL")
    account_url = re.compile(rf"/accounts/{account.pk}/$")
    expect(page).to_have_url(account_url)
    expect(page.get_by_role("link", name="Summary")).to_be_visible()

    # More commands > New Contact: the account is preset and saving comes back to the account.
    # The Summary's Figures and Timeline panels load after the page: on a phone they stand above the Contacts
    # panel, and a click made while one comes in lands where the button was.
    wait_for_summary("account")(page)
    contacts_panel = page.locator("#contacts-panel")
    contacts_panel.get_by_role("button", name="More commands").click()
    contacts_panel.get_by_role("link", name="New Contact").click()
    expect(page.locator("#id_account_label")).to_have_text("Carpați Tech SRL")
    expect(page.locator("#id_account_value")).to_have_value(str(account.pk))
    page.get_by_label("First Name").fill("Mihai")
    page.get_by_label("Last Name").fill("Ionescu")
    page.get_by_label("Email").fill("mihai@carpati.ro")
    page.get_by_role("button", name="Save & Close").first.click()
    expect(page).to_have_url(account_url)
    expect(contacts_panel.get_by_role("link", name="Mihai Ionescu")).to_be_visible()
    assert Contact.objects.get(last_name="Ionescu").account == account

    # More commands > Add Existing Contact opens the lookup dialog; a contact of another account shows it
    # (linked) and why, with no Add button.
    contacts_panel.get_by_role("button", name="More commands").click()
    contacts_panel.get_by_role("link", name="Add Existing Contact").click()
    dialog = page.get_by_role("dialog", name="Add Existing Contact")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Search contacts by name or email")).to_be_focused()
    dialog.get_by_label("Search contacts by name or email").fill("Vasilescu")
    taken_row = dialog.locator("li", has_text="Elena Vasilescu")
    expect(taken_row).to_contain_text("Already on Ursus Breweries SA")
    expect(taken_row.get_by_role("link", name="Ursus Breweries SA")).to_have_attribute("href", ursus.get_absolute_url())
    expect(taken_row.get_by_role("button")).to_have_count(0)

    # Someone else puts Ioana on Ursus while the dialog is open: Add is refused, naming and linking that account.
    contact_attach_to_account(contact=late, account=ursus, actor=ana)
    dialog.locator("li", has_text="Ioana Vasilescu").get_by_role("button", name="Add").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "Ioana Vasilescu already belongs to the account Ursus Breweries SA."
    )
    expect(dialog.get_by_role("alert").get_by_role("link", name="Open Ursus Breweries SA")).to_be_visible()
    late.refresh_from_db()
    assert late.account == ursus

    # A free contact is added: the page comes back with it in the Contacts panel.
    dialog.locator("li", has_text="Radu Vasilescu").get_by_role("button", name="Add").click()
    expect(contacts_panel.get_by_role("link", name="Radu Vasilescu")).to_be_visible()
    free.refresh_from_db()
    assert free.account == account
    assert sorted(account.contacts.values_list("first_name", flat=True)) == ["Mihai", "Radu"]
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    ), "the account page overflows the viewport"


def tab_to(page, locator, presses=80):
    """Press Tab until ``locator`` has the focus."""
    for _ in range(presses):
        if locator.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_the_walk_with_the_keyboard_alone(page):
    SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    ursus = AccountFactory(name="Ursus Breweries SA")
    ContactFactory(first_name="Elena", last_name="Vasilescu", account=ursus)
    free = ContactFactory(first_name="Radu", last_name="Vasilescu")
    sign_in(page, "ana.salesperson")

    page.goto("/accounts/new/")
    tab_to(page, page.get_by_label("Account Name"))
    page.keyboard.type("Carpați Tech SRL")
    # Enter in a field is Save: the form stays open on the saved account.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/\d+/edit/$"))
    account = Account.objects.get(name="Carpați Tech SRL")
    tab_to(page, page.get_by_role("button", name="Save & Close").first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/$"))

    more = page.locator("#contacts-panel").get_by_role("button", name="More commands")
    tab_to(page, more)
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name="New Contact")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name="Add Existing Contact")).to_be_focused()
    page.keyboard.press("Enter")
    search = page.get_by_role("dialog").get_by_label("Search contacts by name or email")
    expect(search).to_be_focused()
    page.keyboard.type("Vasilescu")
    add = page.get_by_role("dialog").get_by_role("button", name="Add Radu Vasilescu")
    expect(add).to_be_visible()
    # Escape closes the dialog and gives the focus back to More commands.
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(more).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(search).to_be_focused()
    # (Escape in a search box also empties it.)
    page.keyboard.type("Radu")
    expect(add).to_be_visible()
    tab_to(page, add)
    page.keyboard.press("Enter")
    expect(page.locator("#contacts-panel").get_by_role("link", name="Radu Vasilescu")).to_be_visible()
    free.refresh_from_db()
    assert free.account == account
