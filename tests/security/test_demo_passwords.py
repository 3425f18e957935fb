"""No demo passwords in production: with DEBUG off the site refuses to start while one still signs in."""

import importlib
import sys
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.checks import Tags, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, call_command
from django.db import ProgrammingError, connections

from crm.checks import check_demo_passwords
from crm.demo import DEMO_USERS
from tests.crm.test_deploy import PRODUCTION_ENV, run_django
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


@pytest.fixture
def demo_admin(db):
    return UserFactory(username="admin", password="admin-demo-2026")


def ids(errors):
    return [error.id for error in errors]


def test_an_active_demo_user_with_its_published_password_is_an_error(production, demo_admin):
    errors = check_demo_passwords()
    assert ids(errors) == ["crm.E010"]
    assert errors[0].is_serious()
    assert "'admin'" in errors[0].msg and "retire_demo_users" in errors[0].hint
    # Registered: `manage.py check`, `migrate` and runserver run it.
    assert "crm.E010" in ids(run_checks(tags=[Tags.security]))


def test_every_demo_user_is_named(production):
    for demo in DEMO_USERS:
        UserFactory(username=demo.username, password=demo.password)
    assert [error.msg.split("'")[1] for error in check_demo_passwords()] == sorted(d.username for d in DEMO_USERS)


def test_it_costs_one_query(production, demo_admin, django_assert_num_queries):
    with django_assert_num_queries(1):
        check_demo_passwords()


def test_after_retire_demo_users_deactivate_the_check_is_silent(production, demo_admin, capsys):
    # As from the command line, where the system checks run first: they must not stop the command that fixes them.
    # (It closes the connections when done, which would end the test's transaction.)
    with mock.patch.object(connections, "close_all"):
        ManagementUtility(["manage.py", "retire_demo_users", "--deactivate"]).execute()
    assert "Deactivated admin." in capsys.readouterr().out
    demo_admin.refresh_from_db()
    assert not demo_admin.is_active
    assert check_demo_passwords() == []


def test_retire_demo_users_set_passwords_prints_each_new_password_once(production, demo_admin, capsys):
    call_command("retire_demo_users", "--set-passwords")
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("admin "))
    password = line.split()[1]
    assert len(password) >= 16
    assert authenticate(username="admin", password=password) == demo_admin
    assert authenticate(username="admin", password="admin-demo-2026") is None
    assert check_demo_passwords() == []


def test_retire_demo_users_leaves_a_changed_password_alone(production, capsys):
    user = UserFactory(username="maria", password="her-own-long-password")
    assert check_demo_passwords() == []
    call_command("retire_demo_users", "--deactivate")
    assert "nothing to do" in capsys.readouterr().out
    user.refresh_from_db()
    assert user.is_active and user.check_password("her-own-long-password")


def test_retire_demo_users_asks_for_one_action():
    with pytest.raises(Exception, match="one of the arguments"):
        call_command("retire_demo_users")


def test_silent_with_debug_on(settings, demo_admin):
    settings.DEBUG = True
    assert check_demo_passwords() == []


def test_silent_for_an_inactive_demo_user_or_another_user_with_that_password(production):
    UserFactory(username="admin", password="admin-demo-2026", is_active=False)
    UserFactory(username="ana.real", password="ana-demo-2026")
    assert check_demo_passwords() == []


def test_silent_when_the_users_table_is_missing(production):
    with mock.patch("django.db.models.query.QuerySet._fetch_all", side_effect=ProgrammingError("no such table")):
        assert check_demo_passwords() == []


def test_the_wsgi_application_refuses_to_load(production, demo_admin):
    sys.modules.pop("crm.wsgi", None)
    try:
        with pytest.raises(ImproperlyConfigured, match="retire_demo_users"):
            importlib.import_module("crm.wsgi")
        call_command("retire_demo_users", "--deactivate", stdout=mock.MagicMock())
        assert importlib.import_module("crm.wsgi").application
    finally:
        sys.modules.pop("crm.wsgi", None)


def test_check_deploy_passes_on_an_unmigrated_database(tmp_path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    finished = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env_extra=env)
    assert finished.returncode == 0, finished.stderr
