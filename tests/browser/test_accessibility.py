"""Accessibility: axe-core finds no violation on the main pages (English and Romanian); the keyboard gets around.

axe-core is vendored in tests/browser/vendor/ (see its README).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, describe
from tests.browser.chromium import PASSWORD
from tests.browser.workspace import DESKTOP, PHONE, main_pages, workspace_book

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_main_pages_have_no_axe_violations(page, live_server, language):
    book = workspace_book()
    page.set_viewport_size(DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    found = {}

    page.goto("/login/")
    found["sign-in"] = axe_violations(page)
    sign_in_as_manager(page)
    for name, path, prepare in main_pages(book):
        page.goto(path)
        if prepare:
            prepare(page)
        found[name] = axe_violations(page)

    counts = {name: len(violations) for name, violations in found.items()}
    print(f"axe violations ({language}):", counts)
    report = "\n".join(f"{name}:\n{describe(violations)}" for name, violations in found.items() if violations)
    assert not report, f"axe-core violations in {language}:\n{report}"


def sign_in_as_manager(page):
    """Sign in on the page shown, in whichever language it is."""
    page.locator("#id_username").fill("maria.manager")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_keyboard_reaches_the_content_the_site_map_and_the_menus(page, live_server):
    book = workspace_book()
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    sign_in_as_manager(page)
    page.goto(f"/accounts/{book['account'].pk}/")

    # The skip link is the first stop of Tab, shows when focused, and moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()

    # On a phone the site map (Bootstrap's offcanvas) opens and closes with its button; Escape closes it and
    # returns to the button.
    toggle = page.get_by_role("button", name="Site map")
    site_map = page.locator("#site-map")
    expect(site_map).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(site_map).to_be_visible()
    page.wait_for_selector("#site-map.show:not(.showing)")
    # The focus stays inside it while it is open: its Close button, then its links.
    for _ in range(3):
        page.keyboard.press("Tab")
        if site_map.get_by_role("link").first.evaluate("(link) => link === document.activeElement"):
            break
    expect(site_map.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(site_map).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    # Escape closes the Contacts panel's More commands menu (a Bootstrap dropdown) and returns focus to it.
    more = page.locator("#contacts-panel").get_by_role("button", name="More commands")
    more.focus()
    page.keyboard.press("Enter")
    new_contact = page.locator("#contacts-panel").get_by_role("link", name="New Contact")
    expect(new_contact).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(new_contact).to_be_focused()
    page.keyboard.press("Escape")
    expect(new_contact).to_be_hidden()
    expect(more).to_be_focused()


def test_without_javascript_the_phone_shows_the_site_map_in_the_page(page, browser, live_server):
    workspace_book()
    page.goto("/login/")
    sign_in_as_manager(page)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    context.add_cookies(page.context.cookies())
    try:
        tab = context.new_page()
        tab.goto("/accounts/")
        expect(tab.locator("#site-map").get_by_role("link", name="Contacts")).to_be_visible()
        expect(tab.locator(".site-map-toggle")).to_be_hidden()
    finally:
        context.close()
