"""Export on every list: opportunities and invoices export as accounts and contacts do, registered by their apps."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from crm.exports.models import ExportJob, ExportState
from crm.exports.sources import SOURCES
from crm.exports.tasks import run_export_job
from tests.exports.test_export_jobs import download, file_rows, start_export, streamed
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

CRM = Path(__file__).resolve().parent.parent.parent / "crm"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sales(salesperson, other_salesperson):
    """Opportunities and invoices of an account and a contact; one of each with a formula for a name."""
    account = AccountFactory(name="Dacia SA", owner=salesperson)
    contact = ContactFactory(first_name="Ana", last_name="Pop", owner=salesperson)
    won = OpportunityFactory(
        topic="Licențe Dacia", account=account, owner=salesperson, estimated_revenue=Decimal("1500.50"),
        estimated_close_date=datetime.date(2026, 5, 1), probability=60, sales_stage="propose",
    )
    OpportunityFactory(topic='=HYPERLINK("http://evil")', account=None, contact=contact, owner=other_salesperson)
    OpportunityFactory(topic="Servicii Petrom", owner=salesperson)
    InvoiceFactory(invoice_number="FCT-00001", name="Licențe Dacia", account=account, opportunity=won,
                   owner=salesperson, invoice_date=datetime.date(2026, 5, 2))
    InvoiceFactory(invoice_number="FCT-00002", name="@SUM(A1)", account=None, contact=contact, owner=salesperson)
    InvoiceFactory(invoice_number="FCT-00003", name="Servicii Petrom", owner=other_salesperson)


def test_every_list_is_registered_for_export_by_its_own_app():
    assert set(SOURCES) == {"accounts", "contacts", "opportunities", "invoices", "activities"}  # My Activities
    for name, source in SOURCES.items():
        assert source.model._meta.app_label == name
    # The kernel discovers the apps' exports.py; it imports none of them.
    for path in (CRM / "exports").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for app in SOURCES:
            assert f"from {app}" not in text and f"import {app}" not in text, path


@pytest.mark.parametrize(("area", "query"), [("opportunities", "dacia"), ("invoices", "FCT")])
def test_the_list_offers_export_with_its_current_filters(client, salesperson, area, query):
    client.force_login(salesperson)
    html = client.get(reverse(f"{area}:list"), {"q": query}).content.decode()
    for file_format in ("xlsx", "csv", "xml"):
        assert f'href="{reverse(f"{area}:export")}?q={query}&amp;format={file_format}"' in html
    assert "Import data" not in html


def test_opportunities_export_the_lists_rows_with_their_fields(client, salesperson, sales):
    client.force_login(salesperson)
    rows = file_rows(streamed(client, "opportunities", format="csv", q="dacia"))
    assert rows[0] == [
        "Topic", "Account", "Contact", "Estimated revenue", "Currency", "Estimated close date", "Probability",
        "Sales stage", "Status", "Status reason", "Actual revenue", "Actual close date", "Owner",
    ]
    [row] = rows[1:]
    assert row[:3] == ["Licențe Dacia", "Dacia SA", ""]
    assert row[5:10] == ["2026-05-01", "60", "Propose", "Open", "In progress"]
    assert row[12] == salesperson.get_username()
    mine = file_rows(streamed(client, "opportunities", format="csv", scope="mine"))
    assert sorted(row[0] for row in mine[1:]) == ["Licențe Dacia", "Servicii Petrom"]


def test_invoices_export_the_lists_rows_with_their_totals(client, salesperson, sales):
    client.force_login(salesperson)
    sheet = openpyxl.load_workbook(io.BytesIO(streamed_file(client, "invoices", format="xlsx", scope="mine"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["Invoice number", "Name", "Account", "Contact", "Opportunity"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {"FCT-00001", "FCT-00002"}
    assert by_number["FCT-00001"][2:5] == ["Dacia SA", None, "Licențe Dacia"]
    assert by_number["FCT-00002"][3] == "Ana Pop"


def streamed_file(client, area, **params):
    response = client.get(reverse(f"{area}:export"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("file_format", ["csv", "xml", "xlsx"])
def test_formulas_are_neutralised(client, sales_manager, sales, file_format):
    client.force_login(sales_manager)
    for area, formula in [("opportunities", '=HYPERLINK("http://evil")'), ("invoices", "@SUM(A1)")]:
        cells = [cell for row in file_rows(streamed_file(client, area, format=file_format))[1:] for cell in row]
        assert f"'{formula}" in cells, area
        assert not any(isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")) for cell in cells), area


@pytest.mark.parametrize("area", ["opportunities", "invoices"])
def test_export_asks_for_sign_in_and_a_security_role(client, user_without_role, area):
    assert client.get(reverse(f"{area}:export")).status_code == 302
    client.force_login(user_without_role)
    assert client.get(reverse(f"{area}:export"), {"format": "csv"}).status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("area", ["opportunities", "invoices"])
def test_export_refuses_an_unknown_format(client, salesperson, area):
    client.force_login(salesperson)
    assert client.get(reverse(f"{area}:export"), {"format": "exe"}).status_code == 404


@pytest.mark.parametrize("area", ["opportunities", "invoices"])
def test_over_the_threshold_the_list_is_exported_in_the_background(
    client, salesperson, sales, settings, media, django_capture_on_commit_callbacks, area
):
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 1
    client.force_login(salesperson)
    job = start_export(client, area, django_capture_on_commit_callbacks, format="csv", scope="mine")
    assert (job.target, job.state, str(job)) == (area, ExportState.QUEUED, f"{area.capitalize()} (CSV)")
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and f'href="{reverse(f"{area}:list")}?scope=mine"' in page.content.decode()
    assert run_export_job.call(job.pk) == ExportState.COMPLETED
    response, data = download(client, job)
    assert response["Content-Disposition"].startswith(f'attachment; filename="{area}-')
    settings.CRM_EXPORT_BACKGROUND_THRESHOLD = 1000
    assert file_rows(data) == file_rows(streamed(client, area, format="csv", scope="mine"))
    assert len(file_rows(data)) == 3


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("area", ["opportunities", "invoices"])
def test_export_runs_a_fixed_number_of_queries(client, sales_manager, django_assert_max_num_queries, count, area):
    factory = OpportunityFactory if area == "opportunities" else InvoiceFactory
    contact = ContactFactory(owner=sales_manager)
    factory.create_batch(count, owner=sales_manager, contact=contact)
    client.force_login(sales_manager)
    # The session, the user, their permissions (user and group), the threshold's capped count,
    # then the rows with their account, contact and owner joined: 6 for 1 row or 30.
    with django_assert_max_num_queries(6):
        streamed_file(client, area, format="csv")
