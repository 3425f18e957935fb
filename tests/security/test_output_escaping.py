"""Hostile text in every text field of every record is shown escaped on every page, panel and admin list.

Each record (and each owner's name, an import's file name, headers and row errors, an
export's message) holds markup; then every page of the URL conf is asked, as a page and
as an htmx request, about those records. No page may hold the markup as markup; the pages
that show the records must hold it escaped.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import account_create, account_merge, account_update
from contacts.services import contact_create, contact_update
from crm.activities.models import ActivityKind
from crm.activities.services import activity_create, note_create
from crm.duplicates.models import DuplicateGroup, DuplicateScan, ScanState
from crm.exports.models import ExportJob, ExportState
from crm.imports.models import ImportJob, ImportRowIssue, ImportState
from crm.models import SavedView
from invoices.services import invoice_create
from opportunities.services import opportunity_create, opportunity_update
from tests.factories import AdministratorFactory, SalespersonFactory
from tests.security.site import Records, routes, send, url_arguments, url_for

pytestmark = pytest.mark.django_db

PAYLOAD = '{{7*7}}<script>alert("x")</script>"><img src=x onerror=alert(1)>'
# What must never reach a page as it is, and what must be there instead.
RAW = ('<script>alert("x")', "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def fill_text_fields(record):
    """Put PAYLOAD (cut to fit) in every free text field of ``record``, as an import or the database could."""
    values = {
        field.name: PAYLOAD[: field.max_length] if field.max_length else PAYLOAD
        for field in record._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices and not field.primary_key
    }
    type(record)._default_manager.filter(pk=record.pk).update(**values)
    record.refresh_from_db()
    return record


@pytest.fixture
def hostile():
    """An administrator and a salesperson with hostile names, and records full of hostile text with their history."""
    admin = AdministratorFactory(username="admin", first_name=PAYLOAD, last_name=PAYLOAD)
    owner = SalespersonFactory(username="ana", first_name=PAYLOAD, last_name=PAYLOAD)
    account = account_create(actor=owner, name=PAYLOAD, description=PAYLOAD, city=PAYLOAD[:100])
    contact = contact_create(actor=owner, first_name=PAYLOAD[:50], last_name=PAYLOAD[:50], account=account,
                             job_title=PAYLOAD[:100])
    opportunity = opportunity_create(actor=owner, topic=PAYLOAD, account=account, contact=contact,
                                     estimated_revenue=Decimal("1000"), description=PAYLOAD)
    invoice = invoice_create(actor=owner, name=PAYLOAD, account=account, opportunity=opportunity, lines=[
        {"description": PAYLOAD, "quantity": Decimal(1), "unit_price": Decimal(10), "discount": Decimal(0),
         "tax_rate": Decimal(0)},
    ])
    # Changes, for the timelines: each shows the value before and after.
    account_update(account=account, actor=owner, name=PAYLOAD + " 2", description=PAYLOAD + " 2")
    contact_update(contact=contact, actor=owner, job_title=PAYLOAD[:90] + " 2")
    opportunity_update(opportunity=opportunity, actor=owner, topic=PAYLOAD + " 2")
    # A hostile twin merged into the account (its page says so, the merge's page names both), and a group of a
    # duplicate detection job with another.
    twin = account_create(actor=owner, name=PAYLOAD[:150] + " twin")
    merge = account_merge(master=account, subordinate=twin, fields=[], actor=owner)
    other = account_create(actor=owner, name=PAYLOAD[:150] + " bis")
    scan = DuplicateScan.objects.create(model="accounts.account", requested_by=admin, state=ScanState.DONE,
                                        groups_found=1, records_scanned=3)
    group = DuplicateGroup.objects.create(scan=scan, rules=["accounts.name"], shared=[PAYLOAD], size=2,
                                          record_ids=[account.pk, other.pk])
    for record in (account, contact, opportunity, invoice, *invoice.lines.all()):
        fill_text_fields(record)
    import_job = ImportJob.objects.create(
        target="accounts", file_name=PAYLOAD + ".csv", created_by=admin, state=ImportState.COMPLETED,
        message=PAYLOAD, headers=[PAYLOAD], column_mapping={PAYLOAD: "name"}, ignored_columns=[PAYLOAD],
        total_rows=2, processed_rows=2, failed_count=1, skipped_count=1,
    )
    for kind in ImportRowIssue.Kind.values:
        ImportRowIssue.objects.create(job=import_job, row_number=2, kind=kind, column=PAYLOAD, message=PAYLOAD,
                                      values=[PAYLOAD])
    export_job = ExportJob.objects.create(target="accounts", file_format="csv", created_by=admin,
                                          state=ExportState.FAILED, message=PAYLOAD, query=f"q={PAYLOAD}")
    # A saved view of the owner's with a hostile name, for the list's view selector and the views page.
    saved_view = SavedView.objects.create(user=owner, list_key="accounts", name=PAYLOAD[:80], filters={})
    # Activities full of hostile text on the account's Timeline: a note and an appointment (its page, its .ics).
    note = note_create(regarding=account, text=PAYLOAD, actor=owner,
                       files=[SimpleUploadedFile(PAYLOAD[:60] + ".txt", b"text\n")])
    activity = activity_create(kind=ActivityKind.APPOINTMENT, regarding=account, actor=owner, subject=PAYLOAD[:200],
                               description=PAYLOAD, location=PAYLOAD[:200], outcome=PAYLOAD[:200],
                               due_at=timezone.now())
    return admin, owner, Records(account, contact, opportunity, invoice, import_job, export_job, saved_view, activity,
                                 note.attachments.get(), group, merge)


# The pages that show the hostile records, with the query that finds them where one is needed.
SHOWN = {
    "accounts:list": "", "accounts:list ": "?q=script", "accounts:detail": "", "accounts:edit": "",
    "accounts:timeline": "", "accounts:contact_add": "?q=script", "accounts:delete": "", "accounts:reassign": "",
    "contacts:list": "", "contacts:detail": "", "contacts:edit": "", "contacts:timeline": "",
    "opportunities:list": "", "opportunities:detail": "", "opportunities:edit": "",
    "invoices:list": "", "invoices:detail": "", "invoices:edit": "",
    "crm:pick": "?q=script", "dashboard:index": "", "imports:list": "?show=all", "imports:detail": "",
    "exports:detail": "", "profile:detail": "", "duplicates:list": "?kind=accounts", "duplicates:merge_done": "",
    "admin:accounts_account_changelist": "", "admin:contacts_contact_changelist": "",
    "admin:opportunities_opportunity_changelist": "", "admin:invoices_invoice_changelist": "",
    "admin:crm_importjob_changelist": "", "admin:history_changeevent_changelist": "",
    "admin:auth_user_changelist": "", "admin:activities_activity_changelist": "",
}
HTMX = {"HX-Request": "true", "HX-Target": "contacts-panel"}


def test_every_page_shows_hostile_text_escaped(hostile):
    admin, _owner, records = hostile
    client = Client()
    client.force_login(admin)
    raw, missing = [], []
    admin_pages = {name for name in SHOWN if name.startswith("admin:")}
    for route in routes():
        if route.is_admin and route.name not in admin_pages:
            continue
        url = url_for(route, url_arguments(route, records))
        queries = [query for name, query in SHOWN.items() if name.strip() == route.name] or [""]
        for query in queries:
            for headers in ({}, HTMX):
                response = send(client, "GET", url + query, headers=headers)
                if "html" not in response.get("Content-Type", ""):
                    continue
                content = response.content.decode()
                raw += [f"{route.name} {url}{query} {headers}: {text}" for text in RAW if text in content]
                if route.name in SHOWN and not headers and ESCAPED not in content:
                    missing.append(f"{route.name} {url}{query} ({response.status_code})")
    assert not raw, "Unescaped:\n" + "\n".join(raw)
    assert not missing, "These pages do not show the hostile text (escaped):\n" + "\n".join(missing)


@pytest.mark.parametrize("source", ["accounts", "contacts", "opportunities"])
def test_picker_results_show_hostile_text_escaped(hostile, client, source):
    admin, _owner, _records = hostile
    client.force_login(admin)
    response = client.get(reverse("crm:pick", args=[source]), {"q": "script"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert not [text for text in RAW if text in content]
    assert "&lt;script&gt;" in content


def test_the_owners_own_dashboard_shows_hostile_text_escaped(hostile, client):
    _admin, owner, _records = hostile
    client.force_login(owner)
    content = client.get(reverse("dashboard:index")).content.decode()
    assert not [text for text in RAW if text in content]
    assert ESCAPED in content
