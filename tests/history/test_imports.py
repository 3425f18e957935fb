"""An import job writes the change history of every record it creates or updates, shown as one entry per job."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from crm.history.models import ChangeEvent, ChangeKind, Via
from crm.imports.models import ImportJob
from tests.factories import AccountFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = pytest.mark.django_db


def test_an_import_records_each_created_and_updated_record_with_its_job(sales_manager):
    existing = AccountFactory(name="Dacia", account_number="A-1", city="Pitești")
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=sales_manager)
    rows = [["Account Name", "Account Number", "City"], ["Dacia", "A-1", "Mioveni"], ["Nou SRL", "N-1", "Iași"]]
    do_import(csv_bytes(rows), actor=sales_manager, job=job, batch_size=1)
    events = ChangeEvent.objects.filter(import_job_id=job.pk)
    assert {(event.kind, event.record_label) for event in events} == {
        (ChangeKind.UPDATED, "Dacia"),
        (ChangeKind.CREATED, "Nou SRL"),
    }
    updated = events.get(kind=ChangeKind.UPDATED)
    assert (updated.via, updated.actor, updated.account_id) == (Via.IMPORT, sales_manager, existing.pk)
    assert updated.changes == {"city": ["Pitești", "Mioveni"]}


def test_contacts_imported_onto_an_account_show_on_its_timeline_as_one_job_entry(client, sales_manager):
    account = AccountFactory(name="Dacia", account_number="A-1")
    job = ImportJob.objects.create(target="contacts", file_name="c.csv", created_by=sales_manager)
    rows = [["First Name", "Last Name", "Email", "Account Number"]]
    rows += [["Ion", f"Pop{n}", f"ion{n}@dacia.ro", "A-1"] for n in range(3)]
    do_import(csv_bytes(rows, delimiter=";"), target="contacts", actor=sales_manager, job=job)
    assert Contact.objects.filter(account=account).count() == 3
    assert ChangeEvent.objects.filter(import_job_id=job.pk, account_id=account.pk).count() == 3
    client.force_login(sales_manager)
    text = client.get(reverse("accounts:timeline", args=[account.pk])).text
    assert f"Import job {job.pk}" in text and "3 changes" in text


def test_a_dry_run_leaves_no_history(sales_manager):
    job = ImportJob.objects.create(target="accounts", file_name="a.csv", created_by=sales_manager)
    do_import(csv_bytes([["Account Name"], ["Nou SRL"]]), actor=sales_manager, job=job, dry_run=True)
    assert not ChangeEvent.objects.exists()
