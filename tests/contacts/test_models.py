"""Contact rules held by the database and by Contact.clean()."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact
from tests.constraints import violates
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_last_name_is_required_in_the_database():
    contact = ContactFactory()
    with violates("contact_last_name_required"):
        Contact.objects.filter(pk=contact.pk).update(last_name="")


def test_status_must_be_known_in_the_database():
    contact = ContactFactory()
    with violates("contact_status_valid"):
        Contact.objects.filter(pk=contact.pk).update(status="deleted")


def test_a_contact_belongs_to_at_most_one_account():
    # One foreign key: there is no way to store a second account.
    field = Contact._meta.get_field("account")
    assert field.many_to_one and field.null


def test_deleting_an_account_in_the_database_leaves_its_contacts():
    account = AccountFactory()
    contact = ContactFactory(account=account)
    account.delete()
    contact.refresh_from_db()
    assert contact.account is None


def test_clean_strips_names_and_requires_a_last_name():
    contact = ContactFactory.build(first_name=" Ștefan ", last_name="  Năstase ", owner=AccountFactory().owner)
    contact.full_clean()
    assert contact.full_name == "Ștefan Năstase"
    contact.last_name = ""
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "last_name" in error.value.error_dict


def test_full_name_without_first_name():
    assert Contact(last_name="Popescu").full_name == "Popescu"
