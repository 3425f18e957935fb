"""Exports: every format streams the list's filtered records with the importer's labels and imports back unchanged."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports.readers import open_table
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import do_import

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv", "xml"]


def content(response):
    assert response.streaming  # CSV and XML stream as they are made; XLSX streams from a temporary file
    return b"".join(response.streaming_content) if response.streaming else response.content


def export(client, area, file_format, **params):
    return content(client.get(reverse(f"{area}:export"), {"format": file_format, **params}))


def account_values(account):
    fields = ["name", "account_number", "relationship_type", "industry", "main_phone", "email", "website", "street",
              "city", "county", "postal_code", "country", "annual_revenue", "currency", "number_of_employees",
              "description", "status", "owner_id"]
    return {field: getattr(account, field) for field in fields}


@pytest.fixture
def tricky_accounts(sales_manager, salesperson):
    AccountFactory(
        name="Întreprinderea Șoim & Fiii", account_number="A-1", industry="automotive", relationship_type="partner",
        main_phone="+40 21 000 0000", email="office@soim.ro", website="https://soim.ro", street="Str. Țăndării 1",
        city="Brașov", county="Brașov", postal_code="500001", country="România", annual_revenue=Decimal("1234567.89"),
        currency="EUR", number_of_employees=1250, description='=HYPERLINK("http://rau")\nlinia 2', status="inactive",
        owner=salesperson,
    )
    AccountFactory(name="-Minus SRL", account_number="", city="", country="", owner=sales_manager)
    AccountFactory(name="@Arobase", account_number="B-2", annual_revenue=Decimal("0.50"), owner=sales_manager)


@pytest.mark.parametrize("file_format", FORMATS)
def test_accounts_export_imports_back_unchanged(client, sales_manager, tricky_accounts, file_format):
    client.force_login(sales_manager)
    data = export(client, "accounts", file_format)
    before = {account.name: account_values(account) for account in Account.objects.all()}

    again = do_import(data, actor=sales_manager, mode="upsert")
    assert again.summary() == "created 0, updated 0, skipped 3, failed 0", again.issues

    Account.objects.all().delete()
    outcome = do_import(data, actor=sales_manager, mode="create")
    assert outcome.summary() == "created 3, updated 0, skipped 0, failed 0", outcome.issues
    after = {account.name: account_values(account) for account in Account.objects.all()}
    assert after == before


@pytest.mark.parametrize("file_format", FORMATS)
def test_contacts_export_imports_back_unchanged(client, sales_manager, file_format):
    account = AccountFactory(name="Dacia SA", account_number="A-1", owner=sales_manager)
    AccountFactory(name="Fără număr SRL", account_number="", owner=sales_manager)
    ContactFactory(first_name="Ștefan", last_name="Ionescu", email="stefan@dacia.ro", account=account,
                   job_title="Director", mobile_phone="+40 721 000 000", preferred_contact_method="phone",
                   owner=sales_manager)
    ContactFactory(first_name="Ana", last_name="Ene", email="", account=Account.objects.get(name="Fără număr SRL"),
                   owner=sales_manager)
    ContactFactory(first_name="", last_name="Singur", email="singur@x.ro", account=None, owner=sales_manager)
    fields = ["first_name", "last_name", "email", "account_id", "job_title", "mobile_phone",
              "preferred_contact_method", "owner_id"]
    before = sorted(tuple(getattr(c, f) for f in fields) for c in Contact.objects.all())
    client.force_login(sales_manager)
    data = export(client, "contacts", file_format)
    assert do_import(data, "contacts", actor=sales_manager).summary() == "created 0, updated 0, skipped 3, failed 0"
    Contact.objects.all().delete()
    outcome = do_import(data, "contacts", actor=sales_manager)
    assert outcome.created == 3, outcome.issues
    assert sorted(tuple(getattr(c, f) for f in fields) for c in Contact.objects.all()) == before


def test_export_uses_the_labels_the_importer_reads_and_neutralises_formulas(client, sales_manager, tricky_accounts):
    client.force_login(sales_manager)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "accounts", "xlsx"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Account Name", "Account Number", "Relationship Type"]
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert "'-Minus SRL" in cells and "'@Arobase" in cells and "'+40 21 000 0000" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    text = export(client, "accounts", "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_export_follows_the_list_search_and_filters(client, sales_manager):
    AccountFactory(name="Dacia SA", status="active", owner=sales_manager)
    AccountFactory(name="Dacia Service", status="inactive", owner=sales_manager)
    AccountFactory(name="Petrom", status="active", owner=sales_manager)
    client.force_login(sales_manager)
    table = open_table(io.BytesIO(export(client, "accounts", "csv", q="dacia", status="active")))
    assert [cells[0] for _number, cells in table.rows] == ["Dacia SA"]


def test_every_role_exports_and_anonymous_is_sent_to_sign_in(client, salesperson):
    assert client.get(reverse("accounts:export")).status_code == 302
    client.force_login(salesperson)
    assert client.get(reverse("contacts:export"), {"format": "csv"}).status_code == 200
    assert client.get(reverse("contacts:export"), {"format": "exe"}).status_code == 404


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize("area", ["accounts", "contacts"])
def test_export_runs_a_fixed_number_of_queries(client, sales_manager, django_assert_max_num_queries, count, area):
    account = AccountFactory(owner=sales_manager)
    for _index in range(count):
        if area == "accounts":
            AccountFactory(owner=sales_manager)
        else:
            ContactFactory(account=account, owner=sales_manager)
    client.force_login(sales_manager)
    # session, user, permissions (groups), the bounded count (background or not), the records
    with django_assert_max_num_queries(6):
        export(client, area, "csv")
