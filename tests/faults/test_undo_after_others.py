"""Undo of a real import_data run after another user has built on what it wrote: their work stays."""

import pytest

from accounts.models import Account
from accounts.services import account_create, account_update
from contacts.models import Contact
from contacts.services import contact_attach_to_account, contact_create
from crm.history.models import ChangeEvent, ChangeKind
from crm.imports.models import ImportJob, ImportState
from crm.imports.services import import_job_undo
from tests.factories import AccountFactory, SalesManagerFactory, SalespersonFactory
from tests.faults.conftest import finish, manage
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_undo_leaves_what_another_user_attached_changed_or_built_and_writes_history(tmp_path):
    manager = SalesManagerFactory(username="maria")
    ana = SalespersonFactory(username="ana")
    updated = AccountFactory(name="Dacia SA", account_number="D-1", city="Pitești", main_phone="0248")
    rows = [["Account Name", "Account Number", "City", "Main Phone"],
            ["Dacia SA", "D-1", "Mioveni", "0249"],            # updated by the import
            ["Nou Unu SRL", "N-1", "Iași", ""],                # created; ana attaches a contact to it
            ["Nou Doi SRL", "N-2", "Iași", ""],                # created; ana makes a child account of it
            ["Nou Trei SRL", "N-3", "Iași", ""]]               # created; nobody touches it
    path = tmp_path / "conturi.csv"
    path.write_bytes(csv_bytes(rows))
    code, _out, err = finish(manage("import_data", "accounts", str(path), "--user", manager.username))
    assert code == 0, err
    job = ImportJob.objects.get()

    contact = contact_create(actor=ana, first_name="Ioana", last_name="Mureșan")
    contact_attach_to_account(contact=contact, account=Account.objects.get(account_number="N-1"), actor=ana)
    account_create(actor=ana, name="Filiala Nou Doi", parent_account=Account.objects.get(account_number="N-2"))
    account_update(account=Account.objects.get(pk=updated.pk), actor=ana, main_phone="0250")

    left_alone = dict(import_job_undo(job=ImportJob.objects.get(pk=job.pk), actor=manager))

    assert set(Account.objects.values_list("account_number", flat=True)) == {"D-1", "N-1", "N-2", ""}
    assert Contact.objects.get(pk=contact.pk).account.account_number == "N-1"
    assert Account.objects.get(name="Filiala Nou Doi").parent_account.account_number == "N-2"
    dacia = Account.objects.get(pk=updated.pk)
    # The import's city is undone; ana's phone (changed after the import) stays.
    assert (dacia.city, dacia.main_phone) == ("Pitești", "0250")
    assert {"Nou Unu SRL", "Nou Doi SRL", "Dacia SA"} <= set(left_alone)
    events = ChangeEvent.objects.filter(actor=manager, occurred_at__gte=job.finished_at)
    assert events.filter(kind=ChangeKind.DELETED, record_label="Nou Trei SRL").count() == 1
    assert events.filter(kind=ChangeKind.UPDATED, record_id=updated.pk, changes__has_key="city").count() == 1
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.UNDONE
