"""Four import_data processes import the same file at the same moment: no duplicates, every run completes.

In each mode, for accounts matched by number and by name, for contacts matched
by email and by first + last name on their account, and for opportunities matched by
topic on their account. The batches are small so the
four runs interleave batch by batch.
"""

import pytest
from django.db.models import Count

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob, ImportRowIssue
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import AccountFactory, SalesManagerFactory
from tests.faults.conftest import finish, manage
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 600
PROCESSES = 4
KINDS = [
    "accounts by number",
    "accounts by name",
    "contacts by email",
    "contacts by name",
    "opportunities by topic",
    "invoices by number",
]


def rows_for(kind, city):
    if kind == "accounts by number":
        return [["Account Name", "Account Number", "City"]] + [
            [f"Firma {index} SRL", f"F-{index:05d}", city] for index in range(ROWS)
        ]
    if kind == "accounts by name":
        return [["Account Name", "City"]] + [[f"Firma {index} SRL", city] for index in range(ROWS)]
    if kind == "invoices by number":
        return [["Invoice Number", "Account Number", "Product", "Unit Price", "Description"]] + [
            [f"FCT-{index:05d}", f"A-{index % 5}", "Servicii", "100", city] for index in range(ROWS)
        ]
    if kind == "opportunities by topic":
        return [["Topic", "Account Number", "Description"]] + [
            [f"Oportunitate {index}", f"A-{index % 5}", city] for index in range(ROWS)
        ]
    if kind == "contacts by email":
        return [["First Name", "Last Name", "Email", "Account Number", "City"]] + [
            ["Ana", f"Pop{index}", f"ana.pop{index}@exemplu.ro", f"A-{index % 5}", city] for index in range(ROWS)
        ]
    return [["First Name", "Last Name", "Account Number", "City"]] + [
        ["Ana", f"Pop{index}", f"A-{index % 5}", city] for index in range(ROWS)
    ]


def run_together(path, target, mode, user):
    processes = [
        manage("import_data", target, str(path), "--mode", mode, "--user", user.username, "--batch-size", "50")
        for _ in range(PROCESSES)
    ]
    return [finish(process, timeout=180) for process in processes]


@pytest.mark.parametrize("mode", ["create", "upsert", "update"])
@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_imports_of_one_file_never_duplicate(tmp_path, kind, mode):
    manager = SalesManagerFactory()
    target = kind.split()[0]
    for number in range(5):
        AccountFactory(name=f"Client {number}", account_number=f"A-{number}")
    path = tmp_path / "fisier.csv"
    if mode == "update":
        # The records exist (imported once before, with another city); the four runs update them.
        path.write_bytes(csv_bytes(rows_for(kind, "Brașov")))
        assert finish(manage("import_data", target, str(path), "--user", manager.username))[0] == 0
        ImportJob.objects.all().delete()
    path.write_bytes(csv_bytes(rows_for(kind, "Cluj-Napoca")))

    results = run_together(path, target, mode, manager)

    failed = list(ImportRowIssue.objects.filter(kind="failed").values_list("row_number", "message")[:5])
    errors = [err[-2000:] for _code, _out, err in results]
    assert [code for code, _out, _err in results] == [0] * PROCESSES, (failed, errors)
    model = {"accounts": Account, "contacts": Contact, "opportunities": Opportunity, "invoices": Invoice}[target]
    records = model.objects.exclude(account_number__startswith="A-") if target == "accounts" else model.objects
    expected = ROWS
    assert records.count() == expected
    key = {
        "accounts": ("name",),
        "contacts": ("first_name", "last_name"),
        "opportunities": ("topic", "account"),
        "invoices": ("invoice_number",),
    }
    duplicates = records.values(*key[target]).annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    changed = "description" if target in ("opportunities", "invoices") else "city"
    assert set(records.values_list(changed, flat=True)) == {"Cluj-Napoca"}
    jobs = ImportJob.objects.filter(target=target)
    assert jobs.count() == PROCESSES
    created = sum(job.created_count for job in jobs)
    updated = sum(job.updated_count for job in jobs)
    assert all(job.failed_count == 0 for job in jobs), [job.message for job in jobs]
    if mode == "update":
        assert (created, updated) == (0, ROWS)
    else:
        assert (created, updated) == (ROWS, 0)
    assert sum(job.processed_rows for job in jobs) == PROCESSES * ROWS
