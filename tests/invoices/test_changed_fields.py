"""Invoice workflows write only the columns they change, so a change made meanwhile to another column is kept."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import account_create
from crm.exchange_rates import exchange_rate_set
from crm.history.models import ChangeEvent, ChangeKind, RecordType
from invoices import services
from invoices.models import Invoice
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid, invoice_update

pytestmark = pytest.mark.django_db

AUDIT = {"modified_by_id", "modified_at", "version"}
LINES = [{"description": "Abonament lunar", "quantity": "2", "unit_price": "50.00", "tax_rate": "19"}]


def updated_columns(queries, table):
    """The columns named in the SET clause of each UPDATE of ``table`` among ``queries``."""
    updates = [query["sql"] for query in queries if query["sql"].startswith(f'UPDATE "{table}" SET ')]
    return [set(re.findall(r'"(\w+)" = ', sql.split(" SET ", 1)[1].split(" WHERE ", 1)[0])) for sql in updates]


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Tipografia Banatului SRL")


@pytest.fixture
def invoice(salesperson, account):
    return invoice_create(
        actor=salesperson,
        name="Broșuri martie",
        account=account,
        invoice_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
        lines=LINES,
    )


def test_editing_the_description_writes_only_the_description(salesperson, invoice):
    with CaptureQueriesContext(connection) as captured:
        invoice_update(invoice=invoice, actor=salesperson, version=invoice.version, description="Tiraj 500 bucăți")

    assert updated_columns(captured, "invoices_invoice") == [{"description", *AUDIT}]
    # The lines were not given, so they are not rewritten either.
    assert not [
        query
        for query in captured
        if '"invoices_invoiceline"' in query["sql"] and not query["sql"].startswith("SELECT")
    ]


def test_editing_the_lines_writes_the_totals_they_change(salesperson, invoice):
    lines = [{**LINES[0], "quantity": "3"}]
    with CaptureQueriesContext(connection) as captured:
        invoice_update(invoice=invoice, actor=salesperson, lines=lines)

    # 3 x 50.00 = 150.00 at 19%: the subtotal, tax and totals change; the discount (none) and the rate (base) do not.
    assert updated_columns(captured, "invoices_invoice") == [
        {"subtotal", "tax_total", "total_amount", "total_amount_base", *AUDIT}
    ]


def test_mark_paid_writes_the_state_and_paid_date_only(salesperson, invoice):
    with CaptureQueriesContext(connection) as captured:
        invoice_mark_paid(invoice=invoice, actor=salesperson, paid_date=date(2026, 3, 20))

    assert updated_columns(captured, "invoices_invoice") == [{"state", "status_reason", "paid_date", *AUDIT}]


def test_mark_paid_at_a_new_rate_also_writes_the_rate_and_base_amount(salesperson, administrator, account):
    exchange_rate_set(currency="EUR", rate="4.9700", actor=administrator)
    invoice = invoice_create(actor=salesperson, name="Export aprilie", account=account, currency="EUR", lines=LINES)
    exchange_rate_set(currency="EUR", rate="5.0900", actor=administrator)

    with CaptureQueriesContext(connection) as captured:
        invoice_mark_paid(invoice=invoice, actor=salesperson)

    assert updated_columns(captured, "invoices_invoice") == [
        {"state", "status_reason", "paid_date", "exchange_rate", "total_amount_base", *AUDIT}
    ]


def test_cancel_writes_the_state_only(salesperson, invoice):
    with CaptureQueriesContext(connection) as captured:
        invoice_cancel(invoice=invoice, actor=salesperson)

    assert updated_columns(captured, "invoices_invoice") == [{"state", "status_reason", *AUDIT}]


@pytest.mark.parametrize(
    "workflow, kind",
    [
        (
            lambda invoice, actor: invoice_update(invoice=invoice, actor=actor, description="Tiraj 500"),
            ChangeKind.UPDATED,
        ),
        (lambda invoice, actor: invoice_mark_paid(invoice=invoice, actor=actor), ChangeKind.PAID),
        (lambda invoice, actor: invoice_cancel(invoice=invoice, actor=actor), ChangeKind.CANCELED),
    ],
    ids=["update", "mark_paid", "cancel"],
)
def test_a_column_changed_meanwhile_without_a_version_is_kept(monkeypatch, salesperson, invoice, workflow, kind):
    checked = services.require_version

    def change_the_name_after_the_read(record, stored):
        # Another path writes the name directly after the workflow has read (and locked) the row, and leaves
        # the version as it was, so the workflow's version check cannot see it.
        Invoice._base_manager.filter(pk=stored.pk).update(name="Broșuri martie (corectat)", version=stored.version)
        return checked(record, stored)

    monkeypatch.setattr(services, "require_version", change_the_name_after_the_read)
    version = invoice.version

    workflow(invoice, salesperson)

    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.name == "Broșuri martie (corectat)"
    assert stored.version == version + 1
    # The history names what the workflow changed, not the name put back.
    event = ChangeEvent.objects.filter(record_type=RecordType.INVOICE, record_id=invoice.pk, kind=kind).get()
    assert "name" not in event.changes


def test_a_rate_recalculated_meanwhile_is_kept_by_an_edit(monkeypatch, salesperson, administrator, account):
    exchange_rate_set(currency="EUR", rate="4.9700", actor=administrator)
    invoice = invoice_create(actor=salesperson, name="Export aprilie", account=account, currency="EUR", lines=LINES)
    checked = services.require_version

    def recalculate_after_the_read(record, stored):
        # invoice_base_amounts_recalculate converts active invoices at the new rate without a new version.
        services.invoice_base_amounts_recalculate(rates={"EUR": Decimal("5.090000")})
        return checked(record, stored)

    monkeypatch.setattr(services, "require_version", recalculate_after_the_read)

    invoice_update(invoice=invoice, actor=salesperson, version=invoice.version, description="Livrare Timișoara")

    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.description == "Livrare Timișoara"
    assert stored.exchange_rate == Decimal("5.090000")
    assert stored.total_amount_base == (stored.total_amount * Decimal("5.09")).quantize(Decimal("0.01"))
