"""Every summary figure against values computed by hand on tests/history/book.py."""

from decimal import Decimal

import pytest

from accounts.selectors import account_figures
from contacts.selectors import contact_figures
from crm.figures import Period
from tests.history.book import TODAY, make_book

pytestmark = pytest.mark.django_db

PERIOD = Period(today=TODAY)
D = Decimal


def as_dict(lines):
    return {
        line.currency: {
            key: getattr(line, key)
            for key in (
                "open_count", "open_amount", "weighted_amount", "won_count", "won_amount", "lost_count",
                "lost_amount", "invoiced_count", "invoiced_amount", "paid_count", "paid_amount",
                "outstanding_count", "outstanding_amount", "overdue_count", "overdue_amount",
            )
        }
        for line in lines
    }


@pytest.fixture
def book(salesperson):
    return make_book(salesperson)


def test_account_figures_by_currency(book, sales_manager):
    figures = account_figures(account=book["a"], user=sales_manager, period=PERIOD)
    assert [line.currency for line in figures.lines] == ["RON", "EUR"]  # the default currency first
    assert as_dict(figures.lines) == {
        "RON": {
            # 10000 + 333.33 + 1500 (reopened)
            "open_count": 3, "open_amount": D("11833.33"),
            # 10000 x 40% + 333.33 x 33% + 1500 x 10% = 4000 + 109.9989 + 150, rounded to cents
            "weighted_amount": D("4260.00"),
            # the won of 2025 is not counted; the reopened one is open again
            "won_count": 1, "won_amount": D("4800.00"),
            "lost_count": 1, "lost_amount": D("700.00"),
            # 1000 + 500 + 200 (invoiced in 2026, the canceled one left out)
            "invoiced_count": 3, "invoiced_amount": D("1700.00"),
            # 200 + 300 (invoiced in 2025, paid in 2026)
            "paid_count": 2, "paid_amount": D("500.00"),
            # 1000 + 500 + 800 (from 2025, still unpaid)
            "outstanding_count": 3, "outstanding_amount": D("2300.00"),
            # 1000 (due 10 Feb) + 800 (due Oct 2025); the 500 is due in July
            "overdue_count": 2, "overdue_amount": D("1800.00"),
        },
        "EUR": {
            "open_count": 1, "open_amount": D("2000.00"), "weighted_amount": D("1000.00"),
            # lost, reopened, then won for 300
            "won_count": 1, "won_amount": D("300.00"),
            "lost_count": 0, "lost_amount": D("0.00"),
            # 100 + 19% tax
            "invoiced_count": 1, "invoiced_amount": D("119.00"),
            "paid_count": 0, "paid_amount": D("0.00"),
            "outstanding_count": 1, "outstanding_amount": D("119.00"),
            "overdue_count": 1, "overdue_amount": D("119.00"),
        },
    }
    assert figures.child_count == 1
    assert [child.name for child in figures.children] == ["Alfa Cluj SRL"]
    assert figures.family_size == 1


def test_account_figures_with_child_accounts(book, sales_manager):
    figures = account_figures(account=book["a"], user=sales_manager, include_children=True, period=PERIOD)
    assert figures.family_size == 3  # A, its child and its grandchild
    ron = as_dict(figures.lines)["RON"]
    assert ron == {
        "open_count": 4, "open_amount": D("12833.33"), "weighted_amount": D("4460.00"),
        "won_count": 2, "won_amount": D("4850.00"),
        "lost_count": 1, "lost_amount": D("700.00"),
        "invoiced_count": 4, "invoiced_amount": D("1950.00"),
        "paid_count": 2, "paid_amount": D("500.00"),
        "outstanding_count": 4, "outstanding_amount": D("2550.00"),
        "overdue_count": 3, "overdue_amount": D("2050.00"),
    }
    # The child's own figures include its child, not its parent.
    child = account_figures(account=book["c1"], user=sales_manager, include_children=True, period=PERIOD)
    assert as_dict(child.lines)["RON"]["won_amount"] == D("50.00")
    assert as_dict(child.lines)["RON"]["open_amount"] == D("1000.00")


def test_contact_figures(book, sales_manager):
    lines = contact_figures(contact=book["k"], user=sales_manager, period=PERIOD)
    assert as_dict(lines) == {
        "RON": {
            "open_count": 1, "open_amount": D("1200.00"), "weighted_amount": D("300.00"),
            "won_count": 0, "won_amount": D("0.00"), "lost_count": 0, "lost_amount": D("0.00"),
            "invoiced_count": 1, "invoiced_amount": D("100.00"),
            "paid_count": 0, "paid_amount": D("0.00"),
            "outstanding_count": 1, "outstanding_amount": D("100.00"),
            "overdue_count": 1, "overdue_amount": D("100.00"),
        }
    }


def test_figures_leave_out_what_the_user_may_not_read(book, salesperson):
    from django.contrib.auth.models import Permission

    salesperson.groups.clear()
    salesperson.user_permissions.add(
        Permission.objects.get(codename="view_account"), Permission.objects.get(codename="view_opportunity")
    )
    salesperson = type(salesperson).objects.get(pk=salesperson.pk)  # fresh permission cache
    lines = account_figures(account=book["a"], user=salesperson, period=PERIOD).lines
    ron = as_dict(lines)["RON"]
    assert ron["open_amount"] == D("11833.33")
    assert ron["invoiced_count"] == 0 and ron["overdue_amount"] == D("0.00")


def test_an_account_without_records_has_no_lines(salesperson):
    from accounts.services import account_create

    empty = account_create(actor=salesperson, name="Gol SRL")
    assert account_figures(account=empty, user=salesperson, period=PERIOD).lines == []
