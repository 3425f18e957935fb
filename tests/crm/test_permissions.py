"""Who may do what to which record, per role, own records versus others'."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Account
from contacts.models import Contact
from crm import permissions, roles
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InvoiceFactory,
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

RECORD_FACTORIES = {
    Account: AccountFactory,
    Contact: ContactFactory,
    Opportunity: OpportunityFactory,
    Invoice: InvoiceFactory,
}


@pytest.fixture
def users(salesperson, sales_manager, administrator):
    nobody = UserFactory(username="fara.rol")
    inactive = SalespersonFactory(username="plecat", is_active=False)
    return {"salesperson": salesperson, "manager": sales_manager, "admin": administrator, "nobody": nobody,
            "inactive": inactive}


def fresh(user):
    # Permission caches live on the user object: read them anew.
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("model", list(RECORD_FACTORIES))
def test_view_add_change_for_every_role_and_none_without_one(users, model):
    for name, user in users.items():
        record = RECORD_FACTORIES[model](owner=SalespersonFactory())
        allowed = name in ("salesperson", "manager", "admin")
        assert permissions.can_view(user, model) is allowed, name
        assert permissions.can_add(user, model) is allowed, name
        assert permissions.can_change(user, record) is allowed, name


@pytest.mark.parametrize("model", list(RECORD_FACTORIES))
def test_delete_and_reassign_own_versus_others(users, model):
    make = RECORD_FACTORIES[model]
    expected = {
        # role: (delete own, delete others', reassign own, reassign others')
        "salesperson": (True, False, True, False),
        "manager": (True, True, True, True),
        "admin": (True, True, True, True),
        "nobody": (False, False, False, False),
        "inactive": (False, False, False, False),
    }
    for name, user in users.items():
        own = make(owner=user)
        others = make(owner=SalespersonFactory())
        user = fresh(user)
        got = (
            permissions.can_delete(user, own),
            permissions.can_delete(user, others),
            permissions.can_reassign(user, own),
            permissions.can_reassign(user, others),
        )
        assert got == expected[name], name


def test_a_salesperson_promoted_to_manager_gains_delete_any():
    user = SalespersonFactory()
    record = AccountFactory(owner=SalespersonFactory())
    assert not permissions.can_delete(user, record)
    user.groups.add(Group.objects.get(name=roles.SALES_MANAGER))
    assert permissions.can_delete(fresh(user), record)


def test_require_raises_permission_denied_with_the_message():
    from django.core.exceptions import PermissionDenied

    permissions.require(True)
    with pytest.raises(PermissionDenied, match="only records you own"):
        permissions.require(False, "You can delete only records you own.")
    with pytest.raises(PermissionDenied, match="You do not have permission to do this."):
        permissions.require(False)
