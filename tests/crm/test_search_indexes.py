"""Substring search uses PostgreSQL trigram indexes: EXPLAIN shows them, for each area's search box."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.filters import AccountFilter
from accounts.models import Account
from contacts.filters import ContactFilter
from contacts.models import Contact
from invoices.filters import InvoiceFilter
from invoices.models import Invoice
from opportunities.filters import OpportunityFilter
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.postgres

TRIGRAM_INDEXES = {
    "accounts_account": {"name", "account_number", "email", "main_phone", "city"},
    "contacts_contact": {"first_name", "last_name", "email", "business_phone", "mobile_phone"},
    "opportunities_opportunity": {"topic"},
    "invoices_invoice": {"invoice_number", "name"},
}
PREFIX = {
    "accounts_account": "account",
    "contacts_contact": "contact",
    "opportunities_opportunity": "opportunity",
    "invoices_invoice": "invoice",
}


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        # The test tables are tiny, where reading everything is always cheapest; forbid the full
        # scans (of the table, or of a sorted btree index, index-only too: the (name, id) sort
        # indexes cover an id lookup) to see whether an index *can* serve the search: only a
        # trigram index turns LIKE '%term%' into an index condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")


def plan(queryset):
    return queryset.explain()


def search(filter_class, queryset, term, user):
    """Run the search box's filter; return the plan of its matching query (the one reading the ids)."""
    request = RequestFactory().get("/", {"q": term})
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        filter_class({"q": term}, queryset=queryset, request=request).qs  # noqa: B018 - reads the ids
    # The related records' lookups come first; the last query with a LIKE reads the rows' ids.
    matching = [query["sql"] for query in queries.captured_queries if "LIKE" in query["sql"]][-1]
    return explain_sql(matching)


def explain_sql(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_every_search_column_has_a_valid_trigram_index(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_class.relname, index_class.relname, pg_get_indexdef(index.indexrelid), index.indisvalid
            FROM pg_index index
            JOIN pg_class index_class ON index_class.oid = index.indexrelid
            JOIN pg_class table_class ON table_class.oid = index.indrelid
            WHERE index_class.relname LIKE '%%_trgm'
            """
        )
        rows = cursor.fetchall()
    found = {(table, name): (definition, valid) for table, name, definition, valid in rows}
    for table, columns in TRIGRAM_INDEXES.items():
        for column in columns:
            definition, valid = found[(table, f"{PREFIX[table]}_{column}_trgm")]
            assert valid
            assert f"gin (upper(({column})::text) gin_trgm_ops)" in definition


@pytest.mark.django_db
def test_account_search_reads_the_trigram_indexes(postgres, salesperson):
    AccountFactory.create_batch(5, owner=salesperson)
    explained = search(AccountFilter, Account.objects.all(), "carp", salesperson)
    assert "Seq Scan" not in explained
    for column in TRIGRAM_INDEXES["accounts_account"]:
        assert f"account_{column}_trgm" in explained, explained


@pytest.mark.django_db
def test_contact_search_reads_the_trigram_indexes(postgres, salesperson):
    account = AccountFactory(name="Popescu Construct SRL", owner=salesperson)
    ContactFactory.create_batch(5, owner=salesperson, account=account)
    with CaptureQueriesContext(connection) as queries:
        explained = search(ContactFilter, Contact.objects.all(), "popes", salesperson)
    for column in TRIGRAM_INDEXES["contacts_contact"]:
        assert f"contact_{column}_trgm" in explained, explained
    # The matching accounts' ids join the same BitmapOr through an index led by the contact's account
    # (by account and name, or by account and the duplicate rule's name key: the planner picks either).
    assert "Index Cond: (account_id" in explained, explained
    assert "contact_account_name_idx" in explained or "contact_account_name_key_idx" in explained, explained
    # Those ids came from the account names' trigram index.
    lookup = next(query["sql"] for query in queries.captured_queries if 'FROM "accounts_account"' in query["sql"])
    assert "account_name_trgm" in explain_sql(lookup)


@pytest.mark.django_db
def test_one_column_search_uses_its_index(postgres):
    for queryset, index in [
        (Account.objects.filter(name__icontains="dunăr"), "account_name_trgm"),
        (Contact.objects.filter(email__icontains="@example"), "contact_email_trgm"),
        (Opportunity.objects.filter(topic__icontains="licen"), "opportunity_topic_trgm"),
        (Invoice.objects.filter(invoice_number__icontains="0042"), "invoice_invoice_number_trgm"),
        (Invoice.objects.filter(name__icontains="flot"), "invoice_name_trgm"),
    ]:
        explained = plan(queryset)
        assert index in explained and "Seq Scan" not in explained, explained


@pytest.mark.django_db
def test_opportunity_and_invoice_search_read_the_trigram_indexes(postgres, salesperson):
    explained = search(OpportunityFilter, Opportunity.objects.all(), "licen", salesperson)
    assert "opportunity_topic_trgm" in explained, explained
    explained = search(InvoiceFilter, Invoice.objects.all(), "INV-00", salesperson)
    assert "invoice_invoice_number_trgm" in explained and "invoice_name_trgm" in explained, explained
