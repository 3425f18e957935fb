"""Each list offers only the sorts an index can serve, and sorts ties by id so pages neither repeat nor skip rows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tables import AccountTable
from contacts.tables import ContactTable
from invoices.tables import InvoiceTable
from opportunities.tables import OpportunityTable
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

# Per list: the sortable columns, and the ones that sort by a joined table or only group a
# status the filter bar shows, which are not offered.
LISTS = {
    "accounts:list": (
        AccountTable,
        {"name", "account_number", "main_phone", "city"},
        {"primary_contact", "owner", "status"},
    ),
    "contacts:list": (
        ContactTable,
        {"full_name", "job_title", "email", "business_phone"},
        {"account", "owner", "status"},
    ),
    "opportunities:list": (
        OpportunityTable,
        {"topic", "estimated_revenue", "estimated_close_date", "probability"},
        {"customer", "sales_stage", "state", "owner"},
    ),
    "invoices:list": (
        InvoiceTable,
        {"invoice_number", "name", "invoice_date", "due_date", "total_amount"},
        {"customer", "state", "owner"},
    ),
}
SORTS = [(list_name, column) for list_name, (_, sortable, _) in LISTS.items() for column in sorted(sortable)]
# The index that serves each sort on PostgreSQL (crm/migrations/0006 and 0007; the invoice number's is unique).
SORT_INDEXES = {
    ("accounts:list", "name"): "account_name_sort_idx",
    ("accounts:list", "account_number"): "account_account_number_sort_idx",
    ("accounts:list", "main_phone"): "account_main_phone_sort_idx",
    ("accounts:list", "city"): "account_city_sort_idx",
    ("contacts:list", "full_name"): "contact_name_sort_idx",
    ("contacts:list", "job_title"): "contact_job_title_sort_idx",
    ("contacts:list", "email"): "contact_email_sort_idx",
    ("contacts:list", "business_phone"): "contact_business_phone_sort_idx",
    ("opportunities:list", "topic"): "opportunity_topic_sort_idx",
    ("opportunities:list", "estimated_revenue"): "opportunity_estimated_revenue_sort_idx",
    ("opportunities:list", "estimated_close_date"): "opportunity_estimated_close_date_sort_idx",
    ("opportunities:list", "probability"): "opportunity_probability_sort_idx",
    ("invoices:list", "invoice_number"): "invoices_invoice_invoice_number",
    ("invoices:list", "name"): "invoice_name_sort_idx",
    ("invoices:list", "invoice_date"): "invoice_recent_idx",
    ("invoices:list", "due_date"): "invoice_due_date_sort_idx",
    ("invoices:list", "total_amount"): "invoice_total_amount_sort_idx",
}


@pytest.fixture
def records(salesperson):
    contact = ContactFactory(owner=salesperson, job_title="Director")
    OpportunityFactory(owner=salesperson, contact=contact)
    InvoiceFactory(owner=salesperson, contact=contact)


def page_query(client, url, sort):
    """The SQL reading the rows of the list page sorted by ``sort``."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"sort": sort})
    assert response.status_code == 200
    sqls = [query["sql"] for query in queries.captured_queries]
    return next(sql for sql in sqls if " ORDER BY " in sql and " LIMIT " in sql)


@pytest.mark.parametrize("list_name", LISTS)
def test_sortable_columns_are_the_indexed_ones(list_name):
    table, sortable, unsortable = LISTS[list_name]
    offered = {name for name, column in table.base_columns.items() if column.orderable is not False}
    assert offered == sortable
    assert set(table.base_columns) == sortable | unsortable


@pytest.mark.django_db
@pytest.mark.parametrize("list_name", LISTS)
def test_list_links_only_the_sortable_headers(client, salesperson, records, list_name):
    _, sortable, unsortable = LISTS[list_name]
    client.force_login(salesperson)
    html = client.get(reverse(list_name)).content.decode()
    for column in sortable:
        assert f"sort={column}" in html, column
    for column in unsortable:
        assert not re.search(rf"sort=-?{column}\b", html), column


@pytest.mark.django_db
@pytest.mark.parametrize(("list_name", "column"), SORTS)
def test_sort_breaks_ties_by_id_in_the_same_direction(client, salesperson, records, list_name, column):
    client.force_login(salesperson)
    for sort, direction in [(column, "ASC"), (f"-{column}", "DESC")]:
        order_by = page_query(client, reverse(list_name), sort).split(" ORDER BY ", 1)[1].split(" LIMIT ")[0]
        keys = [key.strip() for key in order_by.split(",")]
        assert all(key.endswith(direction) for key in keys), order_by
        # An invoice number is unique: no ties to break.
        assert column == "invoice_number" or keys[-1].endswith(f'."id" {direction}'), order_by


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    with connection.cursor() as cursor:
        # Test tables are tiny, where reading and sorting everything is cheapest; forbid the
        # full scan to see whether an index *can* deliver the rows in the page's order.
        cursor.execute("SET LOCAL enable_seqscan = off")


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize(("list_name", "column"), SORTS)
def test_each_sort_is_read_from_an_index_in_both_directions(client, salesperson, records, postgres, list_name, column):
    client.force_login(salesperson)
    for sort in (column, f"-{column}"):
        plan = explain(page_query(client, reverse(list_name), sort))
        # No Sort node: the index delivers the rows in the page's order, the id included.
        assert not re.search(r"(^|->  )(Incremental )?Sort ", plan, re.MULTILINE), f"?sort={sort}\n{plan}"
        assert f"using {SORT_INDEXES[list_name, column]}" in plan, f"?sort={sort}\n{plan}"


@pytest.mark.django_db
def test_the_sort_indexes_carry_the_owner_for_my_records(postgres):
    """A deep "My records" page filters the index entries by owner, reading no table rows (crm 0007)."""
    names = [name for name in SORT_INDEXES.values() if name.endswith("_sort_idx")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, pg_get_indexdef(oid) FROM pg_class WHERE relname = ANY(%s)", [names])
        definitions = dict(cursor.fetchall())
    assert set(definitions) == set(names)
    for definition in definitions.values():
        assert definition.endswith("INCLUDE (owner_id)"), definition


def test_every_sort_has_its_index_named():
    assert set(SORT_INDEXES) == set(SORTS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameter", "value", "index"),
    [
        ("industry", "accounting", "account_industry_name_idx"),
        ("relationship_type", "customer", "account_relationship_type_name_idx"),
    ],
)
def test_the_filtered_account_list_is_counted_and_read_from_its_index(
    client, salesperson, postgres, parameter, value, index
):
    AccountFactory(owner=salesperson, **{parameter: value})
    client.force_login(salesperson)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:list"), {parameter: value})
    count, page = (query["sql"] for query in queries.captured_queries if f"{parameter}\" = '{value}'" in query["sql"])
    assert f"using {index}" in explain(count), explain(count)
    plan = explain(page)
    assert f"using {index}" in plan and not re.search(r"(^|->  )(Incremental )?Sort ", plan, re.MULTILINE), plan
