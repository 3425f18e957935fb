"""Undo: created records go (with accounts created for contacts), updated ones come back, used ones stay."""

import io

import pytest

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob, ImportState
from crm.imports.readers import open_table
from crm.imports.services import import_job_run, import_job_undo
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db


def run_job(user, rows, target="contacts", **options):
    job = ImportJob.objects.create(target=target, file_name="f.csv", created_by=user, **options)
    import_job_run(job=job, table=open_table(io.BytesIO(csv_bytes(rows))))
    job.refresh_from_db()
    return job


def test_undo_contacts_with_created_accounts_and_attached_contacts(sales_manager):
    free = ContactFactory(first_name="Ion", last_name="Pop", email="ion@x.ro", account=None, owner=sales_manager)
    rows = [["First Name", "Last Name", "Email", "Company Name"], ["Ion", "Pop", "ion@x.ro", "Nouă SRL"],
            ["Ana", "Ene", "ana@x.ro", "Nouă SRL"], ["Dan", "Rus", "dan@x.ro", "Alta SRL"]]
    job = run_job(sales_manager, rows, create_missing_accounts=True)
    assert (job.created_count, job.updated_count, job.state) == (2, 1, ImportState.COMPLETED)
    used = Contact.objects.get(last_name="Rus")
    OpportunityFactory(contact=used, account=used.account, owner=sales_manager)

    left_alone = import_job_undo(job=job, actor=sales_manager)

    assert [label for label, _reason in left_alone] == ["Dan Rus", "Alta SRL"]
    assert set(Contact.objects.values_list("last_name", flat=True)) == {"Pop", "Rus"}
    free.refresh_from_db()
    assert free.account is None  # attached by the import, detached by the undo
    assert list(Account.objects.values_list("name", flat=True)) == ["Alta SRL"]


def test_undo_is_refused_for_a_dry_run_and_twice(sales_manager):
    from django.core.exceptions import ValidationError

    AccountFactory(name="Dacia", owner=sales_manager)
    job = run_job(sales_manager, [["Account Name"], ["Nou"]], target="accounts", dry_run=True)
    with pytest.raises(ValidationError):
        import_job_undo(job=job, actor=sales_manager)
    job = run_job(sales_manager, [["Account Name"], ["Nou"]], target="accounts")
    import_job_undo(job=job, actor=sales_manager)
    job.refresh_from_db()
    with pytest.raises(ValidationError):
        import_job_undo(job=job, actor=sales_manager)
    assert list(Account.objects.values_list("name", flat=True)) == ["Dacia"]
