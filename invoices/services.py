"""Workflows on invoices: create with lines, edit, mark paid, cancel. Totals are computed here only."""

import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import exchange_rates
from crm.history.models import ChangeKind
from crm.history.services import record_change
from crm.services import (
    expect_version,
    record_bulk_save,
    record_changed_fields,
    record_delete,
    record_reassign,
    record_save,
    record_sync,
    record_values,
    refuse_computed_fields,
    require_version,
)
from invoices.models import (
    Invoice,
    InvoiceLine,
    InvoiceState,
    InvoiceStatusReason,
    compute_line,
    compute_totals,
    validate_totals,
)

LINE_FIELDS = ("description", "quantity", "unit_price", "discount", "tax_rate")
# An exchange rate in SQL, the size of crm.models.ExchangeRate.rate.
_RATE = DecimalField(max_digits=18, decimal_places=6)


def _fill_customer(invoice: Invoice) -> None:
    # Like opportunities: an invoice for a contact with an account is also the account's;
    # an invoice for an opportunity bills that opportunity's customer unless one was given.
    if invoice.account_id is None and invoice.contact_id is None and invoice.opportunity_id is not None:
        invoice.account_id = invoice.opportunity.account_id
        invoice.contact_id = invoice.opportunity.contact_id
    if invoice.account_id is None and invoice.contact_id is not None:
        invoice.account_id = invoice.contact.account_id


def _write_lines(invoice: Invoice, lines) -> None:
    """Replace the invoice's lines with ``lines`` (dicts of LINE_FIELDS), validated, and store the totals."""
    invoice.lines.all().delete()
    built, totals = build_lines(invoice, lines)
    InvoiceLine.objects.bulk_create(built)
    invoice.subtotal, invoice.discount_total, invoice.tax_total, invoice.total_amount = totals


def build_lines(invoice: Invoice, lines):
    """The InvoiceLines of ``lines`` (dicts of LINE_FIELDS), validated and computed, and the invoice's totals;
    ValidationError naming each bad line."""
    built = []
    errors = []
    for position, data in enumerate(lines, start=1):
        line = InvoiceLine(invoice=invoice, position=position, **{k: data[k] for k in LINE_FIELDS if k in data})
        try:
            # full_clean also turns the given values into Decimals. The check constraints (quantity, price and tax
            # rate in range) are each field's own validators too, so they are not asked of the database: a query
            # per constraint per line otherwise. The database still enforces them.
            line.full_clean(exclude=["invoice"], validate_constraints=False)
        except ValidationError as error:
            # One error per message, naming its line and keeping its code (a field's errors flattened).
            errors.extend(
                ValidationError(
                    _("Line %(n)s: %(messages)s") % {"n": position, "messages": " ".join(line_error.messages)},
                    code=line_error.code,
                )
                for line_error in ValidationError([error]).error_list
            )
            continue
        line.base_amount, line.tax_amount, line.line_total = compute_line(
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, tax_rate=line.tax_rate
        )
        built.append(line)
    if errors:
        raise ValidationError(errors)
    totals = compute_totals((line.base_amount, line.discount, line.tax_amount) for line in built)
    validate_totals(totals)
    return built, totals


def _set_base_amount(invoice: Invoice) -> None:
    # The total amount in the base currency at today's rate (crm.exchange_rates), or none without a rate.
    rate = exchange_rates.rate_for(invoice.currency)
    invoice.exchange_rate = rate
    invoice.total_amount_base = exchange_rates.to_base(invoice.total_amount, rate)


def _require_active(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.state != InvoiceState.ACTIVE:
        raise ValidationError(
            _("This invoice is %(state)s and can no longer be changed.") % {"state": locked.get_state_display()},
            code="not_active",
        )
    return require_version(invoice, locked)


@transaction.atomic
def invoice_create(*, actor, lines=(), owner=None, **fields) -> Invoice:
    """Create an active invoice with its lines; the number is generated when not given."""
    invoice = Invoice(owner=owner or actor, **fields)
    _fill_customer(invoice)
    generate_number = not invoice.invoice_number
    if generate_number:
        # A unique placeholder until the primary key gives the real number.
        invoice.invoice_number = f"TMP-{uuid.uuid4().hex[:20]}"
    # The history records the invoice once its number and totals are known.
    record_save(invoice, actor=actor, track=False)
    if generate_number:
        invoice.invoice_number = _next_free_number(invoice)
    _write_lines(invoice, lines)
    _set_base_amount(invoice)
    invoice.save(
        update_fields=[
            "invoice_number",
            "subtotal",
            "discount_total",
            "tax_total",
            "total_amount",
            "exchange_rate",
            "total_amount_base",
        ]
    )
    record_change(record=invoice, actor=actor, kind=ChangeKind.CREATED)
    return invoice


def invoice_number_for(sequence: int) -> str:
    """The number of the ``sequence``-th invoice: CRM_INVOICE_NUMBER_PREFIX then CRM_INVOICE_NUMBER_DIGITS digits."""
    return f"{settings.CRM_INVOICE_NUMBER_PREFIX}{sequence:0{settings.CRM_INVOICE_NUMBER_DIGITS}d}"


def _next_free_number(invoice: Invoice) -> str:
    # Numbered by the primary key: concurrent invoices never get the same number.
    number = invoice_number_for(invoice.pk)
    if Invoice.objects.filter(invoice_number=number).exclude(pk=invoice.pk).exists():
        number = f"{number}-{uuid.uuid4().hex[:4].upper()}"
    return number


@transaction.atomic
def invoice_update(*, invoice: Invoice, actor, lines=None, **fields) -> Invoice:
    """Change an active invoice; ``lines``, when given, replace its line items.

    ``version``, when given, is the one the user edited: the invoice and its
    lines are one record, so a change to either since then refuses the save.
    """
    expect_version(invoice, fields.pop("version", None))
    locked = _require_active(invoice)
    if "owner" in fields and fields["owner"] != locked.owner:
        record_reassign(record=locked, owner=fields.pop("owner"), actor=actor)
    fields.pop("owner", None)
    refuse_computed_fields(Invoice, fields)
    before = record_values(locked)
    money = (locked.total_amount, locked.currency)
    for name, value in fields.items():
        setattr(locked, name, value)
    _fill_customer(locked)
    if lines is not None:
        _write_lines(locked, lines)
    if money != (locked.total_amount, locked.currency):
        _set_base_amount(locked)
    return record_sync(invoice, record_save(locked, actor=actor, fields=record_changed_fields(locked, before)))


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, actor, paid_date=None, partial=False) -> Invoice:
    """Mark an active invoice paid, in full or in part."""
    locked = _require_active(invoice)
    before = record_values(locked)
    locked.state = InvoiceState.PAID
    locked.status_reason = InvoiceStatusReason.PARTIAL if partial else InvoiceStatusReason.COMPLETE
    locked.paid_date = paid_date or timezone.localdate()
    _set_base_amount(locked)  # paid at the day's rate, which a later rate does not change
    saved = record_save(locked, actor=actor, kind=ChangeKind.PAID, fields=record_changed_fields(locked, before))
    return record_sync(invoice, saved)


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor) -> Invoice:
    """Cancel an active invoice."""
    locked = _require_active(invoice)
    before = record_values(locked)
    locked.state = InvoiceState.CANCELED
    locked.status_reason = InvoiceStatusReason.CANCELED
    _set_base_amount(locked)  # canceled at the day's rate, which a later rate does not change
    saved = record_save(locked, actor=actor, kind=ChangeKind.CANCELED, fields=record_changed_fields(locked, before))
    return record_sync(invoice, saved)


def invoice_reassign(*, invoice: Invoice, owner, actor) -> Invoice:
    """Give the invoice to another owner."""
    return record_reassign(record=invoice, owner=owner, actor=actor)


@transaction.atomic
def invoice_delete(*, invoice: Invoice, actor) -> None:
    """Delete an invoice and its lines."""
    record_delete(record=invoice, actor=actor)


def invoice_base_amounts_recalculate(*, rates, currencies=None) -> int:
    """Convert active (unpaid) invoices, and any stored without a rate, at ``rates``; return how many changed.

    Paid and canceled invoices keep the rate of the day they were paid or
    canceled. The amount in base is derived, so the invoices get no new version
    or history entry.
    """
    changed = 0
    for currency, rate in rates.items():
        if currencies is not None and currency not in currencies:
            continue
        stale = Q(state=InvoiceState.ACTIVE) & ~Q(exchange_rate=rate) | Q(exchange_rate__isnull=True)
        changed += Invoice._base_manager.filter(stale, currency=currency).update(
            exchange_rate=rate,
            total_amount_base=Round(F("total_amount") * Value(rate, output_field=_RATE), 2),
        )
    return changed


TOTAL_FIELDS = ("subtotal", "discount_total", "tax_total", "total_amount")


def invoice_import_batch(*, new: list[Invoice], changed: list, actor, validator=None, lines=None):
    """Validate and save a batch of imported invoices with their lines, in bulk, as the form would one by one.

    ``lines`` maps id(invoice) to its lines (dicts of LINE_FIELDS): a new invoice gets them; an updated one has
    its lines replaced by them, or keeps its own when the file gave none. Totals, the customer (from the
    contact or the opportunity) and the amount in the base currency at today's rate are set as invoice_create
    and invoice_update set them. ``changed`` holds (invoice, changed field names) of active invoices, locked by
    the caller, which holds the transaction. Returns (created, updated, [(invoice, ValidationError)]).
    """
    from functools import partial

    from crm.bulk import defer_or_run, insert_records

    lines = lines or {}
    rates, built, errors = {}, {}, []

    def rate(currency):
        if currency not in rates:
            rates[currency] = exchange_rates.rate_for(currency)
        return rates[currency]

    for invoice in [*new, *(invoice for invoice, _names in changed)]:
        if id(invoice) not in lines:
            continue
        try:
            built[id(invoice)], totals = build_lines(invoice, lines[id(invoice)])
        except ValidationError as error:
            errors.append((invoice, ValidationError({NON_FIELD_ERRORS: error.error_list})))
            continue
        invoice.subtotal, invoice.discount_total, invoice.tax_total, invoice.total_amount = totals
    refused = {id(invoice) for invoice, _error in errors}
    new = [invoice for invoice in new if id(invoice) not in refused]
    for invoice in new:
        _fill_customer(invoice)
        invoice.exchange_rate = rate(invoice.currency)
        invoice.total_amount_base = exchange_rates.to_base(invoice.total_amount, invoice.exchange_rate)
    converted = []
    for invoice, names in changed:
        if id(invoice) in refused:
            continue
        names = set(names)
        if id(invoice) in built:
            names |= set(TOTAL_FIELDS)
        if names & {*TOTAL_FIELDS, "currency"}:
            invoice.exchange_rate = rate(invoice.currency)
            invoice.total_amount_base = exchange_rates.to_base(invoice.total_amount, invoice.exchange_rate)
            names |= {"exchange_rate", "total_amount_base"}
        converted.append((invoice, names))
    created, updated, failures = record_bulk_save(Invoice, new=new, changed=converted, actor=actor, validator=validator)
    replaced = [invoice.pk for invoice in updated if id(invoice) in built]
    if replaced:
        defer_or_run(partial(lambda ids: InvoiceLine.objects.filter(invoice_id__in=ids).delete(), replaced))
    rows = []
    for invoice in [*created, *updated]:
        for line in built.get(id(invoice), ()):
            line.invoice_id = invoice.pk
            rows.append(line)
    insert_records(InvoiceLine, rows)
    return created, updated, errors + failures
