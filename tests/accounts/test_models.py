"""Account rules held by the database and by Account.clean()."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Account
from tests.constraints import violates
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_account_number_is_unique_ignoring_case():
    AccountFactory(account_number="ACC-1001")
    with violates("account_number_unique_ci"):
        AccountFactory(account_number="acc-1001")


def test_a_blank_account_number_is_allowed_many_times():
    for _ in range(3):
        AccountFactory(account_number="")
    assert Account.objects.filter(account_number="").count() == 3


def test_an_account_cannot_be_its_own_parent_in_the_database():
    account = AccountFactory()
    with violates("account_not_own_parent"):
        Account.objects.filter(pk=account.pk).update(parent_account=account)


def test_annual_revenue_cannot_be_negative_in_the_database():
    account = AccountFactory()
    with violates("account_annual_revenue_not_negative"):
        Account.objects.filter(pk=account.pk).update(annual_revenue=Decimal("-0.01"))


def test_status_must_be_known_in_the_database():
    account = AccountFactory()
    with violates("account_status_valid"):
        Account.objects.filter(pk=account.pk).update(status="archived")


def test_owner_is_required_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(name="Fără proprietar SRL")


def test_clean_refuses_a_parent_cycle():
    first = AccountFactory(name="Carpați Holding")
    second = AccountFactory(name="Carpați Logistică", parent_account=first)
    first.parent_account = second
    with pytest.raises(ValidationError) as error:
        first.full_clean()
    assert error.value.error_dict["parent_account"][0].code == "parent_cycle"


def test_clean_refuses_a_longer_parent_cycle_and_self_parent():
    a = AccountFactory()
    b = AccountFactory(parent_account=a)
    c = AccountFactory(parent_account=b)
    a.parent_account = c
    with pytest.raises(ValidationError, match="ancestor"):
        a.full_clean()
    c.parent_account = c
    with pytest.raises(ValidationError, match="ancestor"):
        c.full_clean()


def test_clean_accepts_a_parent_chain_without_cycle():
    a = AccountFactory()
    b = AccountFactory(parent_account=a)
    c = AccountFactory()
    c.parent_account = b
    c.full_clean()


def test_clean_ends_on_an_existing_cycle_above():
    # A cycle written past the rules (two accounts pointing at each other) must not hang clean().
    a = AccountFactory()
    b = AccountFactory(parent_account=a)
    Account.objects.filter(pk=a.pk).update(parent_account=b)
    c = AccountFactory()
    c.parent_account = a
    c.full_clean()


def test_primary_contact_must_be_a_contact_of_this_account():
    account = AccountFactory()
    elsewhere = ContactFactory(account=AccountFactory())
    free = ContactFactory(account=None)
    for contact in (elsewhere, free):
        account.primary_contact = contact
        with pytest.raises(ValidationError) as error:
            account.full_clean()
        assert error.value.error_dict["primary_contact"][0].code == "primary_contact_not_member"
    member = ContactFactory(account=account)
    account.primary_contact = member
    account.full_clean()


def test_a_new_account_cannot_have_a_primary_contact_yet():
    account = Account(name="Nouă SRL", owner=ContactFactory().owner, primary_contact=ContactFactory())
    with pytest.raises(ValidationError, match="one of this account's contacts"):
        account.full_clean()


def test_clean_strips_name_and_number():
    account = AccountFactory.build(
        name="  Vinăria Dealu Mare SRL ", account_number=" ACC-7 ", owner=ContactFactory().owner
    )
    account.full_clean()
    assert (account.name, account.account_number) == ("Vinăria Dealu Mare SRL", "ACC-7")


def test_money_is_decimal():
    account = AccountFactory(annual_revenue="1234567.89")
    account.refresh_from_db()
    assert account.annual_revenue == Decimal("1234567.89")
    assert isinstance(account.annual_revenue, Decimal)
    assert account.currency == "RON"
