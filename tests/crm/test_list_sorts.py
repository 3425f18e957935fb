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
from tests.factories import ContactFactory, InvoiceFactory, OpportunityFactory

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
