"""Every kind of change and every path leaves one history row, written in the change's transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import account_create, account_delete, account_set_status, account_update
from contacts.services import (
    contact_attach_to_account,
    contact_create,
    contact_delete,
    contact_detach_from_account,
    contact_set_status,
    contact_update,
)
from crm.history.context import recording
from crm.history.models import ChangeEvent, ChangeKind, Via
from invoices.services import invoice_cancel, invoice_create, invoice_delete, invoice_mark_paid, invoice_update
from opportunities.services import (
    opportunity_close_as_lost,
    opportunity_close_as_won,
    opportunity_create,
    opportunity_delete,
    opportunity_reassign,
    opportunity_reopen,
    opportunity_update,
)

pytestmark = pytest.mark.django_db

LINE = {"description": "Licență", "quantity": 2, "unit_price": Decimal("100.00"), "discount": 0, "tax_rate": 19}


def last(record_type=None):
    events = ChangeEvent.objects.all()
    if record_type:
        events = events.filter(record_type=record_type)
    return events.order_by("-pk").first()


def test_created_records_every_filled_field_and_who_when_how(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA", city="Pitești", annual_revenue=Decimal("1500.50"))
    event = last()
    assert event.kind == ChangeKind.CREATED
    assert (event.record_type, event.record_id, event.record_label) == ("account", account.pk, "Dacia SA")
    assert event.actor == salesperson
    assert event.actor_name == salesperson.get_full_name()
    assert event.via == Via.COMMAND
    assert event.account_id == account.pk
    assert event.changes["name"] == [None, "Dacia SA"]
    assert event.changes["city"] == [None, "Pitești"]
    assert event.changes["annual_revenue"] == [None, "1500.50"]
    assert event.changes["owner"] == [None, {"id": salesperson.pk, "label": salesperson.get_username()}]
    assert "street" not in event.changes  # empty fields are left out
    assert "modified_at" not in event.changes


def test_update_records_only_the_fields_that_changed_from_what_to_what(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA", city="Pitești")
    account_update(account=account, actor=salesperson, name="Dacia Group", city="Pitești")
    event = last()
    assert event.kind == ChangeKind.UPDATED
    assert event.changes == {"name": ["Dacia SA", "Dacia Group"]}


def test_update_that_changes_nothing_records_nothing(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    before = ChangeEvent.objects.count()
    account_update(account=account, actor=salesperson, name="Dacia SA")
    assert ChangeEvent.objects.count() == before


def test_owner_change_is_its_own_kind(salesperson, sales_manager, other_salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    account_update(account=account, actor=sales_manager, owner=other_salesperson, name="Dacia SA")
    event = last()
    assert event.kind == ChangeKind.OWNER_CHANGED
    assert event.actor == sales_manager
    assert event.changes == {
        "owner": [
            {"id": salesperson.pk, "label": salesperson.get_username()},
            {"id": other_salesperson.pk, "label": other_salesperson.get_username()},
        ]
    }


def test_deactivate_and_activate(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    contact = contact_create(actor=salesperson, last_name="Pop")
    account_set_status(account=account, status="inactive", actor=salesperson)
    assert (last().kind, last().changes) == (ChangeKind.DEACTIVATED, {"status": ["active", "inactive"]})
    account_set_status(account=account, status="active", actor=salesperson)
    assert last().kind == ChangeKind.ACTIVATED
    contact_set_status(contact=contact, status="inactive", actor=salesperson)
    assert (last().kind, last().record_type, last().contact_id) == (ChangeKind.DEACTIVATED, "contact", contact.pk)


def test_contact_attach_and_detach_concern_the_account(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    contact = contact_create(actor=salesperson, first_name="Ion", last_name="Pop")
    contact_attach_to_account(contact=contact, account=account, actor=salesperson)
    event = last()
    assert event.kind == ChangeKind.CONTACT_ATTACHED
    assert (event.record_type, event.contact_id, event.account_id) == ("contact", contact.pk, account.pk)
    assert event.changes == {"account": [None, {"id": account.pk, "label": "Dacia SA"}]}

    contact_detach_from_account(contact=contact, actor=salesperson)
    event = last()
    assert event.kind == ChangeKind.CONTACT_DETACHED
    # The contact no longer has the account, but the change still concerns it.
    assert event.account_id == account.pk
    assert event.changes == {"account": [{"id": account.pk, "label": "Dacia SA"}, None]}


def test_moving_a_contact_through_update_records_the_attach(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    contact = contact_create(actor=salesperson, last_name="Pop")
    contact_update(contact=contact, actor=salesperson, account=account, job_title="CFO")
    kinds = list(ChangeEvent.objects.filter(record_type="contact").order_by("pk").values_list("kind", flat=True))
    assert kinds == [ChangeKind.CREATED, ChangeKind.CONTACT_ATTACHED, ChangeKind.UPDATED]


def test_opportunity_won_lost_reopened(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    opportunity = opportunity_create(
        actor=salesperson, topic="Flotă", account=account, estimated_revenue=Decimal("5000"), probability=40
    )
    opportunity_close_as_won(
        opportunity=opportunity, actual_revenue=Decimal("4800"), close_date=date(2026, 3, 2), actor=salesperson
    )
    won = last()
    assert (won.kind, won.record_type, won.account_id) == (ChangeKind.WON, "opportunity", account.pk)
    assert won.changes["state"] == ["open", "won"]
    assert won.changes["actual_revenue"] == [None, "4800.00"]
    assert won.changes["actual_close_date"] == [None, "2026-03-02"]
    assert won.changes["probability"] == [40, 100]

    opportunity_reopen(opportunity=opportunity, actor=salesperson)
    reopened = last()
    assert reopened.kind == ChangeKind.REOPENED
    assert reopened.changes["state"] == ["won", "open"]
    assert reopened.changes["actual_revenue"] == ["4800.00", None]

    opportunity_close_as_lost(opportunity=opportunity, status_reason="out_sold", actor=salesperson)
    assert (last().kind, last().changes["status_reason"]) == (ChangeKind.LOST, ["in_progress", "out_sold"])


def test_opportunity_update_reassign_delete(salesperson, sales_manager):
    contact = contact_create(actor=salesperson, last_name="Pop")
    opportunity = opportunity_create(actor=salesperson, topic="Flotă", contact=contact)
    assert (last().contact_id, last().account_id) == (contact.pk, None)
    opportunity_update(opportunity=opportunity, actor=salesperson, probability=60)
    assert last().changes == {"probability": [10, 60]}
    opportunity_reassign(opportunity=opportunity, owner=sales_manager, actor=salesperson)
    assert last().kind == ChangeKind.OWNER_CHANGED
    pk = opportunity.pk
    opportunity_delete(opportunity=opportunity, actor=sales_manager)
    event = last()
    assert (event.kind, event.record_id, event.record_label, event.contact_id) == (
        ChangeKind.DELETED,
        pk,
        "Flotă",
        contact.pk,
    )
    assert event.changes["topic"] == ["Flotă", None]


def test_invoice_created_with_number_and_totals_then_paid_and_canceled(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    invoice = invoice_create(actor=salesperson, name="Abonament", account=account, lines=[LINE])
    created = last()
    assert created.kind == ChangeKind.CREATED
    assert created.record_label == str(invoice)
    assert created.changes["invoice_number"] == [None, invoice.invoice_number]
    assert created.changes["total_amount"] == [None, "238.00"]
    assert ChangeEvent.objects.filter(record_type="invoice").count() == 1

    invoice_update(invoice=invoice, actor=salesperson, lines=[{**LINE, "quantity": 1}])
    assert last().changes["total_amount"] == ["238.00", "119.00"]

    invoice_mark_paid(invoice=invoice, paid_date=date(2026, 5, 1), actor=salesperson)
    paid = last()
    assert paid.kind == ChangeKind.PAID
    assert paid.changes["state"] == ["active", "paid"]
    assert paid.changes["paid_date"] == [None, "2026-05-01"]

    other = invoice_create(actor=salesperson, name="Consultanță", account=account, lines=[LINE])
    invoice_cancel(invoice=other, actor=salesperson)
    assert (last().kind, last().changes["state"]) == (ChangeKind.CANCELED, ["active", "canceled"])
    invoice_delete(invoice=other, actor=salesperson)
    assert (last().kind, last().account_id) == (ChangeKind.DELETED, account.pk)


def test_deleting_an_account_records_the_unlinked_contacts_and_children(salesperson):
    parent = account_create(actor=salesperson, name="Holding SA")
    child = account_create(actor=salesperson, name="Filiala SRL", parent_account=parent)
    contact = contact_create(actor=salesperson, last_name="Pop", account=parent)
    parent_pk = parent.pk
    account_delete(account=parent, actor=salesperson)
    events = {(e.record_type, e.record_id): e for e in ChangeEvent.objects.filter(pk__gt=0).order_by("pk")}
    assert events[("contact", contact.pk)].kind == ChangeKind.CONTACT_DETACHED
    assert events[("contact", contact.pk)].account_id == parent_pk
    assert events[("account", child.pk)].changes == {"parent_account": [{"id": parent_pk, "label": "Holding SA"}, None]}
    assert events[("account", parent_pk)].kind == ChangeKind.DELETED


def test_deleting_a_primary_contact_records_the_account_change(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    contact = contact_create(actor=salesperson, last_name="Pop", account=account)
    account_update(account=account, actor=salesperson, primary_contact=contact)
    contact_pk = contact.pk
    contact_delete(contact=contact, actor=salesperson)
    update = ChangeEvent.objects.filter(record_type="account", kind=ChangeKind.UPDATED).order_by("-pk").first()
    assert update.changes == {"primary_contact": [{"id": contact_pk, "label": "Pop"}, None]}
    assert last().kind == ChangeKind.DELETED


def test_a_refused_change_leaves_no_history(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    opportunity_create(actor=salesperson, topic="Flotă", account=account)
    before = ChangeEvent.objects.count()
    with pytest.raises(ValidationError):
        account_delete(account=account, actor=salesperson)
    with pytest.raises(ValidationError):
        account_update(account=account, actor=salesperson, name="")
    assert ChangeEvent.objects.count() == before


def test_history_rolls_back_with_the_change(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    opportunity = opportunity_create(actor=salesperson, topic="Flotă", account=account)
    invoice_create(actor=salesperson, name="Avans", account=account, opportunity=opportunity, lines=[LINE])
    before = ChangeEvent.objects.count()
    # The invoice protects the opportunity: the deletion fails after its history row was written.
    with pytest.raises(ValidationError):
        opportunity_delete(opportunity=opportunity, actor=salesperson)
    assert ChangeEvent.objects.count() == before


def test_import_path_and_job(salesperson):
    with recording(via=Via.IMPORT, import_job_id=42):
        account_create(actor=salesperson, name="Dacia SA")
    event = last()
    assert (event.via, event.import_job_id) == (Via.IMPORT, 42)
    account_create(actor=salesperson, name="Petrom SA")
    assert (last().via, last().import_job_id) == (Via.COMMAND, None)


def test_unknown_path_is_refused():
    with pytest.raises(ValueError, match="Unknown change path 'fax'"):
        with recording(via="fax"):
            pass


@pytest.mark.urls("tests.history.urls")
def test_web_and_admin_paths_are_set_by_the_middleware(client, salesperson):
    client.force_login(salesperson)
    assert client.post("/probe/", {"name": "Dacia SA"}).status_code == 200
    assert (last().via, last().record_label) == (Via.WEB, "Dacia SA")
    assert client.post("/admin-probe/probe/", {"name": "Petrom SA"}).status_code == 200
    assert (last().via, last().record_label) == (Via.ADMIN, "Petrom SA")
    # Outside a request the path is back to the command line.
    account_create(actor=salesperson, name="Rompetrol SA")
    assert last().via == Via.COMMAND


def test_history_rows_cannot_be_changed_or_deleted(salesperson):
    account_create(actor=salesperson, name="Dacia SA")
    event = last()
    event.record_label = "Altceva"
    with pytest.raises(ValidationError, match="cannot be edited"):
        event.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        event.delete()
    event.refresh_from_db()
    assert event.record_label == "Dacia SA"
