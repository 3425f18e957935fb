"""The import flags the new rows that look like records on file by a duplicate rule: skipped, or imported
anyway, and listed on the job and counted by the command."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account
from accounts.services import account_create
from contacts.models import Contact
from contacts.services import contact_create
from crm.imports.models import ImportJob, ImportRowIssue
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["Account Name", "Website", "Main Phone"],
    ["Dacia Automobile", "http://www.dacia.ro/modele", ""],  # the website of Dacia SRL
    ["Carpați Tech", "", "021 234 5678"],  # the phone of Grupul Carpați
    ["Altceva Nou SRL", "https://altceva.ro", ""],
]


@pytest.fixture
def on_file(sales_manager):
    return [
        account_create(actor=sales_manager, name="Dacia SRL", website="https://dacia.ro"),
        account_create(actor=sales_manager, name="Grupul Carpați", main_phone="+40 21 234 5678"),
    ]


def run(tmp_path, user, *args):
    path = tmp_path / "conturi.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = io.StringIO()
    call_command("import_data", "accounts", str(path), "--user", user.username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_possible_duplicates_are_skipped_and_listed(tmp_path, sales_manager, on_file, client):
    assert run(tmp_path, sales_manager) == "created 1, updated 0, skipped 2, failed 0, possible duplicates 2"
    assert Account.objects.count() == 3
    job = ImportJob.objects.get()
    assert (job.on_duplicate, job.duplicate_count, job.skipped_count) == ("skip", 2, 2)
    issues = list(job.issues.filter(kind=ImportRowIssue.Kind.DUPLICATE).order_by("row_number"))
    assert [issue.row_number for issue in issues] == [2, 3]
    assert "Dacia SRL" in issues[0].message and "Same website domain" in issues[0].message
    assert "Grupul Carpați" in issues[1].message and "Same main phone" in issues[1].message
    client.force_login(sales_manager)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Possible duplicates" in page and "These rows were not imported" in page


def test_possible_duplicates_imported_anyway_are_listed_too(tmp_path, sales_manager, on_file):
    line = run(tmp_path, sales_manager, "--on-duplicate", "import")
    assert line == "created 3, updated 0, skipped 0, failed 0, possible duplicates 2"
    assert Account.objects.count() == 5
    assert ImportJob.objects.get().issues.filter(kind=ImportRowIssue.Kind.DUPLICATE).count() == 2


def test_a_contact_with_a_phone_on_file_is_flagged(tmp_path, sales_manager):
    contact_create(actor=sales_manager, first_name="Ana", last_name="Pop", mobile_phone="0722 123 456")
    path = tmp_path / "persoane.csv"
    path.write_bytes(csv_bytes([["First Name", "Last Name", "Business Phone"], ["Ana", "Popa", "+40722123456"]]))
    out = io.StringIO()
    call_command("import_data", "contacts", str(path), "--user", sales_manager.username, stdout=out)
    assert out.getvalue().strip().endswith("skipped 1, failed 0, possible duplicates 1")
    assert Contact.objects.count() == 1


def test_no_flag_when_the_rule_is_off(tmp_path, sales_manager, on_file):
    from crm.duplicates.models import DuplicateRule

    DuplicateRule.objects.filter(key__in=["accounts.website", "accounts.main_phone"]).update(active=False)
    assert run(tmp_path, sales_manager) == "created 3, updated 0, skipped 0, failed 0"
