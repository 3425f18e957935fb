"""The salesperson's walk through the Timeline in Chromium, in English and Romanian: a note with a file, a task
due tomorrow and a logged call at the top of an account's Timeline, the task in My Activities and on the
dashboard, completed there, and a contact's call rolled up to its account; axe at 390 and 1366 px."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.services import contact_create
from crm.activities.models import Activity, ActivityKind, ActivityState
from crm.activities.services import activity_create
from tests.browser.axe import axe_violations, describe
from tests.browser.chromium import htmx_settled, sign_in
from tests.factories import AccountFactory, SalespersonFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "ro"])
def test_note_task_and_call_on_an_account_then_the_task_completed_from_my_activities(
    page, live_server, settings, tmp_path, tmp_path_factory, language
):
    from tests.browser.test_phone_width import OVERFLOW
    from tests.browser.workspace import DESKTOP, PHONE, screenshots_dir

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop")
    account = AccountFactory(owner=ana, name="Carpați Tech SRL", main_phone="+40 21 555 0101")
    contact = contact_create(actor=ana, first_name="Mihai", last_name="Ionescu", account=account)
    activity_create(kind=ActivityKind.PHONE_CALL, regarding=contact, actor=ana, subject="Apel Mihai despre flotă")
    offer = tmp_path / "oferta.pdf"
    offer.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    folder = screenshots_dir(tmp_path_factory)

    sign_in(page, "ana.salesperson")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(account.get_absolute_url())
    timeline = page.locator("#timeline")
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry")
    # The contact's call rolls up to its account, labelled with whom it regards.
    expect(timeline.locator(".timeline-entry.phone_call")).to_contain_text("Apel Mihai despre flotă")
    expect(timeline.locator(".timeline-entry.phone_call .regarding")).to_contain_text("Mihai Ionescu")

    # A note with a file, saved with Ctrl+Enter; the panel comes back through htmx.
    timeline.locator("textarea[name=text]").fill("Au cerut oferta până vineri.")
    timeline.locator("input[name=attachments]").set_input_files(str(offer))
    timeline.locator("textarea[name=text]").press("Control+Enter")
    expect(timeline.locator(".timeline-entry.note").first).to_contain_text("Au cerut oferta până vineri.")
    expect(timeline.locator(".attachments a")).to_have_text("oferta.pdf")

    # A task due tomorrow and a logged call, from the "+" menu.
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=10, minute=0)
    timeline.locator("header details summary").click()
    timeline.locator("a[href*='/new/task/']").click()
    page.locator("input[name=subject]").fill("Trimite oferta pentru flotă")
    page.locator("input[name=due_at]").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry.task")
    timeline.locator("header details summary").click()
    timeline.locator("a[href*='/new/phone_call/']").click()
    expect(page.locator("input[name=phone_number]")).to_have_value("+40 21 555 0101")  # the account's number
    page.locator("input[name=subject]").fill("Apel de confirmare")
    page.locator("input[name=duration_minutes]").fill("12")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry.phone_call >> text=Apel de confirmare")

    # All three at the top, newest first.
    entries = timeline.locator(".timeline-entry")
    expect(entries.nth(0)).to_contain_text("Apel de confirmare")
    expect(entries.nth(1)).to_contain_text("Trimite oferta pentru flotă")
    expect(entries.nth(2)).to_contain_text("Au cerut oferta până vineri.")
    problems = []
    for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        page.screenshot(path=folder / f"{language}-{label}-account-timeline.png", full_page=True)
        if label == "phone":
            found = page.evaluate(OVERFLOW)
            if found["scrollWidth"] > found["innerWidth"]:
                problems.append(f"the page is {found['scrollWidth']} px wide, the screen 390 px")
            problems += found["offenders"][:8]
        problems += [f"{label}: {line}" for line in describe(axe_violations(page)).splitlines()]

    # The task on the dashboard and in My Activities, completed there with one click.
    page.goto("/dashboard/")
    expect(page.locator("#my-work")).to_contain_text("Trimite oferta pentru flotă")
    page.goto("/activities/?view=week")
    row = page.locator("tr", has_text="Trimite oferta pentru flotă")
    problems += [f"My Activities: {line}" for line in describe(axe_violations(page)).splitlines()]
    page.screenshot(path=folder / f"{language}-desktop-my-activities.png", full_page=True)
    row.locator("form[action*='/complete/'] button").click()
    expect(page.locator("tr", has_text="Trimite oferta pentru flotă")).to_have_count(0)
    task = Activity.objects.get(subject="Trimite oferta pentru flotă")
    assert task.state == ActivityState.COMPLETED and task.owner == ana and task.account_id == account.pk
    assert not problems, "\n".join(problems)


def test_an_email_to_the_accounts_contact_sent_by_the_worker_with_people_added_by_a_click(
    page, live_server, settings, tmp_path_factory
):
    from django.core import mail

    from crm.activities.models import SendState
    from crm.activities.services import email_deliver_now
    from tests.browser.workspace import screenshots_dir

    settings.CRM_EMAIL_ENABLED = True
    ana = SalespersonFactory(username="ana.salesperson", first_name="Ana", last_name="Pop", email="ana@firma.ro")
    account = AccountFactory(owner=ana, name="Carpați Tech SRL")
    contact_create(actor=ana, first_name="Mihai", last_name="Ionescu", email="mihai@carpati.ro", account=account)
    sign_in(page, "ana.salesperson")
    page.goto(account.get_absolute_url())
    timeline = page.locator("#timeline")
    page.wait_for_selector(htmx_settled("#timeline"))
    timeline.locator("header details summary").click()
    timeline.locator("a[href*='/new/email/']").click()
    expect(page.locator("input[name=sender]")).to_have_value("Ana Pop <ana@firma.ro>")
    page.locator("input[name=to]").fill("")
    page.get_by_role("button", name="+ Mihai Ionescu <mihai@carpati.ro>").click()
    expect(page.locator("input[name=to]")).to_have_value("Mihai Ionescu <mihai@carpati.ro>")
    page.get_by_role("button", name="+ Mihai Ionescu <mihai@carpati.ro>").click()  # not twice
    expect(page.locator("input[name=to]")).to_have_value("Mihai Ionescu <mihai@carpati.ro>")
    page.locator("input[name=subject]").fill("Oferta pentru flotă")
    page.locator("textarea[name=description]").fill("Bună ziua,\n\nVă trimit oferta.")
    page.locator("input[name=send_now]").check()
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.screenshot(path=screenshots_dir(tmp_path_factory) / "en-desktop-email-form.png", full_page=True)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector(f"{htmx_settled('#timeline')} .timeline-entry.email")
    email = Activity.objects.get(kind=ActivityKind.EMAIL)
    assert email.send_state == SendState.QUEUED
    assert email_deliver_now(email.pk) == SendState.SENT  # the worker's work, as db_worker runs it
    assert mail.outbox[-1].to == ["Mihai Ionescu <mihai@carpati.ro>"]
    page.goto(email.get_absolute_url())
    expect(page.locator(".badge.send-sent")).to_be_visible()
    expect(page.locator("dl.fields")).to_contain_text("mihai@carpati.ro")
