"""At a phone's 390x844 no page is wider than the screen; at 1366x900 no table in a panel is clipped.

Screenshots of each page at both widths go to CRM_SCREENSHOTS_DIR (a folder CI keeps), else a temporary folder.
"""

import pytest

from tests.browser.test_accessibility import sign_in_as_manager
from tests.browser.workspace import DESKTOP, PHONE, main_pages, screenshots_dir, workspace_book

pytestmark = pytest.mark.browser

# What passes the viewport's right edge, or is cut off by a box that clips it. A `.table-scroll` region (or
# a table made to scroll) scrolls sideways by design, with a visible scrollbar, so what is inside it does not
# count; nor does what is visually hidden (a 1 px box) for screen readers.
OVERFLOW = """() => {
    const width = window.innerWidth;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
    const byDesign = (box) => box.matches(".table-scroll")
        || (box.tagName === "TABLE" && getComputedStyle(box).overflowX === "auto");
    const clippers = (el) => {
        const boxes = [];
        for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
            const rect = box.getBoundingClientRect();
            if (byDesign(box) || rect.width <= 1 || rect.height <= 1) return null;  // scrolls, or visually hidden
            if (getComputedStyle(box).overflowX !== "visible") boxes.push(box);
        }
        return boxes;
    };
    const offenders = [];
    for (const el of document.querySelectorAll("body *")) {
        const rect = el.getBoundingClientRect();
        const boxes = clippers(el);
        if (!boxes || el.closest(".skip-link") || !rect.width || !rect.height) continue;
        if (getComputedStyle(el).visibility === "hidden") continue;
        if (rect.right > width + 1) offenders.push(`${name(el)} ends at ${Math.round(rect.right)} px`);
        for (const box of boxes) {
            const edge = box.getBoundingClientRect().right;
            if (rect.right > edge + 1) {
                offenders.push(`${name(el)} cut off by ${name(box)} (${Math.round(rect.right)} > ${Math.round(edge)})`);
            }
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, offenders: offenders};
}"""

# A table in a panel that needs its scroll area at the desktop width: part of it is hidden.
CLIPPED_TABLES = """() => [...document.querySelectorAll(".panel table")].flatMap((table) => {
    let box = table.parentElement;
    while (box && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    if (!box || table.getBoundingClientRect().width === 0) return [];
    const hidden = box.scrollWidth - box.clientWidth;
    return hidden > 1 ? [`${table.closest(".panel").id || "panel"}: ${hidden} px hidden`] : [];
})"""


SKIPPED = {"accounts-form", "contacts-form", "opportunities-form", "invoices-form", "imports", "profile"}


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_main_pages_fit_a_phone_and_no_panel_table_is_clipped_on_a_desktop(
    page, live_server, tmp_path_factory, language
):
    book = workspace_book()
    folder = screenshots_dir(tmp_path_factory)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/login/")
    sign_in_as_manager(page)
    # The lists, the Summary pages, the forms with their errors, the dashboard and the import job page.
    pages = [entry for entry in main_pages(book) if entry[0] not in SKIPPED]
    problems = []
    for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        for name, path, prepare in pages:
            page.goto(path)
            if prepare:
                prepare(page)
            page.screenshot(path=folder / f"{language}-{label}-{name}.png", full_page=True)
            if label == "phone":
                found = page.evaluate(OVERFLOW)
                if found["scrollWidth"] > found["innerWidth"]:
                    problems.append(f"{name}: the page is {found['scrollWidth']} px wide, the screen 390 px")
                problems += [f"{name}: {offender}" for offender in found["offenders"][:8]]
            else:
                problems += [f"{name} at 1366 px: {clipped}" for clipped in page.evaluate(CLIPPED_TABLES)]
    print(f"width problems ({language}):", len(problems))
    assert not problems, "\n".join(problems)
