"""Two salespeople's records with known dashboard figures, made through the services."""

import datetime
from decimal import Decimal

from accounts.services import account_create
from invoices.services import invoice_create, invoice_mark_paid
from opportunities.services import opportunity_close_as_lost, opportunity_close_as_won, opportunity_create

TODAY = datetime.date(2026, 6, 15)


def _opportunity(owner, account, revenue, *, currency="RON", stage="qualify", probability=10, close=None):
    return opportunity_create(
        actor=owner,
        topic=f"{account.name} {revenue} {currency}",
        account=account,
        estimated_revenue=Decimal(revenue),
        currency=currency,
        sales_stage=stage,
        probability=probability,
        estimated_close_date=close,
    )


def _invoice(owner, account, amount, *, invoice_date, due_date=None, currency="RON"):
    return invoice_create(
        actor=owner,
        name=f"Factură {amount}",
        account=account,
        currency=currency,
        invoice_date=invoice_date,
        due_date=due_date,
        lines=[{"description": "Servicii", "quantity": 1, "unit_price": Decimal(amount), "tax_rate": 0}],
    )


def make_team_book(ana, dan, *, today=TODAY):
    """Ana's and Dan's records; dates are relative to ``today`` so the figures are the same on any day."""
    month = today.replace(day=1)

    def months_ago(n, day=1):
        year, mon = month.year, month.month - n
        while mon < 1:
            year, mon = year - 1, mon + 12
        return datetime.date(year, mon, day)

    alfa = account_create(actor=ana, name="Alfa SRL")
    beta = account_create(actor=ana, name="Beta SA")
    gama = account_create(actor=dan, name="Gama SRL")

    _opportunity(ana, alfa, "1000", stage="qualify", probability=10)
    _opportunity(ana, beta, "2000", stage="develop", probability=50, close=month.replace(day=20))
    _opportunity(ana, alfa, "500", currency="EUR", stage="propose", probability=20, close=month.replace(day=28))
    _opportunity(dan, gama, "7000", stage="qualify", probability=30, close=month.replace(day=5))

    won = _opportunity(ana, alfa, "3000")
    opportunity_close_as_won(opportunity=won, actual_revenue=Decimal("3000"), close_date=months_ago(3, 2), actor=ana)
    won_eur = _opportunity(ana, beta, "100", currency="EUR")
    opportunity_close_as_won(
        opportunity=won_eur, actual_revenue=Decimal("100"), close_date=months_ago(3, 10), actor=ana
    )
    lost = _opportunity(ana, beta, "800")
    opportunity_close_as_lost(opportunity=lost, status_reason="out_sold", close_date=months_ago(3, 15), actor=ana)
    too_old = _opportunity(ana, alfa, "900")
    opportunity_close_as_won(
        opportunity=too_old, actual_revenue=Decimal("900"), close_date=months_ago(12, 28), actor=ana
    )
    lost_dan = _opportunity(dan, gama, "400")
    opportunity_close_as_lost(opportunity=lost_dan, status_reason="canceled", close_date=months_ago(1), actor=dan)

    _invoice(ana, alfa, "1000", invoice_date=months_ago(5, 10), due_date=months_ago(4, 10))
    paid = _invoice(ana, beta, "200", invoice_date=months_ago(3))
    invoice_mark_paid(invoice=paid, paid_date=months_ago(2, 2), actor=ana)
    _invoice(dan, gama, "5000", invoice_date=months_ago(4), due_date=months_ago(4, 15))
    return {"alfa": alfa, "beta": beta, "gama": gama, "months_ago": months_ago}
