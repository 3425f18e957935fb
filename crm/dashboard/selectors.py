"""The dashboard's figures: a salesperson's own, or a sales manager's team's, from the user-scoped lists."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm import permissions, roles
from crm.figures import AMOUNT, ZERO, CurrencyFigures, Period, cents, currency_order, money_sum, sales_figures
from invoices.models import Invoice, InvoiceState
from invoices.selectors import invoice_list
from opportunities.models import Opportunity, OpportunityState, SalesStage
from opportunities.selectors import opportunity_list

MONTHS = 12
TOP_ACCOUNTS = 10
LIST_SIZE = 10


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
    totals: list[CurrencyFigures]
    pipeline_by_stage: list[dict]
    months: list[datetime.date]
    won_lost_by_month: list[dict]
    invoiced_paid_by_month: dict[str, list[dict]]
    top_accounts: dict[str, list[dict]]
    overdue_invoices: list[Invoice]
    closing_this_month: list[Opportunity]
    closing_totals: list[dict]
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
    result = Dashboard(
        owner=owner,
        period=period,
        can_see_invoices=can_see_invoices,
        totals=sales_figures(
            opportunities=opportunities, invoices=invoices if can_see_invoices else None, period=period
        ),
        pipeline_by_stage=_pipeline_by_stage(opportunities),
        months=months,
        won_lost_by_month=_won_lost_by_month(opportunities, months),
        invoiced_paid_by_month=_invoiced_paid_by_month(invoices, months) if can_see_invoices else {},
        top_accounts=_top_accounts(opportunities),
        overdue_invoices=list(overdue[:LIST_SIZE]) if can_see_invoices else [],
        closing_this_month=list(closing[:LIST_SIZE]),
        closing_totals=_closing_totals(opportunities, period.today),
    )
    result.charts = _charts(result)
    return result


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


def _pipeline_by_stage(opportunities):
    rows = (
        opportunities.filter(state=OpportunityState.OPEN)
        .order_by()
        .values("sales_stage", "currency")
        .annotate(
            count=Count("pk"),
            amount=money_sum("estimated_revenue", Q()),
            weighted_hundredfold=money_sum(F("estimated_revenue") * F("probability"), Q()),
        )
    )
    stage_order = {stage: index for index, stage in enumerate(SalesStage.values)}
    result = [
        {
            "stage": row["sales_stage"],
            "stage_label": SalesStage(row["sales_stage"]).label,
            "currency": row["currency"],
            "count": row["count"],
            "amount": cents(row["amount"]),
            "weighted": cents(row["weighted_hundredfold"] / 100),
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: (currency_order(row["currency"]), stage_order[row["stage"]]))


def _by_month(months):
    return {month: {"month": month, "label": date_format(month, "YEAR_MONTH_FORMAT")} for month in months}


def _won_lost_by_month(opportunities, months):
    rows = (
        opportunities.filter(
            state__in=[OpportunityState.WON, OpportunityState.LOST],
            actual_close_date__gte=months[0],
            actual_close_date__lt=_month_after(months[-1]),
        )
        .order_by()
        .annotate(month=TruncMonth("actual_close_date"))
        .values("month", "state", "currency")
        .annotate(count=Count("pk"), won_amount=Sum("actual_revenue", output_field=AMOUNT))
    )
    table = _by_month(months)
    for entry in table.values():
        entry.update(won=0, lost=0, won_amounts={})
    for row in rows:
        entry = table[_as_date(row["month"])]
        if row["state"] == OpportunityState.WON:
            entry["won"] += row["count"]
            amounts = entry["won_amounts"]
            amounts[row["currency"]] = amounts.get(row["currency"], ZERO) + cents(row["won_amount"])
        else:
            entry["lost"] += row["count"]
    for entry in table.values():
        entry["won_amounts"] = sorted(entry["won_amounts"].items(), key=lambda item: currency_order(item[0]))
    return list(table.values())


def _invoiced_paid_by_month(invoices, months):
    """Per currency, each month's invoiced amount (by invoice date, not canceled) and paid amount (by paid date)."""
    start, end = months[0], _month_after(months[-1])
    invoiced = (
        invoices.filter(invoice_date__gte=start, invoice_date__lt=end)
        .exclude(state=InvoiceState.CANCELED)
        .order_by()
        .annotate(month=TruncMonth("invoice_date"))
        .values("month", "currency")
        .annotate(amount=Sum("total_amount", output_field=AMOUNT))
    )
    paid = (
        invoices.filter(state=InvoiceState.PAID, paid_date__gte=start, paid_date__lt=end)
        .order_by()
        .annotate(month=TruncMonth("paid_date"))
        .values("month", "currency")
        .annotate(amount=Sum("total_amount", output_field=AMOUNT))
    )
    by_currency = {}
    for key, rows in (("invoiced", invoiced), ("paid", paid)):
        for row in rows:
            if row["currency"] not in by_currency:
                table = _by_month(months)
                for entry in table.values():
                    entry.update(invoiced=ZERO, paid=ZERO)
                by_currency[row["currency"]] = table
            by_currency[row["currency"]][_as_date(row["month"])][key] = cents(row["amount"])
    return {
        currency: list(by_currency[currency].values()) for currency in sorted(by_currency, key=currency_order)
    }


def _top_accounts(opportunities):
    """Per currency, the TOP_ACCOUNTS accounts with the most open pipeline."""
    rows = (
        opportunities.filter(state=OpportunityState.OPEN, account__isnull=False)
        .order_by()
        .values("account_id", "account__name", "currency")
        .annotate(count=Count("pk"), amount=money_sum("estimated_revenue", Q()))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("currency")], order_by=[F("amount").desc(), F("account__name").asc()]
            )
        )
        .filter(rank__lte=TOP_ACCOUNTS)
        .order_by("currency", "rank")
    )
    result = {}
    for row in rows:
        result.setdefault(row["currency"], []).append(
            {
                "account_id": row["account_id"],
                "name": row["account__name"],
                "count": row["count"],
                "amount": cents(row["amount"]),
            }
        )
    return {currency: result[currency] for currency in sorted(result, key=currency_order)}


def _closing_this_month(opportunities, today):
    start = today.replace(day=1)
    return opportunities.filter(
        state=OpportunityState.OPEN, estimated_close_date__gte=start, estimated_close_date__lt=_month_after(start)
    )


def _closing_totals(opportunities, today):
    rows = (
        _closing_this_month(opportunities, today)
        .order_by()
        .values("currency")
        .annotate(count=Count("pk"), amount=money_sum("estimated_revenue", Q()))
    )
    return sorted(
        ({"currency": row["currency"], "count": row["count"], "amount": cents(row["amount"])} for row in rows),
        key=lambda row: currency_order(row["currency"]),
    )


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _number(value):
    """A number for the chart to draw; the tables beside the charts show the exact amounts."""
    return float(value) if isinstance(value, Decimal) else value


def _charts(board):
    """The data the charts draw, rendered into the page with json_script."""
    stages = [{"stage": stage, "label": str(label)} for stage, label in SalesStage.choices]
    currencies = sorted({row["currency"] for row in board.pipeline_by_stage}, key=currency_order)
    pipeline = {
        "type": "bar",
        "labels": [stage["label"] for stage in stages],
        "datasets": [
            {
                "label": currency,
                "data": [
                    _number(
                        next(
                            (
                                row["amount"]
                                for row in board.pipeline_by_stage
                                if row["currency"] == currency and row["stage"] == stage["stage"]
                            ),
                            ZERO,
                        )
                    )
                    for stage in stages
                ],
            }
            for currency in currencies
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
    invoiced_paid = [
        {
            "currency": currency,
            "id": f"chart-invoiced-paid-{currency}",
            "entries": entries,
            "spec": {
                "type": "bar",
                "labels": [entry["label"] for entry in entries],
                "datasets": [
                    {"label": _("Invoiced"), "data": [_number(entry["invoiced"]) for entry in entries]},
                    {"label": _("Paid"), "data": [_number(entry["paid"]) for entry in entries]},
                ],
            },
        }
        # The default currency's chart first: the page shows it, and the others on demand.
        for currency, entries in sorted(
            board.invoiced_paid_by_month.items(), key=lambda item: item[0] != settings.CRM_DEFAULT_CURRENCY
        )
    ]
    return {"pipeline": pipeline, "won_lost": won_lost, "invoiced_paid": invoiced_paid}
