import pytest

from tests.factories import AdministratorFactory, SalesManagerFactory, SalespersonFactory, UserFactory


@pytest.fixture
def salesperson(db):
    return SalespersonFactory(username="ana.salesperson")


@pytest.fixture
def other_salesperson(db):
    return SalespersonFactory(username="dan.salesperson")


@pytest.fixture
def sales_manager(db):
    return SalesManagerFactory(username="maria.manager")


@pytest.fixture
def administrator(db):
    return AdministratorFactory(username="admin")


@pytest.fixture
def user_without_role(db):
    """A signed-in user who is in no security role."""
    return UserFactory(username="no.role")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Factories hash a password per user; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
