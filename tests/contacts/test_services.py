"""Contact workflows, above all the one-account rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.services import account_create, account_update
from contacts.models import Contact
from contacts.services import (
    contact_attach_to_account,
    contact_create,
    contact_delete,
    contact_detach_from_account,
    contact_reassign,
    contact_set_status,
    contact_update,
)
from invoices.services import invoice_create
from opportunities.services import opportunity_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(salesperson):
    return (
        account_create(actor=salesperson, name="Carpați Logistică SRL"),
        account_create(actor=salesperson, name="Oțelăria Reșița SA"),
    )


def test_create_with_and_without_an_account(salesperson, accounts):
    on_account = contact_create(actor=salesperson, first_name="Ioana", last_name="Mureșan", account=accounts[0])
    free = contact_create(actor=salesperson, first_name="Andrei", last_name="Bălan")
    assert on_account.account == accounts[0]
    assert free.account is None
    assert free.owner == free.created_by == salesperson


def test_create_refuses_bad_input(salesperson):
    with pytest.raises(ValidationError) as error:
        contact_create(actor=salesperson, last_name=" ", email="not-an-email")
    assert error.value.message_dict == {
        "last_name": ["This field cannot be blank."], "email": ["Enter a valid email address."]
    }
    assert not Contact.objects.exists()


def test_attach_a_free_contact(salesperson, other_salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Dobre")
    contact_attach_to_account(contact=contact, account=accounts[0], actor=other_salesperson)
    contact.refresh_from_db()
    assert contact.account == accounts[0]
    assert contact.modified_by == other_salesperson


def test_attach_to_a_second_account_is_refused_naming_the_first(salesperson, accounts):
    contact = contact_create(actor=salesperson, first_name="Ioana", last_name="Mureșan", account=accounts[0])
    before = Contact.objects.values().get(pk=contact.pk)
    with pytest.raises(ValidationError) as error:
        contact_attach_to_account(contact=contact, account=accounts[1], actor=salesperson)
    assert error.value.code == "contact_has_account"
    assert error.value.messages == [
        "Ioana Mureșan already belongs to the account Carpați Logistică SRL. A contact can belong to only one "
        "account: remove it from Carpați Logistică SRL first."
    ]
    assert Contact.objects.values().get(pk=contact.pk) == before


def test_attach_with_a_stale_copy_is_refused(salesperson, accounts):
    # The page was loaded while the contact was free; meanwhile someone attached it elsewhere.
    stale = contact_create(actor=salesperson, last_name="Lungu")
    contact_attach_to_account(contact=Contact.objects.get(pk=stale.pk), account=accounts[0], actor=salesperson)
    assert stale.account is None
    with pytest.raises(ValidationError, match="Carpați Logistică SRL"):
        contact_attach_to_account(contact=stale, account=accounts[1], actor=salesperson)
    assert Contact.objects.get(pk=stale.pk).account == accounts[0]


def test_attach_to_the_same_account_again_changes_nothing(salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Ursu", account=accounts[0])
    contact_attach_to_account(contact=contact, account=accounts[0], actor=salesperson)
    assert Contact.objects.get(pk=contact.pk).account == accounts[0]


def test_update_cannot_move_a_contact_to_another_account(salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Neagu", account=accounts[0])
    with pytest.raises(ValidationError, match="already belongs to the account Carpați Logistică SRL"):
        contact_update(contact=contact, actor=salesperson, account=accounts[1], job_title="Director")
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.account, fresh.job_title) == (accounts[0], "")


def test_update_attaches_and_detaches(salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Oprea")
    contact_update(contact=contact, actor=salesperson, account=accounts[0], job_title="Contabil-șef")
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.account, fresh.job_title) == (accounts[0], "Contabil-șef")
    contact_update(contact=fresh, actor=salesperson, account=None)
    assert Contact.objects.get(pk=contact.pk).account is None


def test_detach_clears_the_primary_contact_then_another_account_may_take_it(salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Moraru", account=accounts[0])
    account_update(account=accounts[0], actor=salesperson, primary_contact=contact)
    contact_detach_from_account(contact=contact, actor=salesperson)
    accounts[0].refresh_from_db()
    contact.refresh_from_db()
    assert contact.account is None
    assert accounts[0].primary_contact is None
    contact_attach_to_account(contact=contact, account=accounts[1], actor=salesperson)
    assert Contact.objects.get(pk=contact.pk).account == accounts[1]


def test_detach_a_free_contact_is_harmless(salesperson):
    contact = contact_create(actor=salesperson, last_name="Sârbu")
    contact_detach_from_account(contact=contact, actor=salesperson)
    assert Contact.objects.get(pk=contact.pk).account is None


def test_a_user_without_a_role_cannot_attach_or_detach(salesperson, accounts):
    nobody = UserFactory(username="fara.rol")
    contact = contact_create(actor=salesperson, last_name="Vâlcu")
    with pytest.raises(PermissionDenied):
        contact_attach_to_account(contact=contact, account=accounts[0], actor=nobody)
    contact_attach_to_account(contact=contact, account=accounts[0], actor=salesperson)
    with pytest.raises(PermissionDenied):
        contact_detach_from_account(contact=contact, actor=nobody)
    assert Contact.objects.get(pk=contact.pk).account == accounts[0]


def test_set_status(salesperson):
    contact = contact_create(actor=salesperson, last_name="Bîrsan")
    contact_set_status(contact=contact, status="inactive", actor=salesperson)
    assert not Contact.objects.get(pk=contact.pk).is_active
    with pytest.raises(ValidationError, match="Unknown status"):
        contact_set_status(contact=contact, status="gone", actor=salesperson)


@pytest.mark.parametrize("related", ["opportunity", "invoice"])
def test_delete_is_refused_while_opportunities_or_invoices_exist(salesperson, related):
    contact = contact_create(actor=salesperson, first_name="Răzvan", last_name="Câmpeanu")
    if related == "opportunity":
        opportunity_create(actor=salesperson, topic="Consultanță", contact=contact)
        counts = "1 opportunities and 0 invoices"
    else:
        invoice_create(actor=salesperson, name="Factura", contact=contact, lines=[])
        counts = "0 opportunities and 1 invoices"
    with pytest.raises(ValidationError) as error:
        contact_delete(contact=contact, actor=salesperson)
    assert error.value.code == "contact_has_records"
    assert error.value.messages == [
        f"The contact Răzvan Câmpeanu has {counts}, so it cannot be deleted. Deactivate it instead."
    ]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_deleting_the_primary_contact_clears_it_on_the_account(salesperson, accounts):
    contact = contact_create(actor=salesperson, last_name="Tănase", account=accounts[0])
    account_update(account=accounts[0], actor=salesperson, primary_contact=contact)
    contact_delete(contact=contact, actor=salesperson)
    accounts[0].refresh_from_db()
    assert accounts[0].primary_contact is None
    assert not Contact.objects.exists()


def test_delete_and_reassign_own_versus_others(salesperson, other_salesperson, sales_manager):
    theirs = contact_create(actor=other_salesperson, last_name="Ilie")
    with pytest.raises(PermissionDenied):
        contact_delete(contact=theirs, actor=salesperson)
    with pytest.raises(PermissionDenied):
        contact_reassign(contact=theirs, owner=salesperson, actor=salesperson)
    with pytest.raises(PermissionDenied):
        contact_update(contact=theirs, actor=salesperson, owner=salesperson)
    assert Contact.objects.get(pk=theirs.pk).owner == other_salesperson

    mine = contact_create(actor=salesperson, last_name="Costache")
    contact_reassign(contact=mine, owner=other_salesperson, actor=salesperson)
    assert Contact.objects.get(pk=mine.pk).owner == other_salesperson
    # Now it is Dan's: Ana can no longer delete it; the manager can.
    with pytest.raises(PermissionDenied):
        contact_delete(contact=mine, actor=salesperson)
    contact_reassign(contact=mine, owner=salesperson, actor=sales_manager)
    contact_delete(contact=theirs, actor=sales_manager)
    contact_delete(contact=Contact.objects.get(pk=mine.pk), actor=salesperson)
    assert not Contact.objects.exists()
