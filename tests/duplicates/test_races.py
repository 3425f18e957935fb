"""Two merges of the same records at once, on real PostgreSQL connections: one wins, the other is refused with
a clear error, and nothing is moved twice. And the duplicate detection job run by a real task worker."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.models import Account
from accounts.services import account_create
from contacts.models import Contact
from contacts.services import contact_create
from crm.duplicates.models import DuplicateGroup, DuplicateScan, RecordMerge, ScanState
from crm.duplicates.registry import kind_of
from crm.duplicates.scan import duplicates_scan_start

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Real concurrent connections: PostgreSQL."),
    pytest.mark.django_db(transaction=True),
]


def race(*calls):
    """Run each call in its own thread (its own database connection), released together; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 (the outcome is the error)
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("crossed", [False, True], ids=["same direction", "each into the other"])
def test_two_merges_of_the_same_accounts_at_once(sales_manager, crossed):
    first = account_create(actor=sales_manager, name="Grupul Carpați SA")
    second = account_create(actor=sales_manager, name="GRUPUL CARPATI")
    contacts = [contact_create(actor=sales_manager, last_name=f"Pop {n}", account=second) for n in range(3)]
    kind = kind_of(Account)

    def merge(master, subordinate):
        return lambda: kind.merge(
            master=Account.objects.get(pk=master.pk),
            subordinate=Account.objects.get(pk=subordinate.pk),
            fields=[],
            actor=sales_manager,
        )

    outcomes = race(merge(first, second), merge(second, first) if crossed else merge(first, second))
    merges = [outcome for outcome in outcomes if isinstance(outcome, RecordMerge)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(merges) == 1 and len(errors) == 1, outcomes
    assert "already been merged" in " ".join(errors[0].messages)
    merge = merges[0]
    assert RecordMerge.objects.count() == 1
    master = Account.objects.get(pk=merge.master_id)
    subordinate = Account.objects.get(pk=merge.subordinate_id)
    assert subordinate.merged_into_id == master.pk and master.merged_into_id is None
    # The contacts are all on the surviving account, once.
    assert set(Contact.objects.filter(pk__in=[c.pk for c in contacts]).values_list("account", flat=True)) == {master.pk}


def test_the_scan_job_runs_on_a_real_worker(sales_manager):
    account_create(actor=sales_manager, name="Dacia SRL", website="https://www.dacia.ro")
    account_create(actor=sales_manager, name="Automobile Dacia", website="http://dacia.ro/modele")
    account_create(actor=sales_manager, name="Ursus Breweries SA")
    account_create(actor=sales_manager, name="URSUS BREWERIES")
    account_create(actor=sales_manager, name="Altceva")
    scan, new = duplicates_scan_start(kind=kind_of(Account), actor=sales_manager)
    assert new and scan.state == ScanState.QUEUED
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    scan = DuplicateScan.objects.get(pk=scan.pk)
    assert (scan.state, scan.records_scanned, scan.groups_found) == (ScanState.DONE, 5, 2), scan.error
    assert sorted(group.rules for group in DuplicateGroup.objects.filter(scan=scan)) == [
        ["accounts.name"],
        ["accounts.website"],
    ]
