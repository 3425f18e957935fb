"""Sales figures over a set of opportunities and invoices, one line per currency.

Used by the account and contact summaries and by the dashboard. Each figure is
one aggregate query per model, whatever the number of records; amounts in
different currencies are never added together.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from invoices.models import InvoiceState
from opportunities.models import OpportunityState

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
AMOUNT = DecimalField(max_digits=20, decimal_places=2)


@dataclass
class CurrencyFigures:
    """The figures of one currency; amounts are Decimals rounded to cents."""

    currency: str
    open_count: int = 0
    open_amount: Decimal = ZERO
    weighted_amount: Decimal = ZERO
    won_count: int = 0
    won_amount: Decimal = ZERO
    lost_count: int = 0
    lost_amount: Decimal = ZERO
    invoiced_count: int = 0
    invoiced_amount: Decimal = ZERO
    paid_count: int = 0
    paid_amount: Decimal = ZERO
    outstanding_count: int = 0
    outstanding_amount: Decimal = ZERO
    overdue_count: int = 0
    overdue_amount: Decimal = ZERO
    links: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Period:
    """The dates the figures are counted over: this calendar year, and today for what is overdue."""

    today: datetime.date

    @classmethod
    def current(cls):
        return cls(today=timezone.localdate())

    @property
    def year_start(self):
        return self.today.replace(month=1, day=1)

    @property
    def next_year_start(self):
        return self.year_start.replace(year=self.year_start.year + 1)


def money_sum(expression, condition):
    return Coalesce(Sum(expression, filter=condition, output_field=AMOUNT), ZERO, output_field=AMOUNT)


def cents(value):
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def opportunity_figures(opportunities, *, period):
    """Aggregate ``opportunities`` by currency: open pipeline, won and lost this year. One query."""
    this_year = Q(actual_close_date__gte=period.year_start, actual_close_date__lt=period.next_year_start)
    is_open = Q(state=OpportunityState.OPEN)
    won = Q(state=OpportunityState.WON) & this_year
    lost = Q(state=OpportunityState.LOST) & this_year
    rows = (
        opportunities.order_by()
        .values("currency")
        .annotate(
            open_count=Count("pk", filter=is_open),
            open_amount=money_sum("estimated_revenue", is_open),
            # Revenue x probability, divided by 100 in Python so SQLite's integer arithmetic cannot truncate it.
            weighted_hundredfold=money_sum(F("estimated_revenue") * F("probability"), is_open),
            won_count=Count("pk", filter=won),
            won_amount=money_sum("actual_revenue", won),
            lost_count=Count("pk", filter=lost),
            lost_amount=money_sum("estimated_revenue", lost),
        )
        .order_by("currency")
    )
    result = {}
    for row in rows:
        hundredfold = row.pop("weighted_hundredfold")
        row["weighted_amount"] = cents(hundredfold / 100)
        for key in ("open_amount", "won_amount", "lost_amount"):
            row[key] = cents(row[key])
        result[row["currency"]] = row
    return result


def invoice_figures(invoices, *, period):
    """Aggregate ``invoices`` by currency: invoiced and paid this year, outstanding, overdue. One query."""
    invoiced = Q(invoice_date__gte=period.year_start, invoice_date__lt=period.next_year_start) & ~Q(
        state=InvoiceState.CANCELED
    )
    paid = Q(state=InvoiceState.PAID, paid_date__gte=period.year_start, paid_date__lt=period.next_year_start)
    outstanding = Q(state=InvoiceState.ACTIVE)
    overdue = outstanding & Q(due_date__lt=period.today)
    rows = (
        invoices.order_by()
        .values("currency")
        .annotate(
            invoiced_count=Count("pk", filter=invoiced),
            invoiced_amount=money_sum("total_amount", invoiced),
            paid_count=Count("pk", filter=paid),
            paid_amount=money_sum("total_amount", paid),
            outstanding_count=Count("pk", filter=outstanding),
            outstanding_amount=money_sum("total_amount", outstanding),
            overdue_count=Count("pk", filter=overdue),
            overdue_amount=money_sum("total_amount", overdue),
        )
        .order_by("currency")
    )
    result = {}
    for row in rows:
        for key in ("invoiced_amount", "paid_amount", "outstanding_amount", "overdue_amount"):
            row[key] = cents(row[key])
        result[row["currency"]] = row
    return result


def sales_figures(*, opportunities=None, invoices=None, period=None) -> list[CurrencyFigures]:
    """One CurrencyFigures per currency met in ``opportunities`` and ``invoices`` (either may be None).

    Currencies with nothing to show are left out; the default currency comes first.
    """
    period = period or Period.current()
    by_opportunity = opportunity_figures(opportunities, period=period) if opportunities is not None else {}
    by_invoice = invoice_figures(invoices, period=period) if invoices is not None else {}
    lines = []
    for currency in sorted(by_opportunity.keys() | by_invoice.keys(), key=currency_order):
        line = CurrencyFigures(currency=currency)
        for values in (by_opportunity.get(currency, {}), by_invoice.get(currency, {})):
            for key, value in values.items():
                setattr(line, key, value)
        if _has_figures(line):
            lines.append(line)
    return lines


def currency_order(code):
    return (code != settings.CRM_DEFAULT_CURRENCY, code)


def _has_figures(line):
    counts = (
        line.open_count,
        line.won_count,
        line.lost_count,
        line.invoiced_count,
        line.paid_count,
        line.outstanding_count,
    )
    return any(counts)


def add_links(lines, *, scope):
    """Give each figure of ``lines`` the URL of the filtered list behind it.

    ``scope`` holds the list filters that select the records the figures count,
    e.g. ``{"account": 7}`` or ``{"owner": 3}``.
    """
    opportunities_url = reverse("opportunities:list")
    invoices_url = reverse("invoices:list")
    for line in lines:
        base = {**scope, "currency": line.currency}

        def url(path, base=base, **params):
            return f"{path}?{urlencode({**base, **params})}"

        line.links = {
            "open": url(opportunities_url, state=OpportunityState.OPEN),
            "won": url(opportunities_url, state=OpportunityState.WON, closed_this_year="true"),
            "lost": url(opportunities_url, state=OpportunityState.LOST, closed_this_year="true"),
            "invoiced": url(invoices_url, invoiced_this_year="true"),
            "paid": url(invoices_url, state=InvoiceState.PAID, paid_this_year="true"),
            "outstanding": url(invoices_url, state=InvoiceState.ACTIVE),
            "overdue": url(invoices_url, overdue="true"),
        }
    return lines
