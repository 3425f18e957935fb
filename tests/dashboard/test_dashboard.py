"""The dashboard: figures in the base currency against hand-computed values, scoped to what the user may read."""

import datetime
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
from crm.models import ExchangeRate
from tests.dashboard.book import TODAY, make_team_book
from tests.factories import AccountFactory, InvoiceFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
PERIOD = Period(today=TODAY)


@pytest.fixture(autouse=True)
def base_ron(settings):
    settings.CRM_BASE_CURRENCY = "RON"


@pytest.fixture
def eur_rate(db):
    # Before the records, so that the services store their amounts in RON too: 1 EUR = 5 RON.
    return ExchangeRate.objects.create(currency="EUR", rate=D("5"))


@pytest.fixture
def book(eur_rate, salesperson, other_salesperson):
    return make_team_book(salesperson, other_salesperson)


def pipeline(board):
    """The open pipeline by stage, in RON."""
    return [(row["stage"], row["count"], row["amount"], row["weighted"]) for row in board.pipeline_by_stage]


def won_lost(board):
    return {
        entry["month"].isoformat(): (entry["won"], entry["lost"], entry["won_amount"])
        for entry in board.won_lost_by_month
        if entry["won"] or entry["lost"]
    }


def test_a_salesperson_sees_their_own_figures(book, salesperson, other_salesperson):
    board = dashboard(user=salesperson, owner=other_salesperson, period=PERIOD)  # the owner asked for is ignored
    assert board.owner == salesperson
    assert board.base_currency == "RON" and board.missing_rates == []
    # EUR 500 at 5 RON: 2,500 RON, weighted at 20 %.
    assert pipeline(board) == [
        ("qualify", 1, D("1000.00"), D("100.00")),
        ("develop", 1, D("2000.00"), D("1000.00")),
        ("propose", 1, D("2500.00"), D("500.00")),
    ]
    assert [(row["stage"], row["currency"], row["amount"]) for row in board.pipeline_by_currency] == [
        ("qualify", "RON", D("1000.00")),
        ("develop", "RON", D("2000.00")),
        ("propose", "EUR", D("500.00")),
    ]
    assert [entry["month"].isoformat() for entry in board.won_lost_by_month][::11] == ["2025-07-01", "2026-06-01"]
    # The win of June 2025 is outside the last 12 months; 3,000 RON and 100 EUR won in March.
    assert won_lost(board) == {"2026-03-01": (2, 1, D("3500.00"))}
    months = {entry["month"].isoformat(): (entry["invoiced"], entry["paid"]) for entry in board.invoiced_paid_by_month}
    assert len(months) == 12
    assert {month: values for month, values in months.items() if any(values)} == {
        "2026-01-01": (D("1000.00"), D("0.00")),
        "2026-03-01": (D("200.00"), D("0.00")),
        "2026-04-01": (D("0.00"), D("200.00")),
    }
    assert board.invoiced_paid_by_currency == [{"currency": "RON", "invoiced": D("1200.00"), "paid": D("200.00")}]
    # One list in RON: Alfa's 1,000 RON and 500 EUR come to 3,500 RON.
    assert [(row["name"], row["amount"]) for row in board.top_accounts] == [
        ("Alfa SRL", D("3500.00")),
        ("Beta SA", D("2000.00")),
    ]
    assert [invoice.total_amount for invoice in board.overdue_invoices] == [D("1000.00")]
    assert [o.estimated_revenue for o in board.closing_this_month] == [D("2000.00"), D("500.00")]
    assert board.closing_total == {"count": 2, "amount": D("4500.00")}
    totals = {line.currency: line for line in board.totals}
    assert list(totals) == ["RON", "EUR"]
    assert (totals["RON"].open_amount, totals["RON"].overdue_amount, totals["RON"].won_amount) == (
        D("3000.00"),
        D("1000.00"),
        D("3000.00"),
    )
    assert (totals["EUR"].open_amount, totals["EUR"].won_amount) == (D("500.00"), D("100.00"))
    base = board.base_totals
    assert (base.currency, base.open_count, base.open_amount, base.weighted_amount) == (
        "RON",
        3,
        D("5500.00"),
        D("1600.00"),
    )
    assert (base.won_count, base.won_amount, base.lost_amount) == (2, D("3500.00"), D("800.00"))
    assert (base.invoiced_amount, base.paid_amount, base.outstanding_amount, base.overdue_amount) == (
        D("1200.00"),
        D("200.00"),
        D("1000.00"),
        D("1000.00"),
    )


def test_a_sales_manager_sees_the_team_and_can_filter_by_owner(book, sales_manager, other_salesperson):
    board = dashboard(user=sales_manager, period=PERIOD)
    assert board.owner is None
    assert pipeline(board)[0] == ("qualify", 2, D("8000.00"), D("2200.00"))
    assert won_lost(board) == {"2026-03-01": (2, 1, D("3500.00")), "2026-05-01": (0, 1, D("0.00"))}
    assert [row["name"] for row in board.top_accounts] == ["Gama SRL", "Alfa SRL", "Beta SA"]
    assert [invoice.total_amount for invoice in board.overdue_invoices] == [D("1000.00"), D("5000.00")]
    assert [o.estimated_revenue for o in board.closing_this_month] == [D("7000.00"), D("2000.00"), D("500.00")]

    dan = dashboard(user=sales_manager, owner=other_salesperson, period=PERIOD)
    assert pipeline(dan) == [("qualify", 1, D("7000.00"), D("2100.00"))]
    assert won_lost(dan) == {"2026-05-01": (0, 1, D("0.00"))}
    assert [invoice.total_amount for invoice in dan.overdue_invoices] == [D("5000.00")]
    assert [row["name"] for row in dan.top_accounts] == ["Gama SRL"]


def test_a_currency_without_a_rate_is_left_out_of_the_base_figures_and_named(
    client, salesperson, other_salesperson, sales_manager
):
    make_team_book(salesperson, other_salesperson)  # no EUR rate
    board = dashboard(user=salesperson, period=PERIOD)
    assert board.missing_rates == ["EUR"]
    assert pipeline(board) == [
        ("qualify", 1, D("1000.00"), D("100.00")),
        ("develop", 1, D("2000.00"), D("1000.00")),
        ("propose", 1, D("0.00"), D("0.00")),
    ]
    assert board.base_totals.open_amount == D("3000.00")  # the RON opportunities only
    assert [line.currency for line in board.totals] == ["RON", "EUR"]  # still there per currency
    client.force_login(salesperson)
    page = client.get(reverse("dashboard:index")).text
    assert 'id="missing-rates" data-currencies="EUR"' in page
    assert "EUR has no exchange rate: its records are left out of the RON figures" in page
    assert "Set the exchange rates" not in page  # only for those who may


def test_a_new_rate_counts_once_the_base_amounts_are_recalculated(book, salesperson, administrator):
    from crm.exchange_rates import base_amounts_recalculate, exchange_rate_set

    exchange_rate_set(currency="EUR", rate=D("6"), actor=administrator)
    assert pipeline(dashboard(user=salesperson, period=PERIOD))[2] == ("propose", 1, D("2500.00"), D("500.00"))
    base_amounts_recalculate(actor=administrator)
    assert pipeline(dashboard(user=salesperson, period=PERIOD))[2] == ("propose", 1, D("3000.00"), D("600.00"))
    # The March win keeps the rate of the day it was won.
    assert won_lost(dashboard(user=salesperson, period=PERIOD)) == {"2026-03-01": (2, 1, D("3500.00"))}


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
    assert [row["name"] for row in board.top_accounts] == [f"Cont {n:02d}" for n in range(11, 1, -1)]


# The page


def test_dashboard_in_the_site_map(client, salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("dashboard:index")).text
    assert f'href="{reverse("dashboard:index")}" aria-current="page"' in page  # the site map marks it
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
    # One chart in the base currency, not one series per currency.
    assert [dataset["label"] for dataset in spec["datasets"]] == ["Estimated revenue (RON)", "Weighted pipeline (RON)"]
    assert spec["datasets"][0]["data"] == [8000.0, 2000.0, 2500.0, 0.0]
    assert re.search(r'<tr data-stage="qualify"><th scope="row">Qualify</th>.*?data-figure="amount">8,000.00<', page)
    for canvas_id in ("chart-pipeline", "chart-won-lost", "chart-invoiced-paid"):
        assert f'data-chart="{canvas_id}"' in page and f'id="{canvas_id}"' in page
    invoiced = json.loads(re.search(r'id="chart-invoiced-paid"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert [dataset["label"] for dataset in invoiced["datasets"]] == ["Invoiced (RON)", "Paid (RON)"]
    assert sum(invoiced["datasets"][0]["data"]) == 6200.0  # 1,000 + 200 + 5,000 RON


def test_figures_in_base_with_the_breakdown_per_currency_on_demand(client, book, sales_manager):
    client.force_login(sales_manager)
    page = client.get(reverse("dashboard:index")).text
    totals = page[page.index('id="totals"') : page.index('id="pipeline"')]
    # Team: 1,000 + 2,000 + 7,000 RON and 500 EUR at 5.
    assert re.search(
        r'data-figure="open" href="[^"]*"><span class="figure-label">Open pipeline</span> '
        r'<span class="figure-value">12,500.00</span>',
        totals,
    )
    assert "Figures in RON" in totals
    breakdown = totals.index('<details class="more-currencies"><summary>Figures per currency</summary>')
    assert breakdown < totals.index('<tr data-currency="EUR">')
    # Every chart's numbers are in a table behind "Show the numbers", closed; no chart per currency.
    assert page.count('<details class="chart-numbers"><summary>Show the numbers</summary>') == 3
    assert "<details open" not in page
    assert 'data-chart="chart-invoiced-paid-' not in page


def make_records(size, owner):
    """Records in RON and EUR (no EUR rate, so the dashboard names it), closing this month and overdue."""
    today = timezone.localdate()
    for currency in ("RON", "EUR"):
        for account in AccountFactory.create_batch(size, owner=owner):
            OpportunityFactory(account=account, owner=owner, currency=currency, estimated_close_date=today)
        InvoiceFactory.create_batch(
            size,
            owner=owner,
            account__owner=owner,
            currency=currency,
            total_amount=0,
            due_date=today - datetime.timedelta(days=1),
            invoice_date=today - datetime.timedelta(days=30),
        )


@pytest.mark.parametrize("viewer", ["sales_manager", "administrator"])
def test_query_count_does_not_grow_with_data(client, salesperson, django_assert_max_num_queries, request, viewer):
    client.force_login(request.getfixturevalue(viewer))
    counts = []
    for size in (1, 30):
        make_records(size, salesperson)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("dashboard:index"), {"owner": salesperson.pk}).text
        counts.append(len(queries))
        assert 'id="missing-rates" data-currencies="EUR"' in page
        # the figures, and the viewer's overdue and due-today activities
        assert page.count('class="figure-tile') == 8 + 2
    assert counts[0] == counts[1], [q["sql"] for q in queries.captured_queries]
    # session, user, permissions (2), owners for the filter form and the chosen owner, figures per currency and in
    # base (2), pipeline, won/lost, invoiced, paid, top accounts, overdue, closing list and total; the viewer's
    # overdue and due-today activity counts (each capped) and next activities
    with django_assert_max_num_queries(19):
        client.get(reverse("dashboard:index"), {"owner": salesperson.pk})


def test_page_numbers_are_localized(client, book, sales_manager):
    client.force_login(sales_manager)
    client.cookies["django_language"] = "ro"
    try:
        page = client.get(reverse("dashboard:index")).text
    finally:
        translation.activate("en")  # the request left Romanian active in this thread, for the tests that follow
    assert re.search(r'<tr data-stage="qualify"><th scope="row">[^<]*</th>.*?data-figure="amount">8.000,00<', page)
