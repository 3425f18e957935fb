"""Bounded pagination: counts that never scan a whole big table, and a bounded deepest page."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import account_list
from accounts.tables import AccountTable
from crm.pagination import BoundedPaginator
from tests.factories import AccountFactory


class TwoPages(BoundedPaginator):
    max_pages = 2




@pytest.fixture
def thirty_accounts(salesperson):
    return AccountFactory.create_batch(30, owner=salesperson)


@pytest.mark.django_db
def test_pages_stop_at_max_pages_and_the_count_stops_there_too(thirty_accounts):
    paginator = TwoPages(Account.objects.filter(status="active"), per_page=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 20
    assert paginator.count_is_capped and not paginator.count_is_estimate
    assert paginator.num_pages == 2
    [count_query] = queries.captured_queries
    assert "COUNT(" in count_query["sql"].upper() and "LIMIT 21" in count_query["sql"].upper()
    assert [account.name for account in paginator.page(2)] == [a.name for a in Account.objects.all()[10:20]]
    with pytest.raises(EmptyPage):
        paginator.page(3)


@pytest.mark.django_db
def test_a_list_under_the_cap_is_counted_exactly(thirty_accounts):
    paginator = BoundedPaginator(Account.objects.all(), per_page=25)
    assert paginator.count == 30
    assert not paginator.count_is_capped and not paginator.count_is_estimate
    assert paginator.num_pages == 2


@pytest.mark.django_db
def test_an_unfiltered_big_table_is_counted_from_the_planner_estimate(thirty_accounts, salesperson):
    if connection.vendor != "postgresql":
        pytest.skip("The estimate comes from PostgreSQL's pg_class")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_account")
    paginator = TwoPages(Account.objects.order_by("name"), per_page=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 30
    assert paginator.count_is_estimate and not paginator.count_is_capped
    assert paginator.num_pages == 2
    capped_count, estimate = (query["sql"] for query in queries.captured_queries)
    assert "LIMIT 21" in capped_count.upper() and "reltuples" in estimate
    # A filter narrows the list: counted up to the cap, never estimated.
    filtered = TwoPages(Account.objects.filter(owner=salesperson), per_page=10)
    assert filtered.count == 20 and filtered.count_is_capped and not filtered.count_is_estimate


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.crm.list_urls")
def test_record_list_view_pages_with_the_bounded_paginator(client, salesperson, thirty_accounts, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    client.force_login(salesperson)
    names = list(Account.objects.values_list("name", flat=True))
    with CaptureQueriesContext(connection) as queries:
        # A filter, so the count is the capped one (unfiltered, PostgreSQL may show its estimate).
        lines = client.get("/accounts/?status=active").content.decode().splitlines()
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert len(counts) == 1, "the page is counted once (by the table), not again by the list view"
    assert lines[0] == "page=1/2 count=20"
    assert lines[1:] == names[:10]
    # Past the deepest page: the last reachable page, not an error.
    lines = client.get("/accounts/?status=active&page=40").content.decode().splitlines()
    assert lines[0] == "page=2/2 count=20"
    assert lines[1:] == names[10:20]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.crm.list_urls")
def test_a_search_page_sorts_its_found_rows_instead_of_walking_an_index(client, salesperson, thirty_accounts):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    AccountFactory(name="Unic Trans SRL", owner=salesperson)
    client.force_login(salesperson)
    searched = client.get("/accounts/?q=unic")
    assert searched["X-Index-Scan"] == "off"
    assert searched.content.decode().splitlines() == ["page=1/1 count=1", "Unic Trans SRL"]
    assert client.get("/accounts/")["X-Index-Scan"] == "on"
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on", "the setting ends with the request"


class IdsFirstFromRowTen(BoundedPaginator):
    ids_first_from_row = 10


@pytest.mark.django_db
def test_a_deep_page_reads_its_ids_first_then_its_rows_with_their_joins(thirty_accounts):
    accounts = Account.objects.select_related("owner").order_by("-city", "name", "pk")
    expected = [account.pk for account in accounts[10:20]]
    with CaptureQueriesContext(connection) as queries:
        page = IdsFirstFromRowTen(accounts, per_page=10).page(2)
        assert [account.pk for account in page] == expected
    skipping = [query["sql"] for query in queries.captured_queries if "OFFSET 10" in query["sql"]]
    # The OFFSET skips ids only: the skipped rows are not joined to their owner.
    assert len(skipping) == 1 and "auth_user" not in skipping[0], skipping
    assert [account.owner.pk for account in page]  # joined by the second read, no query per row
    assert len(queries.captured_queries) == 3  # the count, the ids, the rows


@pytest.mark.django_db
def test_a_deep_table_page_keeps_its_rows_in_the_sorted_order(thirty_accounts, salesperson, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "ids_first_from_row", 10)
    table = AccountTable(account_list(user=salesperson), order_by="-name")
    table.paginate(paginator_class=BoundedPaginator, per_page=10, page=3)
    expected = list(Account.objects.order_by("-name", "-pk").values_list("name", flat=True)[20:30])
    assert [row.get_cell_value("name") for row in table.page.object_list] == expected
