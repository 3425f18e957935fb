"""A small hand-made book of business with known figures, made through the services."""

from datetime import date
from decimal import Decimal

from accounts.services import account_create
from contacts.services import contact_create
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid
from opportunities.services import (
    opportunity_close_as_lost,
    opportunity_close_as_won,
    opportunity_create,
    opportunity_reopen,
    opportunity_update,
)

# The figures below are counted as on this day.
TODAY = date(2026, 6, 15)


def line(amount, tax_rate=0):
    return [
        {"description": "Servicii", "quantity": 1, "unit_price": Decimal(amount), "discount": 0, "tax_rate": tax_rate}
    ]


def opportunity(actor, account=None, contact=None, *, revenue, probability=10, currency="RON", **fields):
    return opportunity_create(
        actor=actor,
        topic=f"Oportunitate {revenue} {currency}",
        account=account,
        contact=contact,
        estimated_revenue=Decimal(revenue),
        probability=probability,
        currency=currency,
        **fields,
    )


def invoice(actor, account=None, contact=None, *, amount, invoice_date, due_date=None, currency="RON", tax_rate=0):
    return invoice_create(
        actor=actor,
        name=f"Factură {amount}",
        account=account,
        contact=contact,
        currency=currency,
        invoice_date=invoice_date,
        due_date=due_date,
        lines=line(amount, tax_rate),
    )


def make_book(actor):
    """Accounts A (with child C1, grandchild C2), an unrelated B, and a contact K without an account."""
    a = account_create(actor=actor, name="Alfa Holding SA")
    c1 = account_create(actor=actor, name="Alfa Cluj SRL", parent_account=a)
    c2 = account_create(actor=actor, name="Alfa Turda SRL", parent_account=c1)
    b = account_create(actor=actor, name="Beta SRL")
    k = contact_create(actor=actor, first_name="Ioana", last_name="Mureșan")

    # Account A's opportunities.
    opportunity(actor, a, revenue="10000", probability=40)
    opportunity(actor, a, revenue="333.33", probability=33)
    opportunity(actor, a, revenue="2000", probability=50, currency="EUR")
    won = opportunity(actor, a, revenue="5000", probability=60)
    opportunity_close_as_won(opportunity=won, actual_revenue=Decimal("4800"), close_date=date(2026, 3, 2), actor=actor)
    last_year = opportunity(actor, a, revenue="1000")
    opportunity_close_as_won(
        opportunity=last_year, actual_revenue=Decimal("999"), close_date=date(2025, 12, 31), actor=actor
    )
    lost = opportunity(actor, a, revenue="700")
    opportunity_close_as_lost(opportunity=lost, status_reason="out_sold", close_date=date(2026, 2, 1), actor=actor)
    reopened = opportunity(actor, a, revenue="1500")
    opportunity_close_as_won(
        opportunity=reopened, actual_revenue=Decimal("1500"), close_date=date(2026, 2, 2), actor=actor
    )
    opportunity_reopen(opportunity=reopened, actor=actor)
    opportunity_update(opportunity=reopened, actor=actor, probability=10)
    back_and_forth = opportunity(actor, a, revenue="400", currency="EUR")
    opportunity_close_as_lost(
        opportunity=back_and_forth, status_reason="canceled", close_date=date(2026, 4, 1), actor=actor
    )
    opportunity_reopen(opportunity=back_and_forth, actor=actor)
    opportunity_close_as_won(
        opportunity=back_and_forth, actual_revenue=Decimal("300"), close_date=date(2026, 5, 5), actor=actor
    )

    # Account A's invoices.
    invoice(actor, a, amount="1000", invoice_date=date(2026, 1, 10), due_date=date(2026, 2, 10))
    invoice(actor, a, amount="500", invoice_date=date(2026, 6, 1), due_date=date(2026, 7, 1))
    paid = invoice(actor, a, amount="200", invoice_date=date(2026, 3, 1))
    invoice_mark_paid(invoice=paid, paid_date=date(2026, 3, 20), actor=actor)
    paid_late = invoice(actor, a, amount="300", invoice_date=date(2025, 11, 1))
    invoice_mark_paid(invoice=paid_late, paid_date=date(2026, 1, 5), actor=actor)
    canceled = invoice(actor, a, amount="400", invoice_date=date(2026, 4, 1))
    invoice_cancel(invoice=canceled, actor=actor)
    invoice(
        actor, a, amount="100", tax_rate=19, currency="EUR", invoice_date=date(2026, 5, 1), due_date=date(2026, 5, 31)
    )
    invoice(actor, a, amount="800", invoice_date=date(2025, 10, 1), due_date=date(2025, 10, 31))

    # The child accounts'.
    opportunity(actor, c1, revenue="1000", probability=20)
    invoice(actor, c1, amount="250", invoice_date=date(2026, 2, 1), due_date=date(2026, 2, 15))
    grandchild_won = opportunity(actor, c2, revenue="60")
    opportunity_close_as_won(
        opportunity=grandchild_won, actual_revenue=Decimal("50"), close_date=date(2026, 1, 10), actor=actor
    )

    # Never counted for A: another account's records.
    opportunity(actor, b, revenue="99999", probability=90)
    invoice(actor, b, amount="77777", invoice_date=date(2026, 1, 1), due_date=date(2026, 1, 2))

    # The contact's own records.
    opportunity(actor, contact=k, revenue="1200", probability=25)
    invoice(actor, contact=k, amount="100", invoice_date=date(2026, 6, 1), due_date=date(2026, 6, 10))
    return {"a": a, "c1": c1, "c2": c2, "b": b, "k": k}
