"""The read-replica router: list reads go to the ``replica`` alias, writes and everything else to default.

The alias exists when DATABASE_REPLICA_URL is set; in tests it mirrors the
default database (Django's TEST MIRROR), so both aliases see the same rows
while each keeps its own connection, whose queries we capture. When the suite
runs without a replica configured, ``test_router_suite_with_a_replica``
runs this module again in a subprocess with one configured.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import account_get, account_list
from crm.db_router import ReplicaRouter, replica_reads
from tests.factories import AccountFactory

BASE_DIR = Path(__file__).resolve().parents[2]
has_replica = "replica" in settings.DATABASES
needs_replica = pytest.mark.skipif(not has_replica, reason="runs in the subprocess with DATABASE_REPLICA_URL set")
with_replica = pytest.mark.django_db(transaction=True, databases=["default", "replica"], serialized_rollback=True)


def account_reads(queries):
    return [query["sql"] for query in queries.captured_queries if 'FROM "accounts_account"' in query["sql"]]


@pytest.mark.skipif(has_replica, reason="this run already has the replica alias")
def test_router_suite_with_a_replica():
    """Run this module with a replica alias configured (a mirror of the default database in tests)."""
    env = dict(os.environ)
    if env.get("DATABASE_URL", "").startswith("postgres"):
        # A database name of its own, so its test database does not collide with this run's.
        parts = urlsplit(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"{parts.path}_router"))
    env["DATABASE_REPLICA_URL"] = env.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    summary = finished.stdout.strip().splitlines()[-1]
    assert "5 passed, 1 skipped" in summary, summary  # only this test is skipped there


@needs_replica
@with_replica
def test_list_reads_go_to_the_replica_and_writes_to_default(salesperson):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(
        connections["replica"]
    ) as replica:
        with replica_reads():
            account = AccountFactory(name="Carpați Logistic SRL", owner=salesperson)
            names = [each.name for each in account_list(user=salesperson)]
    assert names == ["Carpați Logistic SRL"]
    assert any(sql.startswith('INSERT INTO "accounts_account"') for sql in (q["sql"] for q in primary.captured_queries))
    assert account_reads(replica) and not account_reads(primary)
    assert not any(query["sql"].startswith("INSERT") for query in replica.captured_queries)
    assert account._state.db == "default"


@needs_replica
@with_replica
def test_outside_list_pages_reads_stay_on_default(salesperson):
    account = AccountFactory(owner=salesperson)
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(
        connections["replica"]
    ) as replica:
        assert account_get(user=salesperson, pk=account.pk) == account
        assert list(account_list(user=salesperson)) == [account]
    assert account_reads(primary) and not replica.captured_queries


@needs_replica
@with_replica
@override_settings(ROOT_URLCONF="tests.crm.list_urls")
def test_a_list_page_reads_its_rows_from_the_replica(client, salesperson):
    AccountFactory(name="Dunărea Trans SA", owner=salesperson)
    client.force_login(salesperson)
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(
        connections["replica"]
    ) as replica:
        response = client.get("/accounts/?q=Dunărea")
    assert response.content.decode().splitlines()[1:] == ["Dunărea Trans SA"]
    assert len(account_reads(replica)) == 3  # the search's ids, the count and the page
    assert not account_reads(primary)
    # Sessions and users are read from default.
    assert any('"django_session"' in query["sql"] for query in primary.captured_queries)


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(DATABASES={**settings.DATABASES, "replica": settings.DATABASES["default"]})
def test_router_decisions():
    router = ReplicaRouter()
    assert router.db_for_read(Account) is None
    with replica_reads():
        assert router.db_for_read(Account) == "replica"
        from django.contrib.auth.models import User

        assert router.db_for_read(User) is None
        assert router.db_for_write(Account) == "default"
    assert router.db_for_write(Account) == "default"
    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica", "accounts") is False


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_without_a_replica_everything_reads_from_default():
    databases = {alias: value for alias, value in settings.DATABASES.items() if alias != "replica"}
    with override_settings(DATABASES=databases), replica_reads():
        assert ReplicaRouter().db_for_read(Account) is None
