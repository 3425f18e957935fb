import os
import tempfile

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations

from tests.factories import AdministratorFactory, SalesManagerFactory, SalespersonFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a database file (in memory-backed /dev/shm where there is one), not in ":memory:".

    With an in-memory database Django's live server hands its one connection to
    every request thread, and the browser tests' pages load panels with
    concurrent requests (htmx): two threads on one SQLite connection can read
    each other's results (a panel got a 404 for an account that was there). A
    file gives each thread its own connection, as in production.
    """
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3") and not default.setdefault("TEST", {}).get("NAME"):
        directory = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
        default["TEST"]["NAME"] = os.path.join(directory, f"crm-test-{os.getpid()}.sqlite3")


_sql_flush = PostgreSQLOperations.sql_flush


def _sql_flush_history_too(self, style, tables, **kwargs):
    """Django's flush of the test database, allowed past the change history's TRUNCATE guard.

    Transactional tests end with a flush (one TRUNCATE of every table); the
    trigger of crm/history/migrations/0004 refuses it unless the transaction
    has set crm.history_retention, as prune_history does. Tests only.
    """
    statements = _sql_flush(self, style, tables, **kwargs)
    if statements:
        return ["SET LOCAL crm.history_retention = 'on'", *statements]
    return statements


PostgreSQLOperations.sql_flush = _sql_flush_history_too


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
