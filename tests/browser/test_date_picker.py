"""In a real browser: a Romanian user in an English browser picks dates the CRM's way (dd.mm.yyyy), by mouse
and by keyboard, with the picker of static/js/date_picker.js, and without JavaScript types them."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import sign_in
from tests.browser.test_csp import Watch
from tests.factories import OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.browser


def in_romanian(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "ro", "url": live_server.url}])


def test_a_romanian_user_picks_the_close_date_by_mouse_and_by_keyboard(page, live_server):
    watch = Watch(page)
    ana = SalespersonFactory(username="ana.salesperson")
    opportunity = OpportunityFactory(owner=ana, topic="Servere noi", estimated_close_date=datetime.date(2026, 12, 1))
    sign_in(page, "ana.salesperson")
    in_romanian(page, live_server)
    watch.visit(f"/opportunities/{opportunity.pk}/edit/")

    field = page.locator("#id_estimated_close_date")
    expect(field).to_have_value("01.12.2026")
    expect(field).to_have_attribute("placeholder", "zz.ll.aaaa")  # dd.mm.yyyy, in Romanian
    picker = page.locator(".datepicker")
    expect(picker).to_be_hidden()

    # A click opens the calendar on the field's month, named in Romanian (lower case), the week from Monday.
    field.click()
    expect(picker).to_be_visible()
    expect(picker.locator(".view-switch")).to_have_text("decembrie 2026")
    expect(picker.locator(".days-of-week .dow").first).to_have_text("lu")
    picker.locator(".datepicker-cell.day:not(.prev):not(.next)", has_text="15").first.click()
    expect(field).to_have_value("15.12.2026")
    expect(picker).to_be_hidden()

    # The keyboard: ArrowDown opens it, the arrows move the day, Escape closes it, Enter picks.
    field.focus()
    page.keyboard.press("ArrowDown")
    expect(picker).to_be_visible()
    page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(field).to_have_value("15.12.2026")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(field).to_have_value("24.12.2026")
    expect(picker).to_be_hidden()
    watch.check()

    page.locator("button[name=save][value=close]").first.click()
    expect(page.get_by_role("heading", name="Servere noi", level=1)).to_be_visible()
    watch.check()
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2026, 12, 24)
    assert watch.reports == []


def test_a_typed_date_is_read_the_servers_way_and_a_wrong_one_is_left_for_the_form_to_point_out(page, live_server):
    watch = Watch(page)
    ana = SalespersonFactory(username="ana.salesperson")
    opportunity = OpportunityFactory(owner=ana, topic="Servere noi", estimated_close_date=datetime.date(2026, 12, 1))
    sign_in(page, "ana.salesperson")
    in_romanian(page, live_server)
    watch.visit(f"/opportunities/{opportunity.pk}/edit/")
    field = page.locator("#id_estimated_close_date")

    # ISO typed in is read and written back the Romanian way.
    field.click()
    field.fill("2027-01-05")
    page.keyboard.press("Tab")
    expect(field).to_have_value("05.01.2027")

    # A day that does not exist stays as typed (the picker would otherwise put the old date back) ...
    field.click()
    field.fill("31.02.2026")
    page.keyboard.press("Tab")
    expect(field).to_have_value("31.02.2026")
    # ... and the server says what is wrong, beside the field, keeping what was typed.
    page.locator("button[name=save][value=close]").first.click()
    expect(page.locator("#id_estimated_close_date_error")).to_contain_text("Introduceți o dată validă.")
    expect(page.locator("#id_estimated_close_date")).to_have_value("31.02.2026")
    watch.check()
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2026, 12, 1)
    assert watch.reports == []


def test_without_javascript_the_date_is_typed(browser, live_server, transactional_db):
    ana = SalespersonFactory(username="ana.salesperson")
    opportunity = OpportunityFactory(owner=ana, topic="Servere noi", estimated_close_date=datetime.date(2026, 12, 1))
    context = browser.new_context(base_url=live_server.url, locale="en-US", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, "ana.salesperson")
    in_romanian(page, live_server)
    page.goto(f"/opportunities/{opportunity.pk}/edit/")
    field = page.locator("#id_estimated_close_date")
    expect(field).to_have_value("01.12.2026")
    field.fill("15.12.2026")
    page.locator("button[name=save][value=close]").first.click()
    expect(page.get_by_role("heading", name="Servere noi", level=1)).to_be_visible()
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2026, 12, 15)
    context.close()


def test_in_english_the_picker_writes_iso_dates(page):
    watch = Watch(page)
    ana = SalespersonFactory(username="ana.salesperson")
    opportunity = OpportunityFactory(owner=ana, topic="Servere noi", estimated_close_date=datetime.date(2026, 12, 1))
    sign_in(page, "ana.salesperson")
    watch.visit(f"/opportunities/{opportunity.pk}/edit/")
    field = page.locator("#id_estimated_close_date")
    expect(field).to_have_value("2026-12-01")
    field.click()
    picker = page.locator(".datepicker")
    expect(picker.locator(".view-switch")).to_have_text("December 2026")
    expect(picker.locator(".days-of-week .dow").first).to_have_text("Mo")
    picker.locator(".datepicker-cell.day:not(.prev):not(.next)", has_text="15").first.click()
    expect(field).to_have_value("2026-12-15")
    page.locator("button[name=save][value=close]").first.click()
    expect(page.get_by_role("heading", name="Servere noi", level=1)).to_be_visible()
    watch.check()
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2026, 12, 15)
    assert watch.reports == []
