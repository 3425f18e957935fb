"""Duplicate detection and merge in Chromium: "Duplicate records found" before a save, Save anyway, Merge from
a list, the merge's result and its undo, and the Duplicates page; every page at a phone's and a desktop's width
in English and Romanian, with no axe-core violation and no sideways scrolling."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from accounts.services import account_create
from crm.duplicates.models import DuplicateScan, RecordMerge
from crm.duplicates.registry import kind_of
from crm.duplicates.scan import duplicates_scan_run, duplicates_scan_start
from tests.browser.axe import axe_violations, describe
from tests.browser.chromium import sign_in
from tests.factories import SalesManagerFactory, SalespersonFactory

pytestmark = pytest.mark.browser


def test_a_new_account_like_one_on_file_is_caught_before_it_is_saved(page):
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    on_file = account_create(actor=ana, name="Grupul Carpați Holding S.A.", city="Brașov", website="https://carpati.ro")
    sign_in(page, "ana.salesperson")
    page.goto("/accounts/new/")
    page.get_by_label("Account Name").fill("GRUPUL CARPATI HOLDING SA")
    page.get_by_label("Website").fill("http://www.carpati.ro/despre")
    page.get_by_role("button", name="Save & Close").first.click()
    panel = page.get_by_role("alert").filter(has_text="Duplicate records found")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    expect(panel.get_by_role("link", name="Grupul Carpați Holding S.A.")).to_have_attribute(
        "href", on_file.get_absolute_url()
    )
    expect(panel).to_contain_text("Same account name, Same website domain")
    assert Account.objects.count() == 1  # nothing saved yet
    assert axe_violations(page) == [], describe(axe_violations(page))
    # The form kept what was typed; Save anyway saves it.
    expect(page.get_by_label("Account Name")).to_have_value("GRUPUL CARPATI HOLDING SA")
    panel.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("heading", name="GRUPUL CARPATI HOLDING SA", level=1)).to_be_visible()
    assert Account.objects.count() == 2


def test_a_manager_merges_two_accounts_from_the_list_and_undoes_it(page):
    maria = SalesManagerFactory(username="maria.manager", first_name="Maria", last_name="Ionescu")
    master = account_create(actor=maria, name="Altex România SRL", city="București")
    twin = account_create(actor=maria, name="ALTEX ROMANIA S.R.L.", city="Piatra Neamț", account_number="ALT-2")
    sign_in(page, "maria.manager")
    page.goto("/accounts/?sort=name")
    page.locator(f"input[name=selected][value='{master.pk}']").check()
    page.locator(f"input[name=selected][value='{twin.pk}']").check()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("heading", name="Master record", exact=True)).to_be_visible()
    # The master is chosen first; the fields' choices then default to its values.
    page.locator("form.merge-master").get_by_role("radio", name=re.compile("^Altex România SRL")).check()
    page.get_by_role("button", name="Use as master record").click()
    expect(page.locator("form.merge-fields thead")).to_contain_text("Altex România SRL Master record")
    assert axe_violations(page) == [], describe(axe_violations(page))
    # The master keeps its name, takes the other's city and number.
    page.get_by_role("radio", name="Piatra Neamț").check()
    page.get_by_role("radio", name="ALT-2").check()
    page.locator("form.merge-fields").get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("was merged into Altex România SRL")
    assert axe_violations(page) == [], describe(axe_violations(page))
    master.refresh_from_db()
    assert (master.city, master.account_number) == ("Piatra Neamț", "ALT-2")
    page.get_by_role("button", name="Undo the merge").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{twin.pk}/$"))
    expect(page.get_by_text("The merge was undone")).to_be_visible()
    master.refresh_from_db()
    twin.refresh_from_db()
    assert (master.city, twin.merged_into_id, twin.account_number) == ("București", None, "ALT-2")
    assert RecordMerge.objects.get().undone_at is not None


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_duplicate_pages_fit_a_phone_and_pass_axe_in_both_languages(page, live_server, tmp_path_factory, language):
    from tests.browser.test_phone_width import OVERFLOW
    from tests.browser.workspace import DESKTOP, PHONE, screenshots_dir

    maria = SalesManagerFactory(username="maria.manager", first_name="Maria", last_name="Ionescu")
    first = account_create(
        actor=maria, name="Transilvania Logistic Grup SRL", city="Cluj-Napoca", website="https://translog.ro"
    )
    second = account_create(actor=maria, name="TRANSILVANIA LOGISTIC GRUP", city="Turda", main_phone="0264 123 456")
    account_create(actor=maria, name="Transport Ardeal", website="http://www.translog.ro/contact")
    scan, _new = duplicates_scan_start(kind=kind_of(Account), actor=maria)
    duplicates_scan_run(scan.pk)
    merged = account_create(actor=maria, name="Transilvania Logistic Grup S.A.")
    merge = kind_of(Account).merge(master=first, subordinate=merged, fields=[], actor=maria)
    assert DuplicateScan.objects.get().groups_found == 2
    folder = screenshots_dir(tmp_path_factory)
    sign_in(page, "maria.manager")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    pages = [
        ("duplicates", "/duplicates/?kind=accounts", None),
        ("merge", f"/duplicates/accounts/merge/?records={first.pk}&records={second.pk}", None),
        ("merge-done", f"/duplicates/merges/{merge.pk}/", None),
        ("merged-account", f"/accounts/{merged.pk}/", None),
    ]

    def found_panel(page):
        page.get_by_label(re.compile("Account Name|Nume cont")).fill("transilvania logistic grup")
        page.locator("main form button.btn-primary[type=submit]").first.click()
        page.wait_for_selector(".duplicates-found")

    pages.append(("duplicates-found", "/accounts/new/", found_panel))
    problems = []
    for name, path, prepare in pages:
        for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page.set_viewport_size(size)
            page.goto(path)
            if prepare:
                prepare(page)
            page.screenshot(path=folder / f"{language}-{label}-{name}.png", full_page=True)
            if label == "phone":
                found = page.evaluate(OVERFLOW)
                if found["scrollWidth"] > found["innerWidth"]:
                    problems.append(f"{name}: the page is {found['scrollWidth']} px wide, the screen 390 px")
                problems += [f"{name}: {offender}" for offender in found["offenders"][:8]]
            problems += [f"{name} at {label}: {line}" for line in describe(axe_violations(page)).splitlines()]
    if language == "ro":
        page.goto("/accounts/new/")
        found_panel(page)
        expect(page.get_by_role("alert")).to_contain_text("Înregistrări duplicate găsite")
        expect(page.get_by_role("button", name="Salvare oricum")).to_be_visible()
    assert not problems, "\n".join(problems)
