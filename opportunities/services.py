"""Workflows on opportunities: create, edit, close as won or lost, reopen."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import exchange_rates
from crm.history.models import ChangeKind
from crm.services import (
    expect_version,
    record_apply,
    record_bulk_save,
    record_changed_fields,
    record_delete,
    record_reassign,
    record_save,
    record_sync,
    record_values,
    require_version,
)
from opportunities.models import Opportunity, OpportunityState, OpportunityStatusReason

# An exchange rate in SQL, the size of crm.models.ExchangeRate.rate.
_RATE = DecimalField(max_digits=18, decimal_places=6)


def _fill_account_from_contact(opportunity: Opportunity) -> None:
    # An opportunity for a contact that has an account is also that account's.
    if opportunity.account_id is None and opportunity.contact_id is not None:
        opportunity.account_id = opportunity.contact.account_id


def _set_base_amount(opportunity: Opportunity) -> None:
    # The estimated revenue in the base currency at today's rate (crm.exchange_rates), or none without a rate.
    rate = exchange_rates.rate_for(opportunity.currency)
    opportunity.exchange_rate = rate
    opportunity.estimated_revenue_base = exchange_rates.to_base(opportunity.estimated_revenue, rate)


@transaction.atomic
def opportunity_create(*, actor, owner=None, **fields) -> Opportunity:
    """Create an open opportunity for an account and/or a contact."""
    opportunity = Opportunity(owner=owner or actor, **fields)
    _fill_account_from_contact(opportunity)
    _set_base_amount(opportunity)
    return record_save(opportunity, actor=actor)


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, actor, **fields) -> Opportunity:
    """Change an open opportunity's fields; ``version``, when given, is the one the user edited."""
    expect_version(opportunity, fields.pop("version", None))
    if not opportunity.is_open:
        raise ValidationError(_("A closed opportunity cannot be edited. Reopen it first."), code="closed")
    if "owner" in fields and fields["owner"] != opportunity.owner:
        record_reassign(record=opportunity, owner=fields.pop("owner"), actor=actor)
    fields.pop("owner", None)
    if fields.get("status_reason") not in (None, *_open_reasons()):
        raise ValidationError({"status_reason": _("An open opportunity is in progress or on hold.")})
    account = fields.get("account", opportunity.account)
    contact = fields.get("contact", opportunity.contact)
    if account is None and contact is not None and contact.account_id is not None:
        fields["account"] = contact.account
    money = _money_of(opportunity) if {"estimated_revenue", "currency"} & fields.keys() else None
    record_apply(opportunity, actor=actor, data=fields)
    if money is not None and money != (opportunity.estimated_revenue, opportunity.currency):
        # The amount in base follows the new amount or currency; derived, so no new version or history entry.
        _set_base_amount(opportunity)
        Opportunity._base_manager.filter(pk=opportunity.pk).update(
            exchange_rate=opportunity.exchange_rate, estimated_revenue_base=opportunity.estimated_revenue_base
        )
    return opportunity


def _money_of(opportunity: Opportunity):
    """The stored estimated revenue and currency (a form may already have set its values on the instance)."""
    return Opportunity._base_manager.filter(pk=opportunity.pk).values_list("estimated_revenue", "currency").first()


def _open_reasons():
    return (OpportunityStatusReason.IN_PROGRESS, OpportunityStatusReason.ON_HOLD)


def _lock_open(opportunity: Opportunity) -> Opportunity:
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.state != OpportunityState.OPEN:
        raise ValidationError(_("This opportunity is already closed."), code="already_closed")
    return require_version(opportunity, locked)


@transaction.atomic
def opportunity_close_as_won(*, opportunity: Opportunity, actual_revenue, close_date=None, actor) -> Opportunity:
    """Close an opportunity as won with its actual revenue."""
    locked = _lock_open(opportunity)
    if actual_revenue is not None:
        # Text from a form or an import becomes a Decimal here; junk is refused by the field.
        actual_revenue = Opportunity._meta.get_field("actual_revenue").to_python(actual_revenue)
    if actual_revenue is None or actual_revenue < 0:
        raise ValidationError({"actual_revenue": _("Give the actual revenue (zero or more).")}, code="revenue")
    before = record_values(locked)
    locked.state = OpportunityState.WON
    locked.status_reason = OpportunityStatusReason.WON
    locked.sales_stage = "close"
    locked.probability = 100
    locked.actual_revenue = actual_revenue
    locked.actual_close_date = close_date or timezone.localdate()
    _set_base_amount(locked)  # closed at the day's rate, which a later rate does not change
    saved = record_save(locked, actor=actor, kind=ChangeKind.WON, fields=record_changed_fields(locked, before))
    return record_sync(opportunity, saved)


@transaction.atomic
def opportunity_close_as_lost(*, opportunity: Opportunity, status_reason, close_date=None, actor) -> Opportunity:
    """Close an opportunity as lost, canceled or out-sold."""
    locked = _lock_open(opportunity)
    if status_reason not in (OpportunityStatusReason.CANCELED, OpportunityStatusReason.OUT_SOLD):
        raise ValidationError({"status_reason": _("A lost opportunity is canceled or out-sold.")}, code="reason")
    before = record_values(locked)
    locked.state = OpportunityState.LOST
    locked.status_reason = status_reason
    locked.probability = 0
    locked.actual_revenue = None
    locked.actual_close_date = close_date or timezone.localdate()
    _set_base_amount(locked)  # closed at the day's rate, which a later rate does not change
    saved = record_save(locked, actor=actor, kind=ChangeKind.LOST, fields=record_changed_fields(locked, before))
    return record_sync(opportunity, saved)


@transaction.atomic
def opportunity_reopen(*, opportunity: Opportunity, actor) -> Opportunity:
    """Reopen a won or lost opportunity; its actual revenue and close date are cleared."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.state == OpportunityState.OPEN:
        raise ValidationError(_("This opportunity is already open."), code="already_open")
    require_version(opportunity, locked)
    before = record_values(locked)
    locked.state = OpportunityState.OPEN
    locked.status_reason = OpportunityStatusReason.IN_PROGRESS
    locked.actual_revenue = None
    locked.actual_close_date = None
    _set_base_amount(locked)  # open again: at today's rate
    saved = record_save(locked, actor=actor, kind=ChangeKind.REOPENED, fields=record_changed_fields(locked, before))
    return record_sync(opportunity, saved)


def opportunity_reassign(*, opportunity: Opportunity, owner, actor) -> Opportunity:
    """Give the opportunity to another owner."""
    return record_reassign(record=opportunity, owner=owner, actor=actor)


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor) -> None:
    """Delete an opportunity; refused while invoices refer to it."""
    record_delete(record=opportunity, actor=actor)


def opportunity_base_amounts_recalculate(*, rates, currencies=None) -> int:
    """Convert open opportunities, and any stored without a rate, at ``rates``; return how many changed.

    Won and lost opportunities keep the rate of the day they were closed. The
    amount in base is derived, so the records get no new version or history entry.
    """
    changed = 0
    for currency, rate in rates.items():
        if currencies is not None and currency not in currencies:
            continue
        stale = Q(state=OpportunityState.OPEN) & ~Q(exchange_rate=rate) | Q(exchange_rate__isnull=True)
        changed += Opportunity._base_manager.filter(stale, currency=currency).update(
            exchange_rate=rate,
            estimated_revenue_base=Round(F("estimated_revenue") * Value(rate, output_field=_RATE), 2),
        )
    return changed


def opportunity_import_batch(*, new: list[Opportunity], changed: list, actor, validator=None):
    """Validate and save a batch of imported opportunities in bulk, as the form would one by one.

    New opportunities are open; each gets the account of its contact when it names only a contact, and its
    estimated revenue in the base currency at today's rate (one rate lookup per currency in the batch). An
    open opportunity whose revenue or currency the import changed is converted again; a closed one keeps the
    rate of the day it was closed. ``changed`` holds (opportunity, changed field names). The caller holds the
    transaction. Returns (created, updated, [(opportunity, ValidationError)]).
    """
    rates = {}

    def rate(currency):
        if currency not in rates:
            rates[currency] = exchange_rates.rate_for(currency)
        return rates[currency]

    for opportunity in new:
        _fill_account_from_contact(opportunity)
        opportunity.exchange_rate = rate(opportunity.currency)
        opportunity.estimated_revenue_base = exchange_rates.to_base(
            opportunity.estimated_revenue, opportunity.exchange_rate
        )
    converted = []
    for opportunity, names in changed:
        names = set(names)
        if opportunity.is_open and names & {"estimated_revenue", "currency"}:
            opportunity.exchange_rate = rate(opportunity.currency)
            opportunity.estimated_revenue_base = exchange_rates.to_base(
                opportunity.estimated_revenue, opportunity.exchange_rate
            )
            names |= {"exchange_rate", "estimated_revenue_base"}
        converted.append((opportunity, names))
    return record_bulk_save(Opportunity, new=new, changed=converted, actor=actor, validator=validator)
