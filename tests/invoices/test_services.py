"""Invoice workflows: numbering, totals computed in one place, pay, cancel, edit rules, delete."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import account_create
from contacts.services import contact_create
from invoices.models import Invoice, InvoiceLine
from invoices.services import (
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_mark_paid,
    invoice_number_for,
    invoice_reassign,
    invoice_update,
)
from opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db

LINES = [
    # 3 x 33.33 = 99.99; less 10.00 = 89.99; 19% tax = 17.0981 -> 17.10; line total 107.09
    {"description": "Ore de consultanță", "quantity": "3", "unit_price": "33.33", "discount": "10.00",
     "tax_rate": "19"},
    # 2.5 x 19.99 = 49.975 -> 49.98; 9% tax = 4.4982 -> 4.50; line total 54.48
    {"description": "Cărți tehnice", "quantity": Decimal("2.5"), "unit_price": Decimal("19.99"), "tax_rate": 9},
    # 0.50 at 1% tax = 0.005 -> 0.01 (half up); line total 0.51
    {"description": "Timbru", "quantity": 1, "unit_price": "0.50", "discount": 0, "tax_rate": "1"},
]


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Farmacia Nădejdea SRL")


@pytest.fixture
def invoice(salesperson, account):
    return invoice_create(actor=salesperson, name="Servicii noiembrie", account=account, lines=LINES)


def test_totals_are_computed_and_stored(invoice):
    invoice.refresh_from_db()
    assert invoice.subtotal == Decimal("150.47")
    assert invoice.discount_total == Decimal("10.00")
    assert invoice.tax_total == Decimal("21.61")
    assert invoice.total_amount == Decimal("162.08")
    for amount in (invoice.subtotal, invoice.discount_total, invoice.tax_total, invoice.total_amount):
        assert isinstance(amount, Decimal)
    lines = list(invoice.lines.order_by("position"))
    assert [line.position for line in lines] == [1, 2, 3]
    assert [line.line_total for line in lines] == [Decimal("107.09"), Decimal("54.48"), Decimal("0.51")]
    assert [line.tax_amount for line in lines] == [Decimal("17.10"), Decimal("4.50"), Decimal("0.01")]
    assert sum(line.line_total for line in lines) == invoice.total_amount


def test_an_invoice_without_lines_totals_zero(salesperson, account):
    invoice = invoice_create(actor=salesperson, name="Goală", account=account)
    invoice.refresh_from_db()
    assert invoice.total_amount == Decimal("0.00")


def test_number_generated_when_not_given_and_unique(salesperson, account, invoice):
    second = invoice_create(actor=salesperson, name="A doua", account=account, invoice_number="")
    assert invoice.invoice_number == f"FCT-{invoice.pk:05d}"
    assert second.invoice_number == f"FCT-{second.pk:05d}"
    assert Invoice.objects.get(pk=invoice.pk).invoice_number == invoice.invoice_number


def test_generated_numbers_follow_the_numbering_setting(salesperson, account, settings):
    settings.CRM_INVOICE_NUMBER_PREFIX = "INV/"
    settings.CRM_INVOICE_NUMBER_DIGITS = 3
    invoice = invoice_create(actor=salesperson, name="Setată", account=account)
    assert invoice.invoice_number == f"INV/{invoice.pk:03d}"
    assert invoice_number_for(1234) == "INV/1234"


def test_a_given_number_is_kept_and_a_duplicate_refused(salesperson, account):
    invoice_create(actor=salesperson, name="Cu număr", account=account, invoice_number="FCT-2026-0001")
    with pytest.raises(ValidationError, match="An invoice with this invoice number already exists."):
        invoice_create(actor=salesperson, name="Dublură", account=account, invoice_number="FCT-2026-0001",
                       lines=LINES)
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.count() == 0


def test_a_generated_number_steps_around_a_number_already_taken(salesperson, account):
    first = invoice_create(actor=salesperson, name="Prima", account=account)
    # Someone typed the number the next generated invoice would get.
    taken = invoice_create(actor=salesperson, name="Manual", account=account,
                           invoice_number=f"FCT-{first.pk + 2:05d}")
    generated = invoice_create(actor=salesperson, name="Generată", account=account)
    assert generated.pk == first.pk + 2  # the sequence went on as expected
    assert generated.invoice_number.startswith(f"FCT-{generated.pk:05d}-")
    assert generated.invoice_number != taken.invoice_number


def test_a_bad_line_refuses_the_whole_invoice_naming_the_line(salesperson, account):
    lines = [LINES[0], {"description": "Prea mult", "quantity": 1, "unit_price": "10", "discount": "11"}]
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Greșită", account=account, lines=lines)
    assert error.value.messages == ["Line 2: The discount cannot exceed the line amount."]
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_a_negative_quantity_or_missing_description_is_refused(salesperson, account):
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="X", account=account,
                       lines=[{"description": "Minus", "quantity": "-1", "unit_price": "10"}])
    assert error.value.messages == ["Line 1: Ensure this value is greater than or equal to 0."]
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="X", account=account,
                       lines=[{"description": "Text", "quantity": "doi", "unit_price": "10", "discount": "1"}])
    assert error.value.messages == ["Line 1: “doi” value must be a decimal number."]
    with pytest.raises(ValidationError, match="Line 1: "):
        invoice_create(actor=salesperson, name="X", account=account, lines=[{"unit_price": "10"}])
    assert not Invoice.objects.exists()


def test_a_due_date_before_the_invoice_date_is_refused(salesperson, account):
    with pytest.raises(ValidationError, match="due date cannot be before"):
        invoice_create(actor=salesperson, name="X", account=account, invoice_date=date(2026, 11, 10),
                       due_date=date(2026, 11, 9))
    assert not Invoice.objects.exists()


def test_customer_filled_from_contact_or_opportunity(salesperson, account):
    contact = contact_create(actor=salesperson, last_name="Rădulescu", account=account)
    for_contact = invoice_create(actor=salesperson, name="Pentru contact", contact=contact)
    assert Invoice.objects.get(pk=for_contact.pk).account == account
    opportunity = opportunity_create(actor=salesperson, topic="Flotă", contact=contact)
    for_opportunity = invoice_create(actor=salesperson, name="Pentru oportunitate", opportunity=opportunity)
    for_opportunity.refresh_from_db()
    assert (for_opportunity.account, for_opportunity.contact) == (account, contact)
    free = contact_create(actor=salesperson, last_name="Ursu")
    assert invoice_create(actor=salesperson, name="Persoană fizică", contact=free).account is None
    with pytest.raises(ValidationError, match="Choose an account or a contact."):
        invoice_create(actor=salesperson, name="Nimănui")


def test_update_replaces_lines_and_recomputes(salesperson, invoice):
    invoice_update(invoice=invoice, actor=salesperson, name="Corectată", lines=[LINES[0]])
    invoice.refresh_from_db()
    assert invoice.name == "Corectată"
    assert invoice.lines.count() == 1
    assert invoice.total_amount == Decimal("107.09")
    # Without lines, the lines and totals stay.
    invoice_update(invoice=invoice, actor=salesperson, description="Notă")
    invoice.refresh_from_db()
    assert (invoice.lines.count(), invoice.total_amount, invoice.modified_by) == (1, Decimal("107.09"), salesperson)


def test_mark_paid(salesperson, invoice):
    invoice_mark_paid(invoice=invoice, actor=salesperson)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.status_reason, invoice.paid_date) == ("paid", "complete", timezone.localdate())
    assert not invoice.is_overdue


def test_mark_paid_in_part_on_a_date(salesperson, invoice):
    invoice_mark_paid(invoice=invoice, actor=salesperson, partial=True, paid_date=date(2026, 11, 20))
    invoice.refresh_from_db()
    assert (invoice.state, invoice.status_reason, invoice.paid_date) == ("paid", "partial", date(2026, 11, 20))


def test_cancel(salesperson, invoice):
    invoice_cancel(invoice=invoice, actor=salesperson)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.status_reason) == ("canceled", "canceled")


def test_a_paid_invoice_cannot_be_edited_paid_again_or_canceled(salesperson, invoice):
    invoice_mark_paid(invoice=invoice, actor=salesperson)
    for attempt in (
        lambda: invoice_update(invoice=invoice, actor=salesperson, name="Schimbată", lines=[]),
        lambda: invoice_mark_paid(invoice=invoice, actor=salesperson),
        lambda: invoice_cancel(invoice=invoice, actor=salesperson),
    ):
        with pytest.raises(ValidationError, match="This invoice is Paid and can no longer be changed."):
            attempt()
    invoice.refresh_from_db()
    assert (invoice.name, invoice.state, invoice.lines.count()) == ("Servicii noiembrie", "paid", 3)
    assert invoice.total_amount == Decimal("162.08")


def test_a_canceled_invoice_cannot_be_paid(salesperson, invoice):
    invoice_cancel(invoice=invoice, actor=salesperson)
    with pytest.raises(ValidationError, match="Canceled"):
        invoice_mark_paid(invoice=invoice, actor=salesperson)
    assert Invoice.objects.get(pk=invoice.pk).state == "canceled"


def test_a_stale_copy_cannot_be_edited_after_payment(salesperson, invoice):
    stale = Invoice.objects.get(pk=invoice.pk)
    invoice_mark_paid(invoice=invoice, actor=salesperson)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        invoice_update(invoice=stale, actor=salesperson, name="Prea târziu")


def test_delete_and_reassign_own_versus_others(salesperson, other_salesperson, sales_manager, account):
    theirs = invoice_create(actor=other_salesperson, name="A lui Dan", account=account, lines=LINES)
    with pytest.raises(PermissionDenied):
        invoice_delete(invoice=theirs, actor=salesperson)
    with pytest.raises(PermissionDenied):
        invoice_reassign(invoice=theirs, owner=salesperson, actor=salesperson)
    with pytest.raises(PermissionDenied):
        invoice_update(invoice=theirs, actor=salesperson, owner=salesperson)
    assert Invoice.objects.get(pk=theirs.pk).owner == other_salesperson

    mine = invoice_create(actor=salesperson, name="A mea", account=account, lines=LINES)
    invoice_reassign(invoice=mine, owner=other_salesperson, actor=salesperson)
    with pytest.raises(PermissionDenied):
        invoice_delete(invoice=Invoice.objects.get(pk=mine.pk), actor=salesperson)
    invoice_delete(invoice=theirs, actor=sales_manager)
    invoice_delete(invoice=Invoice.objects.get(pk=mine.pk), actor=sales_manager)
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"state": "paid"}, {"total_amount": Decimal("1.00")}, {"paid_date": date(2026, 1, 1)}, {"created_by": None},
     {"totl_amount": 1}],
)
def test_update_refuses_computed_or_unknown_fields(salesperson, invoice, fields):
    with pytest.raises(ValidationError, match="These fields cannot be set here"):
        invoice_update(invoice=invoice, actor=salesperson, **fields)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.total_amount, invoice.paid_date) == ("active", Decimal("162.08"), None)


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)
line_strategy = st.builds(
    lambda quantity, unit_price, tax_rate, share: {
        "description": "Linie",
        "quantity": quantity,
        "unit_price": unit_price,
        # A discount of up to the whole line, so that it is always allowed.
        "discount": (quantity * unit_price * share).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        "tax_rate": tax_rate,
    },
    quantity=st.decimals(min_value=Decimal("0"), max_value=Decimal("999.999"), places=3),
    unit_price=money,
    tax_rate=st.sampled_from([Decimal("0"), Decimal("5"), Decimal("9"), Decimal("11"), Decimal("19"), Decimal("21")]),
    share=st.sampled_from([Decimal("0"), Decimal("0.05"), Decimal("0.1"), Decimal("0.333"), Decimal("1")]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line_strategy, max_size=5))
def test_stored_totals_always_add_up_on_this_database(salesperson, account, lines):
    # The database's own check (invoice_total_adds_up) runs on every save, on SQLite and PostgreSQL.
    invoice = invoice_create(actor=salesperson, name="Proprietate", account=account, lines=lines)
    invoice.refresh_from_db()
    stored = list(invoice.lines.all())
    assert invoice.total_amount == sum((line.line_total for line in stored), Decimal("0"))
    assert invoice.subtotal == sum((line.base_amount for line in stored), Decimal("0"))
    assert invoice.total_amount == invoice.subtotal - invoice.discount_total + invoice.tax_total
    assert invoice.total_amount >= 0


def test_lines_are_validated_without_a_query_each(salesperson, account):
    """Saving an invoice costs the same queries for one line or sixty: the lines' checks are their fields' own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (1, 60):
        lines = [{"description": f"Linie {number}", "quantity": "2", "unit_price": "10"} for number in range(count)]
        with CaptureQueriesContext(connection) as queries:
            invoice_create(actor=salesperson, name=f"{count} linii", account=account, lines=lines)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with pytest.raises(ValidationError, match="Line 2: "):
        invoice_create(actor=salesperson, name="Rea", account=account,
                       lines=[LINES[0], {"description": "Negativ", "quantity": "-1", "unit_price": "10"}])
