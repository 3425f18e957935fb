"""Invoice rules held by the database, by Invoice.clean() and InvoiceLine.clean(), and compute_line."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from invoices.models import Invoice, InvoiceLine, compute_line
from tests.constraints import violates
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, InvoiceLineFactory

pytestmark = pytest.mark.django_db


def test_needs_an_account_or_a_contact_in_the_database():
    invoice = InvoiceFactory()
    with violates("invoice_has_customer"):
        Invoice.objects.filter(pk=invoice.pk).update(account=None, contact=None)


def test_due_date_not_before_invoice_date_in_the_database():
    invoice = InvoiceFactory(invoice_date=date(2026, 11, 10))
    with violates("invoice_due_after_invoice_date"):
        Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 11, 9))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 11, 10))


@pytest.mark.parametrize(
    ("state", "status_reason"),
    [("active", "complete"), ("active", "canceled"), ("paid", "new"), ("paid", "canceled"), ("canceled", "billed")],
)
def test_status_reason_matches_state_in_the_database(state, status_reason):
    invoice = InvoiceFactory()
    with violates("invoice_status_reason_matches_state"):
        Invoice.objects.filter(pk=invoice.pk).update(state=state, status_reason=status_reason, paid_date=date.today())


def test_a_paid_invoice_has_a_paid_date_in_the_database():
    invoice = InvoiceFactory()
    with violates("invoice_paid_has_paid_date"):
        Invoice.objects.filter(pk=invoice.pk).update(state="paid", status_reason="complete")


def test_totals_add_up_in_the_database():
    invoice = InvoiceFactory()
    with violates("invoice_total_adds_up"):
        Invoice.objects.filter(pk=invoice.pk).update(
            subtotal=Decimal("100.00"), discount_total=Decimal("10.00"), tax_total=Decimal("17.10"),
            total_amount=Decimal("107.11"),
        )
    Invoice.objects.filter(pk=invoice.pk).update(
        subtotal=Decimal("100.00"), discount_total=Decimal("10.00"), tax_total=Decimal("17.10"),
        total_amount=Decimal("107.10"),
    )


@pytest.mark.parametrize(
    ("subtotal", "discount", "tax"),
    # Sums that are not exact in binary floating point (SQLite's arithmetic): still accepted.
    [("83120.21", "73.64", "4951.85"), ("65399.06", "70.90", "6369.44"), ("0.10", "0.00", "0.20")],
)
def test_totals_that_add_up_are_accepted_on_every_database(subtotal, discount, tax):
    subtotal, discount, tax = Decimal(subtotal), Decimal(discount), Decimal(tax)
    invoice = InvoiceFactory()
    Invoice.objects.filter(pk=invoice.pk).update(
        subtotal=subtotal, discount_total=discount, tax_total=tax, total_amount=subtotal - discount + tax
    )


def test_invoice_number_is_unique_in_the_database():
    InvoiceFactory(invoice_number="FCT-00001")
    with violates("invoice_number"):
        InvoiceFactory(invoice_number="FCT-00001")


def test_line_amounts_in_range_in_the_database():
    line = InvoiceLineFactory()
    with violates("invoice_line_quantity_not_negative"):
        InvoiceLine.objects.filter(pk=line.pk).update(quantity=Decimal("-1"))
    with violates("invoice_line_price_not_negative"):
        InvoiceLine.objects.filter(pk=line.pk).update(unit_price=Decimal("-0.01"))
    with violates("invoice_line_tax_rate_range"):
        InvoiceLine.objects.filter(pk=line.pk).update(tax_rate=Decimal("100.01"))
    with violates("invoice_line_tax_rate_range"):
        InvoiceLine.objects.filter(pk=line.pk).update(tax_rate=Decimal("-1"))


def test_deleting_an_invoice_deletes_its_lines():
    line = InvoiceLineFactory()
    line.invoice.delete()
    assert not InvoiceLine.objects.exists()


def test_clean_refuses_no_customer_early_due_date_and_wrong_reason():
    invoice = InvoiceFactory.build(
        account=None, invoice_date=date(2026, 11, 10), due_date=date(2026, 11, 1), status_reason="complete",
        owner=ContactFactory().owner,
    )
    with pytest.raises(ValidationError) as error:
        invoice.full_clean()
    assert {key: [e.code for e in errors] for key, errors in error.value.error_dict.items()} == {
        "account": ["no_customer"], "due_date": ["due_before_invoice"], "status_reason": ["status_reason_mismatch"]
    }


def test_line_clean_refuses_a_discount_above_the_amount():
    line = InvoiceLine(description="Serviciu", quantity=Decimal("2"), unit_price=Decimal("10.00"),
                       discount=Decimal("20.01"))
    with pytest.raises(ValidationError) as error:
        line.full_clean(exclude=["invoice"])
    assert error.value.error_dict["discount"][0].code == "discount_too_big"
    line.discount = Decimal("20.00")
    line.full_clean(exclude=["invoice"])


def test_is_overdue_only_for_an_active_invoice_past_its_due_date():
    today = timezone.localdate()
    account = AccountFactory()
    past = InvoiceFactory.build(account=account, invoice_date=today - timedelta(days=40), due_date=today - timedelta(1))
    assert past.is_overdue
    assert not InvoiceFactory.build(account=account, due_date=today).is_overdue
    assert not InvoiceFactory.build(account=account, due_date=None).is_overdue
    past.state = "paid"
    assert not past.is_overdue


@pytest.mark.parametrize(
    ("quantity", "unit_price", "discount", "tax_rate", "expected"),
    [
        ("3", "33.33", "10.00", "19", ("99.99", "17.10", "107.09")),
        ("2.5", "19.99", "0", "9", ("49.98", "4.50", "54.48")),  # 49.975 rounds half up
        ("1", "0.50", "0", "1", ("0.50", "0.01", "0.51")),  # tax 0.005 rounds half up, not to even
        ("0", "100", "0", "19", ("0.00", "0.00", "0.00")),
        ("1", "100", "100", "19", ("100.00", "0.00", "0.00")),
    ],
)
def test_compute_line(quantity, unit_price, discount, tax_rate, expected):
    result = compute_line(
        quantity=Decimal(quantity), unit_price=Decimal(unit_price), discount=Decimal(discount),
        tax_rate=Decimal(tax_rate),
    )
    assert result == tuple(Decimal(value) for value in expected)
    assert all(isinstance(value, Decimal) for value in result)
