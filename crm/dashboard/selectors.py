"""The dashboard's figures: a salesperson's own, or a sales manager's team's, from the user-scoped lists.

Every amount is shown in the base currency (CRM_BASE_CURRENCY), from the amounts
opportunities and invoices store in base (crm.exchange_rates); the figures per
currency are there on demand. Records whose currency had no rate when they were
saved have no amount in base: they are left out of the base figures, and the
dashboard names their currencies.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm import permissions, roles
from crm.exchange_rates import base_currency
from crm.figures import AMOUNT, ZERO, CurrencyFigures, Period, cents, currency_order, money_sum
from invoices.models import Invoice, InvoiceState
from invoices.selectors import invoice_list
from opportunities.models import Opportunity, OpportunityState, SalesStage
from opportunities.selectors import opportunity_list

MONTHS = 12
TOP_ACCOUNTS = 10
LIST_SIZE = 10
RATE = DecimalField(max_digits=18, decimal_places=6)


def sees_team(user) -> bool:
    """Sales managers (and administrators) see the whole team's figures; salespeople their own."""
    return user.has_perm("opportunities.reassign_any_opportunity")


def dashboard_owners():
    """The people a sales manager can filter the dashboard by: active members of the sales roles."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.SALESPERSON, roles.SALES_MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@dataclass
class Dashboard:
    owner: object
    period: Period
    can_see_invoices: bool
    base_currency: str
    # The figures in the base currency (one line), and per currency in its own (on demand).
    base_totals: CurrencyFigures
    totals: list[CurrencyFigures]
    # Currencies of records in this dashboard that have no amount in base: no rate when they were saved.
    missing_rates: list[str]
    pipeline_by_stage: list[dict]
    pipeline_by_currency: list[dict]
    months: list[datetime.date]
    won_lost_by_month: list[dict]
    invoiced_paid_by_month: list[dict]
    invoiced_paid_by_currency: list[dict]
    top_accounts: list[dict]
    overdue_invoices: list[Invoice]
    closing_this_month: list[Opportunity]
    closing_total: dict
    charts: dict = field(default_factory=dict)


def dashboard(*, user, owner=None, period=None) -> Dashboard:
    """The dashboard of ``user``: their own records, or for a sales manager the team's or ``owner``'s.

    Every figure comes from opportunity_list and invoice_list, the same
    user-scoped reads as the lists, in a fixed number of aggregate queries.
    """
    period = period or Period.current()
    if not sees_team(user):
        owner = user
    opportunities = opportunity_list(user=user)
    can_see_invoices = permissions.can_view(user, Invoice)
    invoices = invoice_list(user=user) if can_see_invoices else Invoice.objects.none()
    if owner is not None:
        opportunities = opportunities.filter(owner=owner)
        invoices = invoices.filter(owner=owner)
    months = _last_months(period.today)
    overdue = invoices.filter(state=InvoiceState.ACTIVE, due_date__lt=period.today).order_by("due_date", "pk")
    closing = _closing_this_month(opportunities, period.today).order_by("estimated_close_date", "pk")
    totals, base_totals, missing = _figures(opportunities, invoices if can_see_invoices else None, period)
    pipeline_by_stage, pipeline_by_currency = _pipeline(opportunities)
    invoiced_paid, invoiced_paid_by_currency = (
        _invoiced_paid_by_month(invoices, months) if can_see_invoices else ([], [])
    )
    result = Dashboard(
        owner=owner,
        period=period,
        can_see_invoices=can_see_invoices,
        base_currency=base_currency(),
        base_totals=base_totals,
        totals=totals,
        missing_rates=missing,
        pipeline_by_stage=pipeline_by_stage,
        pipeline_by_currency=pipeline_by_currency,
        months=months,
        won_lost_by_month=_won_lost_by_month(opportunities, months),
        invoiced_paid_by_month=invoiced_paid,
        invoiced_paid_by_currency=invoiced_paid_by_currency,
        top_accounts=_top_accounts(opportunities),
        overdue_invoices=list(overdue[:LIST_SIZE]) if can_see_invoices else [],
        closing_this_month=list(closing[:LIST_SIZE]),
        closing_total=_closing_total(opportunities, period.today),
    )
    result.charts = _charts(result)
    return result


def _in_base(amount, stored_base):
    """The stored amount in base; for a record in the base currency itself, its amount even when none was stored."""
    return Coalesce(F(stored_base), Case(When(currency=base_currency(), then=F(amount))), output_field=AMOUNT)


def _rate():
    """The rate a record was converted at (1 for the base currency); None when it had no rate."""
    return Coalesce(F("exchange_rate"), Case(When(currency=base_currency(), then=Value(Decimal(1)))), output_field=RATE)


def _unconverted():
    return Q(exchange_rate__isnull=True) & ~Q(currency=base_currency())


def _figures(opportunities, invoices, period):
    """Per currency (in its own) and in base: open pipeline, won, lost, invoiced, paid, outstanding, overdue.

    One query per model, grouped by currency, that sums both the amounts and
    their stored base; the base line adds up the currencies' base sums.
    """
    this_year = Q(actual_close_date__gte=period.year_start, actual_close_date__lt=period.next_year_start)
    is_open = Q(state=OpportunityState.OPEN)
    won = Q(state=OpportunityState.WON) & this_year
    lost = Q(state=OpportunityState.LOST) & this_year
    revenue_base = _in_base("estimated_revenue", "estimated_revenue_base")
    opportunity_rows = (
        opportunities.order_by()
        .values("currency")
        .annotate(
            open_count=Count("pk", filter=is_open),
            open_amount=money_sum("estimated_revenue", is_open),
            open_base=money_sum(revenue_base, is_open),
            # Revenue x probability, divided by 100 in Python so SQLite's integer arithmetic cannot truncate it.
            weighted_hundredfold=money_sum(F("estimated_revenue") * F("probability"), is_open),
            weighted_base_hundredfold=money_sum(revenue_base * F("probability"), is_open),
            won_count=Count("pk", filter=won),
            won_amount=money_sum("actual_revenue", won),
            won_base=money_sum(F("actual_revenue") * _rate(), won),
            lost_count=Count("pk", filter=lost),
            lost_amount=money_sum("estimated_revenue", lost),
            lost_base=money_sum(revenue_base, lost),
            unconverted=Count("pk", filter=_unconverted()),
        )
    )
    rows = {}
    for row in opportunity_rows:
        rows.setdefault(row["currency"], {}).update(row)
    if invoices is not None:
        invoiced = Q(invoice_date__gte=period.year_start, invoice_date__lt=period.next_year_start) & ~Q(
            state=InvoiceState.CANCELED
        )
        paid = Q(state=InvoiceState.PAID, paid_date__gte=period.year_start, paid_date__lt=period.next_year_start)
        outstanding = Q(state=InvoiceState.ACTIVE)
        overdue = outstanding & Q(due_date__lt=period.today)
        total_base = _in_base("total_amount", "total_amount_base")
        invoice_rows = (
            invoices.order_by()
            .values("currency")
            .annotate(
                invoiced_count=Count("pk", filter=invoiced),
                invoiced_amount=money_sum("total_amount", invoiced),
                invoiced_base=money_sum(total_base, invoiced),
                paid_count=Count("pk", filter=paid),
                paid_amount=money_sum("total_amount", paid),
                paid_base=money_sum(total_base, paid),
                outstanding_count=Count("pk", filter=outstanding),
                outstanding_amount=money_sum("total_amount", outstanding),
                outstanding_base=money_sum(total_base, outstanding),
                overdue_count=Count("pk", filter=overdue),
                overdue_amount=money_sum("total_amount", overdue),
                overdue_base=money_sum(total_base, overdue),
                invoice_unconverted=Count("pk", filter=_unconverted()),
            )
        )
        for row in invoice_rows:
            rows.setdefault(row["currency"], {}).update(row)
    names = ("open", "weighted", "won", "lost", "invoiced", "paid", "outstanding", "overdue")
    base = CurrencyFigures(currency=base_currency())
    lines, missing = [], []
    for currency in sorted(rows, key=currency_order):
        row = rows[currency]
        row["weighted_amount"] = row.pop("weighted_hundredfold", ZERO) / 100
        row["weighted_base"] = row.pop("weighted_base_hundredfold", ZERO) / 100
        line = CurrencyFigures(currency=currency)
        for name in names:
            setattr(line, f"{name}_amount", cents(row.get(f"{name}_amount")))
            setattr(base, f"{name}_amount", getattr(base, f"{name}_amount") + cents(row.get(f"{name}_base")))
            if name != "weighted":
                count = row.get(f"{name}_count", 0)
                setattr(line, f"{name}_count", count)
                setattr(base, f"{name}_count", getattr(base, f"{name}_count") + count)
        if row.get("unconverted") or row.get("invoice_unconverted"):
            missing.append(currency)
        if any(getattr(line, f"{name}_count") for name in names if name != "weighted"):
            lines.append(line)
    return lines, base, missing


def _last_months(today):
    """The first days of the last MONTHS months, oldest first, this month last."""
    months = []
    year, month = today.year, today.month
    for _step in range(MONTHS):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month_after(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _pipeline(opportunities):
    """The open pipeline by sales stage in base, and by stage and currency in each currency's own."""
    revenue_base = _in_base("estimated_revenue", "estimated_revenue_base")
    rows = (
        opportunities.filter(state=OpportunityState.OPEN)
        .order_by()
        .values("sales_stage", "currency")
        .annotate(
            count=Count("pk"),
            amount=money_sum("estimated_revenue", Q()),
            weighted_hundredfold=money_sum(F("estimated_revenue") * F("probability"), Q()),
            base=money_sum(revenue_base, Q()),
            weighted_base_hundredfold=money_sum(revenue_base * F("probability"), Q()),
        )
    )
    stage_order = {stage: index for index, stage in enumerate(SalesStage.values)}
    by_currency = []
    by_stage = {}
    for row in rows:
        stage = row["sales_stage"]
        by_currency.append(
            {
                "stage": stage,
                "stage_label": SalesStage(stage).label,
                "currency": row["currency"],
                "count": row["count"],
                "amount": cents(row["amount"]),
                "weighted": cents(row["weighted_hundredfold"] / 100),
            }
        )
        entry = by_stage.setdefault(
            stage,
            {"stage": stage, "stage_label": SalesStage(stage).label, "count": 0, "amount": ZERO, "weighted": ZERO},
        )
        entry["count"] += row["count"]
        entry["amount"] += cents(row["base"])
        entry["weighted"] += cents(row["weighted_base_hundredfold"] / 100)
    by_currency.sort(key=lambda row: (currency_order(row["currency"]), stage_order[row["stage"]]))
    return sorted(by_stage.values(), key=lambda row: stage_order[row["stage"]]), by_currency


def _by_month(months):
    return {month: {"month": month, "label": date_format(month, "YEAR_MONTH_FORMAT")} for month in months}


def _won_lost_by_month(opportunities, months):
    """Each month's won and lost opportunities (by close date), and the won ones' actual revenue in base."""
    rows = (
        opportunities.filter(
            state__in=[OpportunityState.WON, OpportunityState.LOST],
            actual_close_date__gte=months[0],
            actual_close_date__lt=_month_after(months[-1]),
        )
        .order_by()
        .annotate(month=TruncMonth("actual_close_date"))
        .values("month", "state")
        .annotate(count=Count("pk"), won_amount=Sum(F("actual_revenue") * _rate(), output_field=AMOUNT))
    )
    table = _by_month(months)
    for entry in table.values():
        entry.update(won=0, lost=0, won_amount=ZERO)
    for row in rows:
        entry = table[_as_date(row["month"])]
        if row["state"] == OpportunityState.WON:
            entry["won"] += row["count"]
            entry["won_amount"] += cents(row["won_amount"])
        else:
            entry["lost"] += row["count"]
    return list(table.values())


def _invoiced_paid_by_month(invoices, months):
    """Each month's amount invoiced (by invoice date, not canceled) and paid (by paid date) in base; and per currency.

    The second list gives each currency's invoiced and paid amounts over the MONTHS months, in its own.
    """
    start, end = months[0], _month_after(months[-1])
    total_base = _in_base("total_amount", "total_amount_base")
    invoiced = (
        invoices.filter(invoice_date__gte=start, invoice_date__lt=end)
        .exclude(state=InvoiceState.CANCELED)
        .order_by()
        .annotate(month=TruncMonth("invoice_date"))
        .values("month", "currency")
        .annotate(amount=Sum("total_amount", output_field=AMOUNT), base=Sum(total_base, output_field=AMOUNT))
    )
    paid = (
        invoices.filter(state=InvoiceState.PAID, paid_date__gte=start, paid_date__lt=end)
        .order_by()
        .annotate(month=TruncMonth("paid_date"))
        .values("month", "currency")
        .annotate(amount=Sum("total_amount", output_field=AMOUNT), base=Sum(total_base, output_field=AMOUNT))
    )
    table = _by_month(months)
    for entry in table.values():
        entry.update(invoiced=ZERO, paid=ZERO)
    by_currency = {}
    for key, rows in (("invoiced", invoiced), ("paid", paid)):
        for row in rows:
            table[_as_date(row["month"])][key] += cents(row["base"])
            currency = by_currency.setdefault(
                row["currency"], {"currency": row["currency"], "invoiced": ZERO, "paid": ZERO}
            )
            currency[key] += cents(row["amount"])
    return list(table.values()), [by_currency[code] for code in sorted(by_currency, key=currency_order)]


def _top_accounts(opportunities):
    """The TOP_ACCOUNTS accounts with the most open pipeline in base."""
    rows = (
        opportunities.filter(state=OpportunityState.OPEN, account__isnull=False)
        .order_by()
        .values("account_id", "account__name")
        .annotate(count=Count("pk"), amount=Sum(_in_base("estimated_revenue", "estimated_revenue_base")))
        .filter(amount__isnull=False)
        .order_by(F("amount").desc(), "account__name")[:TOP_ACCOUNTS]
    )
    return [
        {
            "account_id": row["account_id"],
            "name": row["account__name"],
            "count": row["count"],
            "amount": cents(row["amount"]),
        }
        for row in rows
    ]


def _closing_this_month(opportunities, today):
    start = today.replace(day=1)
    return opportunities.filter(
        state=OpportunityState.OPEN, estimated_close_date__gte=start, estimated_close_date__lt=_month_after(start)
    )


def _closing_total(opportunities, today):
    """How many opportunities close this month, and their estimated revenue in base."""
    total = _closing_this_month(opportunities, today).aggregate(
        count=Count("pk"), amount=money_sum(_in_base("estimated_revenue", "estimated_revenue_base"), Q())
    )
    return {"count": total["count"], "amount": cents(total["amount"])}


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _number(value):
    """A number for the chart to draw; the tables behind "Show the numbers" give the exact amounts."""
    return float(value) if isinstance(value, Decimal) else value


def _charts(board):
    """The data the charts draw, rendered into the page with json_script: one chart each, in base."""
    base = board.base_currency
    by_stage = {row["stage"]: row for row in board.pipeline_by_stage}
    stages = SalesStage.choices
    pipeline = {
        "type": "bar",
        "labels": [str(label) for _stage, label in stages],
        "datasets": [
            {
                "label": _("Estimated revenue (%(currency)s)") % {"currency": base},
                "data": [_number(by_stage.get(stage, {}).get("amount", ZERO)) for stage, _label in stages],
            },
            {
                "label": _("Weighted pipeline (%(currency)s)") % {"currency": base},
                "data": [_number(by_stage.get(stage, {}).get("weighted", ZERO)) for stage, _label in stages],
            },
        ],
    }
    won_lost = {
        "type": "bar",
        "labels": [entry["label"] for entry in board.won_lost_by_month],
        "datasets": [
            {"label": _("Won"), "data": [entry["won"] for entry in board.won_lost_by_month]},
            {"label": _("Lost"), "data": [entry["lost"] for entry in board.won_lost_by_month]},
        ],
    }
    entries = board.invoiced_paid_by_month
    invoiced_paid = {
        "type": "bar",
        "labels": [entry["label"] for entry in entries],
        "datasets": [
            {
                "label": _("Invoiced (%(currency)s)") % {"currency": base},
                "data": [_number(entry["invoiced"]) for entry in entries],
            },
            {
                "label": _("Paid (%(currency)s)") % {"currency": base},
                "data": [_number(entry["paid"]) for entry in entries],
            },
        ],
    }
    return {"pipeline": pipeline, "won_lost": won_lost, "invoiced_paid": invoiced_paid}
