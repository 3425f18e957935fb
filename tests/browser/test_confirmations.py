"""Destructive commands ask first in a dialog: Escape or Back change nothing, Confirm posts the command."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from opportunities.models import Opportunity, OpportunityState
from tests.browser.chromium import sign_in
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.browser

def test_remove_from_account_asks_in_a_dialog(page):
    SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    account = AccountFactory(name="Carpați Tech SRL")
    leaving = ContactFactory(first_name="Mihai", last_name="Ionescu", account=account)
    ContactFactory(first_name="Ioana", last_name="Rămas", account=account)

    sign_in(page, "ana.salesperson")
    page.goto(account.get_absolute_url())
    panel = page.locator("#contacts-panel")
    row = panel.locator("tr", has_text="Mihai Ionescu")
    remove = row.get_by_role("link", name="Remove from account")

    # Opened from the keyboard: the dialog takes the focus on its Back button; Escape closes it, nothing changes.
    remove.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Remove Mihai Ionescu from the account Carpați Tech SRL?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Back")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()
    assert page.url.endswith(account.get_absolute_url())
    leaving.refresh_from_db()
    assert leaving.account == account

    # Back closes it too.
    remove.click()
    dialog.get_by_role("button", name="Back").click()
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()

    # Confirm posts the command (htmx): the panel comes back without the contact, with its message.
    remove.click()
    dialog.get_by_role("button", name="Remove from account").click()
    expect(panel).to_contain_text("Mihai Ionescu was removed from the account Carpați Tech SRL.")
    expect(panel.get_by_role("link", name="Mihai Ionescu")).to_have_count(0)
    expect(panel.get_by_role("link", name="Ioana Rămas")).to_be_visible()
    expect(panel.get_by_role("heading", name="Contacts")).to_be_focused()
    assert Contact.objects.get(pk=leaving.pk).account is None


def test_close_as_lost_asks_before_posting_its_form(page):
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    opportunity = OpportunityFactory(topic="Licențe ERP", owner=ana)
    sign_in(page, "ana.salesperson")
    page.goto(opportunity.get_absolute_url())
    section = page.locator("#close-as-lost")
    section.get_by_label("Status reason").select_option("canceled")
    section.get_by_role("button", name="Close as Lost").click()
    dialog = page.get_by_role("dialog", name="Close “Licențe ERP” as lost?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Opportunity.objects.get(pk=opportunity.pk).state == OpportunityState.OPEN

    section.get_by_role("button", name="Close as Lost").click()
    dialog.get_by_role("button", name="Close as Lost").click()
    expect(page.get_by_text("Opportunity closed as lost.")).to_be_visible()
    assert Opportunity.objects.get(pk=opportunity.pk).state == OpportunityState.LOST
