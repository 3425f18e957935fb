"""The Import Data wizard in Chromium: upload, map the columns, map the values, review, import; no axe violations."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from crm.imports.models import DataMap, ImportJob, ImportState
from tests.browser.axe import axe_violations, describe
from tests.browser.chromium import sign_in
from tests.factories import SalesManagerFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.browser

ROWS = [
    ["Company", "Sector", "Contact", "Notes"],
    ["Textile Vest SRL", "Textiles", "office@vest.ro", "Fair 2026"],
    ["Ferma Verde SRL", "agricultură", "info@ferma.ro", ""],
]


def test_a_manager_maps_a_file_step_by_step_and_saves_the_data_map(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SalesManagerFactory(username="maria.manager", first_name="Maria", last_name="Pop")
    path = tmp_path / "firme.csv"
    path.write_bytes(csv_bytes(ROWS))
    sign_in(page, "maria.manager")
    page.goto("/imports/new/")
    page.get_by_label("Import", exact=True).select_option("accounts")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Next: map the columns").click()

    # Map columns: the suggestions and why; Sector is mapped by hand; Notes ignored; saved as a data map.
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    assert axe_violations(page) == [], describe(axe_violations(page))
    row = page.locator("tr", has_text="Contact")
    expect(row.get_by_role("combobox")).to_have_value("email")
    expect(row).to_contain_text("A guess from the values")
    page.get_by_label("Sector").select_option("industry")
    page.get_by_label("Notes").select_option("")
    page.get_by_label("Save this mapping as a data map").fill("Firme din târg")
    page.get_by_role("button", name="Next").click()

    # Map values: the Romanian label is recognised; Textiles is given an option by hand.
    expect(page.get_by_role("heading", name="Map values")).to_be_visible()
    assert axe_violations(page) == [], describe(axe_violations(page))
    expect(page.get_by_label("agricultură")).to_have_value("agriculture")
    page.get_by_label("Textiles").select_option("manufacturing")
    page.get_by_role("button", name="Next").click()

    # Review: the first rows as they will be read, then Import.
    expect(page.get_by_role("heading", name="Review and import")).to_be_visible()
    assert axe_violations(page) == [], describe(axe_violations(page))
    expect(page.locator("tr", has_text="Industry")).to_contain_text("Manufacturing")
    assert not Account.objects.exists()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#job-progress")).to_contain_text("Completed")

    assert dict(Account.objects.values_list("name", "industry")) == {
        "Textile Vest SRL": "manufacturing",
        "Ferma Verde SRL": "agriculture",
    }
    assert set(Account.objects.values_list("description", flat=True)) == {""}
    job = ImportJob.objects.get()
    assert job.state == ImportState.COMPLETED and job.data_map == DataMap.objects.get(name="Firme din târg")


def test_a_missing_required_field_stops_the_wizard_with_the_message(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SalesManagerFactory(username="maria.manager")
    path = tmp_path / "firme.csv"
    path.write_bytes(csv_bytes(ROWS))
    sign_in(page, "maria.manager")
    page.goto("/imports/new/")
    page.get_by_label("Import", exact=True).select_option("accounts")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Next: map the columns").click()
    page.get_by_label("Company").select_option("")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("Account Name is required and no column goes to it")
    assert not Account.objects.exists()


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_wizard_steps_fit_a_phone_and_pass_axe_in_both_languages(
    page, live_server, settings, tmp_path, tmp_path_factory, language
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.imports.engine import ImportOptions
    from crm.imports.wizard import import_job_prepare, import_job_set_columns
    from tests.browser.test_phone_width import OVERFLOW
    from tests.browser.workspace import DESKTOP, PHONE, screenshots_dir

    settings.MEDIA_ROOT = tmp_path
    manager = SalesManagerFactory(username="maria.manager")
    rows = [ROWS[0] + ["Address 1: Street 2"], ROWS[1] + ["Hala 3, corp B, etaj 2, biroul 14"]]
    job = import_job_prepare(
        actor=manager,
        target="accounts",
        uploaded_file=SimpleUploadedFile("firme.csv", csv_bytes(rows)),
        options=ImportOptions(target="accounts"),
    )
    import_job_set_columns(job=job, actor=manager, chosen={0: "name", 1: "industry", 2: "email", 3: "", 4: "street_2"})
    folder = screenshots_dir(tmp_path_factory)
    sign_in(page, "maria.manager")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    problems = []
    for step in ("map", "values", "review"):
        for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page.set_viewport_size(size)
            page.goto(f"/imports/{job.pk}/{step}/")
            page.screenshot(path=folder / f"{language}-{label}-import-wizard-{step}.png", full_page=True)
            if label == "phone":
                found = page.evaluate(OVERFLOW)
                if found["scrollWidth"] > found["innerWidth"]:
                    problems.append(f"{step}: the page is {found['scrollWidth']} px wide, the screen 390 px")
                problems += [f"{step}: {offender}" for offender in found["offenders"][:8]]
            problems += [f"{step} at {label}: {line}" for line in describe(axe_violations(page)).splitlines()]
    assert not problems, "\n".join(problems)
