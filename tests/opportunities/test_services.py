"""Opportunity workflows: create, edit, close as won or lost, reopen, delete."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.services import account_create
from contacts.services import contact_create
from invoices.services import invoice_create
from opportunities.models import Opportunity
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


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Auto Piese Argeș SRL")


@pytest.fixture
def opportunity(salesperson, account):
    return opportunity_create(
        actor=salesperson, topic="Flotă de autoutilitare", account=account, estimated_revenue=Decimal("250000.00"),
        probability=40, sales_stage="develop",
    )


def test_create_is_open_in_progress(salesperson, opportunity):
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.status_reason) == ("open", "in_progress")
    assert opportunity.owner == opportunity.created_by == salesperson
    assert opportunity.estimated_revenue == Decimal("250000.00")
    assert isinstance(opportunity.estimated_revenue, Decimal)
    assert opportunity.currency == "RON"


def test_create_for_a_contact_gets_the_contacts_account(salesperson, account):
    contact = contact_create(actor=salesperson, last_name="Mureșan", account=account)
    opportunity = opportunity_create(actor=salesperson, topic="Licențe", contact=contact)
    assert Opportunity.objects.get(pk=opportunity.pk).account == account


def test_create_keeps_an_account_that_was_given(salesperson, account):
    other = account_create(actor=salesperson, name="Grupul Carpați")
    contact = contact_create(actor=salesperson, last_name="Mureșan", account=account)
    opportunity = opportunity_create(actor=salesperson, topic="Licențe", contact=contact, account=other)
    assert Opportunity.objects.get(pk=opportunity.pk).account == other


def test_create_for_a_contact_without_an_account(salesperson):
    contact = contact_create(actor=salesperson, last_name="Bălan")
    opportunity = opportunity_create(actor=salesperson, topic="Consultanță", contact=contact)
    assert opportunity.account is None and opportunity.contact == contact


def test_create_needs_a_customer(salesperson):
    with pytest.raises(ValidationError, match="Choose an account or a contact."):
        opportunity_create(actor=salesperson, topic="Nimănui")
    assert not Opportunity.objects.exists()


def test_create_refuses_a_closed_status_reason_and_bad_numbers(salesperson, account):
    with pytest.raises(ValidationError) as error:
        opportunity_create(
            actor=salesperson, topic="X", account=account, status_reason="won", probability=101,
            estimated_revenue=Decimal("-1"),
        )
    assert set(error.value.error_dict) == {"status_reason", "probability", "estimated_revenue"}


def test_update_fields_and_fill_the_account_from_a_new_contact(salesperson, account):
    contact = contact_create(actor=salesperson, last_name="Păun", account=account)
    free_contact = contact_create(actor=salesperson, last_name="Ilie")
    opportunity = opportunity_create(actor=salesperson, topic="Audit", contact=free_contact)
    assert opportunity.account is None
    opportunity_update(opportunity=opportunity, actor=salesperson, contact=contact, status_reason="on_hold")
    opportunity.refresh_from_db()
    assert (opportunity.account, opportunity.contact, opportunity.status_reason) == (account, contact, "on_hold")


def test_update_refuses_a_closing_status_reason(salesperson, opportunity):
    with pytest.raises(ValidationError, match="in progress or on hold"):
        opportunity_update(opportunity=opportunity, actor=salesperson, status_reason="won")
    assert Opportunity.objects.get(pk=opportunity.pk).state == "open"


def test_close_as_won(salesperson, opportunity):
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("240000.50"), actor=salesperson)
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.status_reason, opportunity.sales_stage, opportunity.probability) == (
        "won", "won", "close", 100
    )
    assert opportunity.actual_revenue == Decimal("240000.50")
    assert opportunity.actual_close_date == timezone.localdate()


def test_close_as_won_needs_a_revenue_of_zero_or_more(salesperson, opportunity):
    for revenue in (None, Decimal("-1")):
        with pytest.raises(ValidationError, match="actual revenue"):
            opportunity_close_as_won(opportunity=opportunity, actual_revenue=revenue, actor=salesperson)
    assert Opportunity.objects.get(pk=opportunity.pk).state == "open"
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("0"), actor=salesperson)


@pytest.mark.parametrize("reason", ["canceled", "out_sold"])
def test_close_as_lost(salesperson, opportunity, reason):
    opportunity_close_as_lost(
        opportunity=opportunity, status_reason=reason, close_date=date(2026, 10, 31), actor=salesperson
    )
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.status_reason, opportunity.probability) == ("lost", reason, 0)
    assert opportunity.actual_close_date == date(2026, 10, 31)
    assert opportunity.actual_revenue is None


@pytest.mark.parametrize("reason", ["won", "in_progress", "on_hold", "nonsense"])
def test_close_as_lost_needs_a_lost_reason(salesperson, opportunity, reason):
    with pytest.raises(ValidationError, match="canceled or out-sold"):
        opportunity_close_as_lost(opportunity=opportunity, status_reason=reason, actor=salesperson)
    assert Opportunity.objects.get(pk=opportunity.pk).state == "open"


def test_a_closed_opportunity_cannot_be_closed_again_or_edited(salesperson, opportunity):
    opportunity_close_as_lost(opportunity=opportunity, status_reason="canceled", actor=salesperson)
    with pytest.raises(ValidationError, match="already closed"):
        opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("1"), actor=salesperson)
    with pytest.raises(ValidationError, match="already closed"):
        opportunity_close_as_lost(opportunity=opportunity, status_reason="out_sold", actor=salesperson)
    closed = Opportunity.objects.get(pk=opportunity.pk)
    with pytest.raises(ValidationError, match="Reopen it first"):
        opportunity_update(opportunity=closed, actor=salesperson, topic="Altceva")
    closed.refresh_from_db()
    assert (closed.state, closed.status_reason, closed.topic) == ("lost", "canceled", "Flotă de autoutilitare")


def test_a_stale_copy_cannot_close_twice(salesperson, opportunity):
    stale = Opportunity.objects.get(pk=opportunity.pk)
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("5"), actor=salesperson)
    with pytest.raises(ValidationError, match="already closed"):
        opportunity_close_as_lost(opportunity=stale, status_reason="canceled", actor=salesperson)


def test_reopen_clears_the_closing(salesperson, opportunity):
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("5"), actor=salesperson)
    opportunity_reopen(opportunity=opportunity, actor=salesperson)
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.status_reason) == ("open", "in_progress")
    assert opportunity.actual_revenue is None and opportunity.actual_close_date is None
    with pytest.raises(ValidationError, match="already open"):
        opportunity_reopen(opportunity=opportunity, actor=salesperson)
    opportunity_update(opportunity=opportunity, actor=salesperson, topic="Redeschisă")
    assert Opportunity.objects.get(pk=opportunity.pk).topic == "Redeschisă"


def test_delete_refused_while_invoiced(salesperson, opportunity):
    invoice_create(actor=salesperson, name="Avans", opportunity=opportunity, lines=[])
    with pytest.raises(ValidationError) as error:
        opportunity_delete(opportunity=opportunity, actor=salesperson)
    assert error.value.code == "protected"
    assert error.value.messages == [
        "Flotă de autoutilitare cannot be deleted because other records refer to it (1). Deactivate it instead."
    ]
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_delete_and_reassign_own_versus_others(salesperson, other_salesperson, sales_manager, account):
    theirs = opportunity_create(actor=other_salesperson, topic="A lui Dan", account=account)
    with pytest.raises(PermissionDenied):
        opportunity_delete(opportunity=theirs, actor=salesperson)
    with pytest.raises(PermissionDenied):
        opportunity_reassign(opportunity=theirs, owner=salesperson, actor=salesperson)
    with pytest.raises(PermissionDenied):
        opportunity_update(opportunity=theirs, actor=salesperson, owner=salesperson, topic="Furată")
    theirs.refresh_from_db()
    assert (theirs.owner, theirs.topic) == (other_salesperson, "A lui Dan")
    # Editing someone else's opportunity is allowed.
    opportunity_update(opportunity=theirs, actor=salesperson, probability=60)

    mine = opportunity_create(actor=salesperson, topic="A mea", account=account)
    opportunity_reassign(opportunity=mine, owner=other_salesperson, actor=salesperson)
    assert Opportunity.objects.get(pk=mine.pk).owner == other_salesperson
    opportunity_reassign(opportunity=mine, owner=salesperson, actor=sales_manager)
    opportunity_delete(opportunity=Opportunity.objects.get(pk=mine.pk), actor=salesperson)
    opportunity_delete(opportunity=theirs, actor=sales_manager)
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"state": "won"}, {"actual_revenue": Decimal("5")}, {"actual_close_date": date(2026, 1, 1)}, {"topik": "x"}],
)
def test_update_refuses_computed_or_unknown_fields(salesperson, opportunity, fields):
    with pytest.raises(ValidationError, match="These fields cannot be set here"):
        opportunity_update(opportunity=opportunity, actor=salesperson, **fields)
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.actual_revenue) == ("open", None)


def test_close_as_won_takes_the_revenue_as_text_and_refuses_junk(salesperson, opportunity):
    with pytest.raises(ValidationError, match="must be a decimal number"):
        opportunity_close_as_won(opportunity=opportunity, actual_revenue="o sută", actor=salesperson)
    opportunity_close_as_won(opportunity=opportunity, actual_revenue="1234.50", actor=salesperson)
    opportunity.refresh_from_db()
    assert opportunity.actual_revenue == Decimal("1234.50")
