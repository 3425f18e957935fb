"""Account workflows: create, update, reassign, status, delete."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Account
from accounts.services import (
    account_create,
    account_delete,
    account_reassign,
    account_set_status,
    account_update,
)
from contacts.services import contact_create
from invoices.services import invoice_create
from opportunities.services import opportunity_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_stamps_owner_and_audit(salesperson):
    account = account_create(actor=salesperson, name=" Oțelăria Reșița SA ", annual_revenue="1500000.50")
    account.refresh_from_db()
    assert account.name == "Oțelăria Reșița SA"
    assert account.owner == account.created_by == account.modified_by == salesperson
    assert account.annual_revenue == Decimal("1500000.50")
    assert account.status == "active"


def test_create_for_another_owner(salesperson, other_salesperson):
    account = account_create(actor=salesperson, owner=other_salesperson, name="Pentru Dan SRL")
    assert (account.owner, account.created_by) == (other_salesperson, salesperson)


def test_create_refuses_a_duplicate_account_number_ignoring_case(salesperson):
    account_create(actor=salesperson, name="Prima SRL", account_number="ACC-1")
    with pytest.raises(ValidationError, match="An account with this account number already exists."):
        account_create(actor=salesperson, name="A doua SRL", account_number="acc-1")
    assert Account.objects.count() == 1


def test_create_allows_many_blank_account_numbers(salesperson):
    account_create(actor=salesperson, name="Prima SRL")
    account_create(actor=salesperson, name="A doua SRL", account_number="  ")
    assert Account.objects.filter(account_number="").count() == 2


def test_create_refuses_bad_input_with_the_field_named(salesperson):
    with pytest.raises(ValidationError) as error:
        account_create(actor=salesperson, name="", annual_revenue=Decimal("-1"), currency="XYZ")
    assert set(error.value.error_dict) == {"name", "annual_revenue", "currency"}
    assert Account.objects.count() == 0


def test_update_refuses_a_parent_cycle_and_changes_nothing(salesperson):
    parent = account_create(actor=salesperson, name="Grupul Carpați")
    child = account_create(actor=salesperson, name="Carpați Retail", parent_account=parent)
    with pytest.raises(ValidationError, match="ancestor"):
        account_update(account=parent, actor=salesperson, parent_account=child)
    parent.refresh_from_db()
    assert parent.parent_account is None


def test_update_sets_a_member_as_primary_contact_but_not_an_outsider(salesperson):
    account = account_create(actor=salesperson, name="Hotel Cetățuia")
    member = contact_create(actor=salesperson, last_name="Mureșan", account=account)
    outsider = contact_create(actor=salesperson, last_name="Bălan")
    account_update(account=account, actor=salesperson, primary_contact=member)
    with pytest.raises(ValidationError, match="must be one of this account's contacts"):
        account_update(account=account, actor=salesperson, primary_contact=outsider)
    account.refresh_from_db()
    assert account.primary_contact == member


def test_a_salesperson_edits_but_cannot_reassign_someone_elses_account(salesperson, other_salesperson):
    account = account_create(actor=other_salesperson, name="Al lui Dan SRL")
    account_update(account=account, actor=salesperson, main_phone="+40 21 000 0000")
    with pytest.raises(PermissionDenied):
        account_update(account=account, actor=salesperson, owner=salesperson, main_phone="changed")
    with pytest.raises(PermissionDenied):
        account_reassign(account=account, owner=salesperson, actor=salesperson)
    account.refresh_from_db()
    assert (account.owner, account.main_phone, account.modified_by) == (
        other_salesperson, "+40 21 000 0000", salesperson
    )


def test_a_salesperson_reassigns_own_account(salesperson, other_salesperson):
    account = account_create(actor=salesperson, name="Al meu SRL")
    account_reassign(account=account, owner=other_salesperson, actor=salesperson)
    account.refresh_from_db()
    assert account.owner == other_salesperson


def test_a_manager_reassigns_any_account(salesperson, other_salesperson, sales_manager):
    account = account_create(actor=salesperson, name="Al Anei SRL")
    account_update(account=account, actor=sales_manager, owner=other_salesperson)
    account.refresh_from_db()
    assert account.owner == other_salesperson


def test_reassign_to_an_inactive_user_is_refused(salesperson):
    account = account_create(actor=salesperson, name="Al meu SRL")
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError, match="not an active user"):
        account_reassign(account=account, owner=gone, actor=salesperson)


def test_set_status(salesperson):
    account = account_create(actor=salesperson, name="Inactiv SRL")
    account_set_status(account=account, status="inactive", actor=salesperson)
    account.refresh_from_db()
    assert not account.is_active
    with pytest.raises(ValidationError, match="Unknown status"):
        account_set_status(account=account, status="archived", actor=salesperson)


def test_delete_keeps_the_contacts_unlinked_and_the_children(salesperson):
    account = account_create(actor=salesperson, name="De șters SRL")
    child = account_create(actor=salesperson, name="Fiică SRL", parent_account=account)
    contact = contact_create(actor=salesperson, last_name="Țurcanu", account=account)
    account_update(account=account, actor=salesperson, primary_contact=contact)
    account_delete(account=account, actor=salesperson)
    assert not Account.objects.filter(pk=account.pk).exists()
    contact.refresh_from_db()
    child.refresh_from_db()
    assert contact.account is None
    assert child.parent_account is None


@pytest.mark.parametrize("related", ["opportunity", "invoice"])
def test_delete_is_refused_while_opportunities_or_invoices_exist(salesperson, related):
    account = account_create(actor=salesperson, name="Cu istoric SRL")
    contact = contact_create(actor=salesperson, last_name="Păun", account=account)
    if related == "opportunity":
        opportunity_create(actor=salesperson, topic="Licențe", account=account)
        expected = "The account Cu istoric SRL has 1 opportunities and 0 invoices, so it cannot be deleted."
    else:
        invoice_create(actor=salesperson, name="Factura", account=account, lines=[])
        expected = "The account Cu istoric SRL has 0 opportunities and 1 invoices, so it cannot be deleted."
    with pytest.raises(ValidationError) as error:
        account_delete(account=account, actor=salesperson)
    assert error.value.code == "account_has_records"
    assert error.value.messages[0].startswith(expected)
    assert "Deactivate it instead." in error.value.messages[0]
    contact.refresh_from_db()
    assert contact.account == account
    assert Account.objects.filter(pk=account.pk).exists()


def test_a_salesperson_deletes_only_own_accounts(salesperson, other_salesperson):
    theirs = account_create(actor=other_salesperson, name="Al lui Dan SRL")
    contact = contact_create(actor=other_salesperson, last_name="Ilie", account=theirs)
    with pytest.raises(PermissionDenied, match="only records you own"):
        account_delete(account=theirs, actor=salesperson)
    contact.refresh_from_db()
    assert contact.account == theirs
    mine = account_create(actor=salesperson, name="Al meu SRL")
    account_delete(account=mine, actor=salesperson)
    assert list(Account.objects.all()) == [theirs]


def test_a_manager_deletes_any_account(salesperson, sales_manager):
    account = account_create(actor=salesperson, name="Al Anei SRL")
    account_delete(account=account, actor=sales_manager)
    assert not Account.objects.exists()


def test_a_user_without_a_role_cannot_delete(salesperson):
    account = account_create(actor=salesperson, name="Al Anei SRL")
    nobody = UserFactory(username="fara.rol")
    with pytest.raises(PermissionDenied):
        account_delete(account=account, actor=nobody)


def test_a_name_of_only_spaces_is_refused_beside_the_field(salesperson):
    with pytest.raises(ValidationError) as error:
        account_create(actor=salesperson, name="   ")
    assert error.value.message_dict == {"name": ["This field cannot be blank."]}
    assert not Account.objects.exists()


def test_update_refuses_audit_fields(salesperson, other_salesperson):
    account = account_create(actor=salesperson, name="Al meu SRL")
    with pytest.raises(ValidationError, match="These fields cannot be set here: created_by, id."):
        account_update(account=account, actor=salesperson, created_by=other_salesperson, id=999)
    account.refresh_from_db()
    assert account.created_by == salesperson
