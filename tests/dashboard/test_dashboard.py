"""The dashboard: figures against hand-computed values, scoped to what the user may read, query counts."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from crm.dashboard.selectors import dashboard
from crm.figures import Period
from tests.dashboard.book import TODAY, make_team_book
from tests.factories import AccountFactory, InvoiceFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
PERIOD = Period(today=TODAY)


@pytest.fixture
def book(salesperson, other_salesperson):
    return make_team_book(salesperson, other_salesperson)


def pipeline(board):
    return [
        (row["stage"], row["currency"], row["count"], row["amount"], row["weighted"]) for row in board.pipeline_by_stage
    ]


def won_lost(board):
    return {
        entry["month"].isoformat(): (entry["won"], entry["lost"], entry["won_amounts"])
        for entry in board.won_lost_by_month
        if entry["won"] or entry["lost"]
    }


def test_a_salesperson_sees_their_own_figures(book, salesperson, other_salesperson):
    board = dashboard(user=salesperson, owner=other_salesperson, period=PERIOD)  # the owner asked for is ignored
    assert board.owner == salesperson
    assert pipeline(board) == [
        ("qualify", "RON", 1, D("1000.00"), D("100.00")),
        ("develop", "RON", 1, D("2000.00"), D("1000.00")),
        ("propose", "EUR", 1, D("500.00"), D("100.00")),
    ]
    assert [entry["month"].isoformat() for entry in board.won_lost_by_month][::11] == ["2025-07-01", "2026-06-01"]
    # The win of June 2025 is outside the last 12 months.
    assert won_lost(board) == {"2026-03-01": (2, 1, [("RON", D("3000.00")), ("EUR", D("100.00"))])}
    assert list(board.invoiced_paid_by_month) == ["RON"]
    ron = {
        entry["month"].isoformat(): (entry["invoiced"], entry["paid"]) for entry in board.invoiced_paid_by_month["RON"]
    }
    assert len(ron) == 12
    assert {month: values for month, values in ron.items() if any(values)} == {
        "2026-01-01": (D("1000.00"), D("0.00")),
        "2026-03-01": (D("200.00"), D("0.00")),
        "2026-04-01": (D("0.00"), D("200.00")),
    }
    top = {currency: [(row["name"], row["amount"]) for row in rows] for currency, rows in board.top_accounts.items()}
    assert top == {
        "RON": [("Beta SA", D("2000.00")), ("Alfa SRL", D("1000.00"))],
        "EUR": [("Alfa SRL", D("500.00"))],
    }
    assert [invoice.total_amount for invoice in board.overdue_invoices] == [D("1000.00")]
    assert [o.estimated_revenue for o in board.closing_this_month] == [D("2000.00"), D("500.00")]
    assert board.closing_totals == [
        {"currency": "RON", "count": 1, "amount": D("2000.00")},
        {"currency": "EUR", "count": 1, "amount": D("500.00")},
    ]
    totals = {line.currency: line for line in board.totals}
    assert (totals["RON"].open_amount, totals["RON"].overdue_amount, totals["RON"].won_amount) == (
        D("3000.00"), D("1000.00"), D("3000.00"),
    )


def test_a_sales_manager_sees_the_team_and_can_filter_by_owner(book, sales_manager, other_salesperson):
    board = dashboard(user=sales_manager, period=PERIOD)
    assert board.owner is None
    assert pipeline(board)[0] == ("qualify", "RON", 2, D("8000.00"), D("2200.00"))
    assert won_lost(board) == {
        "2026-03-01": (2, 1, [("RON", D("3000.00")), ("EUR", D("100.00"))]),
        "2026-05-01": (0, 1, []),
    }
    assert [row["name"] for row in board.top_accounts["RON"]] == ["Gama SRL", "Beta SA", "Alfa SRL"]
    assert [invoice.total_amount for invoice in board.overdue_invoices] == [D("1000.00"), D("5000.00")]
    assert [o.estimated_revenue for o in board.closing_this_month] == [D("7000.00"), D("2000.00"), D("500.00")]

    dan = dashboard(user=sales_manager, owner=other_salesperson, period=PERIOD)
    assert pipeline(dan) == [("qualify", "RON", 1, D("7000.00"), D("2100.00"))]
    assert won_lost(dan) == {"2026-05-01": (0, 1, [])}
    assert [invoice.total_amount for invoice in dan.overdue_invoices] == [D("5000.00")]
    assert list(dan.top_accounts) == ["RON"]


def test_month_labels_are_localized(book, sales_manager):
    with translation.override("ro"):
        board = dashboard(user=sales_manager, period=PERIOD)
    assert board.won_lost_by_month[-1]["label"] == "iunie 2026"  # Romanian writes month names in lower case
    assert board.charts["won_lost"]["labels"][-1] == "iunie 2026"  # Romanian writes month names in lower case


def test_top_accounts_keeps_ten_per_currency(salesperson):
    for number in range(12):
        OpportunityFactory(
            account=AccountFactory(name=f"Cont {number:02d}", owner=salesperson),
            owner=salesperson,
            estimated_revenue=D(100 + number),
        )
    board = dashboard(user=salesperson, period=PERIOD)
    assert [row["name"] for row in board.top_accounts["RON"]] == [f"Cont {n:02d}" for n in range(11, 1, -1)]


# The page


def test_dashboard_in_the_site_map(client, salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("dashboard:index")).text
    assert f'href="{reverse("dashboard:index")}" class="current"' in page
    assert "Dashboard" in page


def test_access(client, salesperson, sales_manager, administrator):
    url = reverse("dashboard:index")
    assert client.get(url).status_code == 302
    for user in (salesperson, sales_manager, administrator):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(UserFactory(username="no.role"))
    assert client.get(url).status_code == 403


def test_salesperson_cannot_see_others_by_asking(client, book, salesperson, other_salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("dashboard:index"), {"owner": other_salesperson.pk}).text
    assert "Gama SRL" not in page
    assert 'name="owner"' not in page
    assert "Beta SA" in page


def test_manager_filter_by_owner(client, book, sales_manager, other_salesperson):
    client.force_login(sales_manager)
    team = client.get(reverse("dashboard:index")).text
    assert "Gama SRL" in team and "Beta SA" in team and 'name="owner"' in team
    dan = client.get(reverse("dashboard:index"), {"owner": other_salesperson.pk}).text
    assert "Gama SRL" in dan and "Beta SA" not in dan
    assert f"owner={other_salesperson.pk}" in dan  # the figures link to Dan's records
    assert client.get(reverse("dashboard:index"), {"owner": "nobody"}).status_code == 200


def test_without_the_right_to_read_invoices_no_invoice_figures(client, book):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_opportunity"))
    client.force_login(reader)
    page = client.get(reverse("dashboard:index")).text
    assert 'id="overdue"' not in page and 'id="invoiced-paid"' not in page
    assert 'id="pipeline"' in page


def test_chart_data_matches_the_tables(client, book, sales_manager):
    client.force_login(sales_manager)
    page = client.get(reverse("dashboard:index")).text
    spec = json.loads(re.search(r'id="chart-pipeline"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert spec["labels"] == ["Qualify", "Develop", "Propose", "Close"]
    assert [dataset["label"] for dataset in spec["datasets"]] == ["RON", "EUR"]
    assert spec["datasets"][0]["data"] == [8000.0, 2000.0, 0.0, 0.0]
    assert re.search(r'data-stage="qualify" data-currency="RON">.*?data-figure="amount">8,000.00<', page)
    for canvas_id in ("chart-pipeline", "chart-won-lost", "chart-invoiced-paid-RON"):
        assert f'data-chart="{canvas_id}"' in page and f'id="{canvas_id}"' in page


def test_the_default_currency_s_invoices_chart_shows_and_the_others_are_on_demand(client, sales_manager, settings):
    settings.CRM_DEFAULT_CURRENCY = "RON"
    for currency in ("EUR", "HUF", "RON"):
        InvoiceFactory(owner=sales_manager, account__owner=sales_manager, currency=currency,
                       invoice_date=timezone.localdate())
    client.force_login(sales_manager)
    page = client.get(reverse("dashboard:index")).text

    section = page[page.index('id="invoiced-paid"'):page.index('id="top-accounts"')]
    more = section.index('<details class="more-currencies">')
    assert section.index('data-chart="chart-invoiced-paid-RON"') < more
    assert more < section.index('data-chart="chart-invoiced-paid-EUR"')
    assert more < section.index('data-chart="chart-invoiced-paid-HUF"')
    assert "2 more currencies" in section
    # Every chart's numbers are in a table behind "Show the numbers", closed.
    assert page.count('<details class="chart-numbers"><summary>Show the numbers</summary>') == 5


def make_records(size, owner):
    for currency in ("RON", "EUR"):
        for account in AccountFactory.create_batch(size, owner=owner):
            OpportunityFactory(account=account, owner=owner, currency=currency)
        InvoiceFactory.create_batch(size, owner=owner, account__owner=owner, currency=currency, total_amount=0)


def test_query_count_does_not_grow_with_data(client, sales_manager, salesperson):
    client.force_login(sales_manager)
    counts = []
    for size in (1, 30):
        make_records(size, salesperson)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:index"), {"owner": salesperson.pk}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"] for q in queries.captured_queries]
    # session, user, permissions (2), owners for the filter form and the chosen owner, figures (2),
    # pipeline, won/lost, invoiced, paid, top accounts, overdue, closing list and totals
    assert counts[1] <= 16


def test_page_numbers_are_localized(client, book, sales_manager):
    client.force_login(sales_manager)
    client.cookies["django_language"] = "ro"
    page = client.get(reverse("dashboard:index")).text
    assert re.search(r'data-stage="qualify" data-currency="RON">.*?data-figure="amount">8.000,00<', page)
