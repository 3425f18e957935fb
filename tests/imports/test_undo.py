"""Undo: created records go (with accounts created for contacts), updated ones come back, used ones stay."""

import io

import pytest
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.history.models import ChangeEvent, ChangeKind
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
    message = job.message
    import_job_undo(job=job, actor=sales_manager)
    job.refresh_from_db()
    # The job page says "undone" from undone_at in its reader's language; nothing English is stored for it.
    assert (job.message, job.undone_by) == (message, sales_manager) and job.undone_at is not None
    with pytest.raises(ValidationError):
        import_job_undo(job=job, actor=sales_manager)
    assert list(Account.objects.values_list("name", flat=True)) == ["Dacia"]


def test_an_imported_account_another_user_attached_a_contact_to_stays(sales_manager, salesperson):
    from contacts.services import contact_attach_to_account

    job = run_job(sales_manager, [["Account Name"], ["Nou"], ["Altul"]], target="accounts")
    theirs = ContactFactory(last_name="Străin", account=None, owner=salesperson)
    contact_attach_to_account(contact=theirs, account=Account.objects.get(name="Nou"), actor=salesperson)

    left_alone = import_job_undo(job=job, actor=sales_manager)

    assert left_alone == [("Nou", "has contacts added since the import")]
    assert list(Account.objects.values_list("name", flat=True)) == ["Nou"]
    theirs.refresh_from_db()
    assert theirs.account.name == "Nou"


def test_contacts_the_job_put_on_its_account_go_but_another_users_contact_keeps_it(sales_manager, salesperson):
    from contacts.services import contact_attach_to_account

    rows = [["First Name", "Last Name", "Email", "Company Name"], ["Ana", "Ene", "ana@x.ro", "Nouă SRL"],
            ["Dan", "Rus", "dan@x.ro", "Alta SRL"]]
    job = run_job(sales_manager, rows, create_missing_accounts=True)
    theirs = ContactFactory(last_name="Străin", account=None, owner=salesperson)
    contact_attach_to_account(contact=theirs, account=Account.objects.get(name="Nouă SRL"), actor=salesperson)

    left_alone = import_job_undo(job=job, actor=sales_manager)

    assert left_alone == [("Nouă SRL", "has contacts added since the import")]
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Străin"]
    assert list(Account.objects.values_list("name", flat=True)) == ["Nouă SRL"]
    theirs.refresh_from_db()
    assert theirs.account.name == "Nouă SRL"


def test_an_imported_account_another_user_made_a_parent_of_stays(sales_manager, salesperson):
    from accounts.services import account_create

    job = run_job(sales_manager, [["Account Name"], ["Mamă"]], target="accounts")
    child = account_create(actor=salesperson, name="Filială", parent_account=Account.objects.get(name="Mamă"))

    left_alone = import_job_undo(job=job, actor=sales_manager)

    assert left_alone == [("Mamă", "has child accounts")]
    child.refresh_from_db()
    assert child.parent_account.name == "Mamă"


def test_a_field_another_user_changed_after_the_import_keeps_their_value(sales_manager, administrator):
    from accounts.services import account_update

    dacia = AccountFactory(name="Dacia", account_number="A-1", city="Pitești", main_phone="0248", owner=sales_manager)
    rows = [["Account Name", "Account Number", "City", "Main Phone"], ["Dacia", "A-1", "Mioveni", "0248-111"]]
    job = run_job(sales_manager, rows, target="accounts")
    dacia.refresh_from_db()
    account_update(account=dacia, actor=administrator, city="Colibași")

    left_alone = import_job_undo(job=job, actor=sales_manager)

    assert left_alone == [("Dacia", "changed after the import: city")]
    dacia.refresh_from_db()
    assert (dacia.city, dacia.main_phone) == ("Colibași", "0248")
    restore = ChangeEvent.objects.get(record_id=dacia.pk, kind=ChangeKind.UPDATED, actor=sales_manager,
                                      import_job_id=None)
    assert restore.changes == {"main_phone": ["0248-111", "0248"]}


def test_a_record_changed_since_elsewhere_gets_back_what_the_import_wrote(sales_manager, administrator):
    from accounts.services import account_update

    dacia = AccountFactory(name="Dacia", account_number="A-1", city="Pitești", owner=sales_manager)
    job = run_job(sales_manager, [["Account Name", "Account Number", "City"], ["Dacia", "A-1", "Mioveni"]],
                  target="accounts")
    dacia.refresh_from_db()
    account_update(account=dacia, actor=administrator, description="Schimbat după import")

    assert import_job_undo(job=job, actor=sales_manager) == []
    dacia.refresh_from_db()
    assert (dacia.city, dacia.description) == ("Pitești", "Schimbat după import")


def test_every_deletion_detachment_and_restore_is_in_the_history_under_the_undoing_user(sales_manager,
                                                                                       administrator):
    from accounts.services import account_update

    dacia = AccountFactory(name="Dacia", owner=sales_manager)
    free = ContactFactory(first_name="Ion", last_name="Pop", email="ion@x.ro", account=None, owner=sales_manager)
    rows = [["First Name", "Last Name", "Email", "Company Name", "Job Title"],
            ["Ion", "Pop", "ion@x.ro", "Dacia", "Director"], ["Ana", "Ene", "ana@x.ro", "Nouă SRL", ""],
            ["Dan", "Rus", "dan@x.ro", "Dacia", ""]]
    job = run_job(sales_manager, rows, create_missing_accounts=True)
    dan = Contact.objects.get(last_name="Rus")
    dacia.refresh_from_db()
    account_update(account=dacia, actor=sales_manager, primary_contact=dan)
    ana, new_account = Contact.objects.get(last_name="Ene"), Account.objects.get(name="Nouă SRL")
    before = set(ChangeEvent.objects.values_list("pk", flat=True))

    assert import_job_undo(job=job, actor=administrator) == []

    events = ChangeEvent.objects.exclude(pk__in=before)
    assert {(event.kind, event.record_type, event.record_id) for event in events} == {
        (ChangeKind.DELETED, "contact", ana.pk),
        (ChangeKind.DELETED, "contact", dan.pk),
        (ChangeKind.DELETED, "account", new_account.pk),
        (ChangeKind.CONTACT_DETACHED, "contact", free.pk),
        (ChangeKind.UPDATED, "contact", free.pk),
        (ChangeKind.UPDATED, "account", dacia.pk),  # Dan was its primary contact
    }
    assert {(event.actor, event.actor_name, event.import_job_id) for event in events} == {
        (administrator, administrator.get_full_name() or administrator.username, None)
    }
    by_kind = {(event.kind, event.record_type, event.record_id): event for event in events}
    assert by_kind[ChangeKind.CONTACT_DETACHED, "contact", free.pk].changes == {
        "account": [{"id": dacia.pk, "label": "Dacia"}, None]
    }
    assert by_kind[ChangeKind.CONTACT_DETACHED, "contact", free.pk].account_id == dacia.pk
    assert by_kind[ChangeKind.UPDATED, "contact", free.pk].changes == {"job_title": ["Director", ""]}
    cleared = by_kind[ChangeKind.UPDATED, "account", dacia.pk]
    assert cleared.changes == {"primary_contact": [{"id": dan.pk, "label": "Dan Rus"}, None]}
    deleted = by_kind[ChangeKind.DELETED, "contact", dan.pk]
    assert deleted.changes["last_name"] == ["Rus", None]
    assert deleted.changes["account"] == [{"id": dacia.pk, "label": "Dacia"}, None]
    assert deleted.changes["owner"] == [{"id": sales_manager.pk, "label": str(sales_manager)}, None]
    assert deleted.account_id == dacia.pk
    free.refresh_from_db()
    dacia.refresh_from_db()
    assert (free.account, free.job_title, dacia.primary_contact) == (None, "", None)


def test_the_committed_batches_of_a_failed_job_can_be_undone(sales_manager):
    rows = [["Account Name", "Account Number"], *([f"Compania {index}", f"K-{index}"] for index in range(2100))]
    table = open_table(io.BytesIO(csv_bytes(rows)))
    table.rows = dying_after(table.rows, 2000)  # the default batch: one batch is committed, then the file fails
    job = ImportJob.objects.create(target="accounts", file_name="f.csv", created_by=sales_manager)
    import_job_run(job=job, table=table)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and Account.objects.count() == job.records.count() > 0

    assert import_job_undo(job=job, actor=sales_manager) == []

    job.refresh_from_db()
    assert job.state == ImportState.UNDONE and not Account.objects.exists()
    assert ChangeEvent.objects.filter(kind=ChangeKind.DELETED, actor=sales_manager).count() == job.records.count()


def dying_after(rows, count):
    for index, row in enumerate(rows):
        if index == count:
            raise OSError("The file could not be read any further.")
        yield row


@pytest.mark.parametrize(
    ("state", "undoable"),
    [(ImportState.INTERRUPTED, True), (ImportState.FAILED, True), (ImportState.RUNNING, False),
     (ImportState.QUEUED, False)],
)
def test_a_job_can_be_undone_once_it_writes_no_more(client, sales_manager, state, undoable):
    from django.core.exceptions import ValidationError

    job = run_job(sales_manager, [["Account Name"], ["Nou"]], target="accounts")
    ImportJob.objects.filter(pk=job.pk).update(state=state)
    client.force_login(sales_manager)
    page = client.get(reverse("imports:detail", args=[job.pk])).text
    assert ("Undo this import" in page) is undoable
    job.refresh_from_db()
    if undoable:
        import_job_undo(job=job, actor=sales_manager)
        assert not Account.objects.exists()
    else:
        with pytest.raises(ValidationError) as raised:
            import_job_undo(job=job, actor=sales_manager)
        assert raised.value.code == "not_finished"
        assert Account.objects.exists()


@pytest.mark.parametrize("target", ["accounts", "contacts"])
def test_undo_runs_the_same_queries_for_10_records_as_for_100(sales_manager, target):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 100):
        if target == "accounts":
            # Half the rows update accounts that exist, half create accounts.
            for index in range(size // 2):
                AccountFactory(name=f"Vechi {size}-{index}", account_number=f"V-{size}-{index}", owner=sales_manager)
            rows = [["Account Name", "Account Number", "City"]]
            rows += [[f"Vechi {size}-{index}", f"V-{size}-{index}", "Iași"] for index in range(size // 2)]
            rows += [[f"Nou {size}-{index}", f"N-{size}-{index}", "Iași"] for index in range(size // 2)]
            job = run_job(sales_manager, rows, target="accounts")
        else:
            # Half the rows put free contacts on an account, half create contacts on accounts created for them.
            AccountFactory(name=f"Dacia {size}", owner=sales_manager)
            for index in range(size // 2):
                ContactFactory(last_name=f"Liber{index}", email=f"liber{size}-{index}@x.ro", account=None,
                               owner=sales_manager)
            rows = [["Last Name", "Email", "Company Name"]]
            rows += [[f"Liber{index}", f"liber{size}-{index}@x.ro", f"Dacia {size}"] for index in range(size // 2)]
            rows += [[f"Nou{index}", f"nou{size}-{index}@x.ro", f"Firma {size}-{index}"] for index in range(size // 2)]
            job = run_job(sales_manager, rows, create_missing_accounts=True)
        assert job.records.count() == size + (size // 2 if target == "contacts" else 0)
        actor = get_user_model().objects.get(pk=sales_manager.pk)  # permissions not yet cached, as in a request
        with CaptureQueriesContext(connection) as queries:
            assert import_job_undo(job=job, actor=actor) == []
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 40, counts
