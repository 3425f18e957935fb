"""Amounts that would not fit their columns and dates out of range are refused with a message, never a 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts.services import account_create
from invoices.models import Invoice, InvoiceLine, InvoiceState
from invoices.services import invoice_create, invoice_mark_paid, invoice_update
from tests.invoices.helpers import invoice_post_data, line

pytestmark = pytest.mark.django_db

LINE_TOO_BIG = (
    "The line total would be more than 9,999,999,999,999,999.99; lower the quantity or the unit price."
)
TOTAL_TOO_BIG = (
    "The invoice total would be more than 9,999,999,999,999,999.99; lower the quantities or unit prices, "
    "or split the lines over several invoices."
)
DATE_OUT_OF_RANGE = "Enter a date between 1 January 1900 and 31 December 2200."
# Each line fits (6e15 plus 21% tax); two of them do not.
HALF_TOO_BIG = {"description": "Jumătate", "quantity": "1", "unit_price": "6000000000000000.00"}


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Lactate Câmpulung SRL")


def codes(error):
    return [item.code for item in error.error_list]


@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [
        ("999999999", "999999999.99"),  # the amount itself
        ("1", "9000000000000000.00"),  # the amount fits, the 21% tax on it does not
        ("999999999.999", "9999999999999999.99"),  # the largest each field takes
    ],
)
def test_a_line_too_big_for_its_columns_is_refused_with_a_code(salesperson, account, quantity, unit_price):
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Prea mare", account=account,
                       lines=[{"description": "Lapte", "quantity": quantity, "unit_price": unit_price}])
    assert error.value.messages == [f"Line 1: {LINE_TOO_BIG}"]
    assert codes(error.value) == ["line_total_too_big"]
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_the_largest_line_that_fits_is_accepted(salesperson, account):
    invoice = invoice_create(actor=salesperson, name="La limită", account=account, lines=[
        {"description": "Tot", "quantity": "1", "unit_price": "9999999999999999.99", "tax_rate": "0"}
    ])
    assert invoice.total_amount == Decimal("9999999999999999.99")
    if connection.vendor == "postgresql":
        # SQLite keeps decimals as floats, which hold 15 digits: it cannot give this amount back.
        invoice.refresh_from_db()
        assert invoice.total_amount == Decimal("9999999999999999.99")


def test_lines_whose_totals_are_too_big_are_refused_with_a_code(salesperson, account):
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Suma prea mare", account=account, lines=[HALF_TOO_BIG] * 2)
    assert error.value.messages == [TOTAL_TOO_BIG]
    assert codes(error.value) == ["invoice_total_too_big"]
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_an_update_with_totals_too_big_keeps_the_invoice_as_it_was(salesperson, account):
    invoice = invoice_create(actor=salesperson, name="Bună", account=account,
                             lines=[{"description": "Lapte", "quantity": "2", "unit_price": "10"}])
    with pytest.raises(ValidationError) as error:
        invoice_update(invoice=invoice, actor=salesperson, lines=[HALF_TOO_BIG] * 2)
    assert codes(error.value) == ["invoice_total_too_big"]
    invoice.refresh_from_db()
    assert invoice.total_amount == Decimal("24.20")
    assert list(invoice.lines.values_list("unit_price", flat=True)) == [Decimal("10.00")]


def test_line_errors_keep_their_codes(salesperson, account):
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Greșită", account=account, lines=[
            {"description": "Minus", "quantity": "-1", "unit_price": "10"},
            {"description": "Prea mult", "quantity": "1", "unit_price": "10", "discount": "11"},
        ])
    assert codes(error.value) == ["min_value", "discount_too_big"]
    assert error.value.messages[1] == "Line 2: The discount cannot exceed the line amount."


def test_the_limit_is_written_in_the_users_language(salesperson, account):
    with translation.override("ro"), pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Prea mare", account=account,
                       lines=[{"description": "Lapte", "quantity": "999999999", "unit_price": "999999999.99"}])
    [message] = error.value.messages
    assert "9.999.999.999.999.999,99" in message
    assert "The line total" not in message


@pytest.mark.parametrize("field", ["invoice_date", "due_date"])
@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(2201, 1, 1), date(9999, 12, 31)])
def test_invoice_dates_out_of_range_are_refused_with_a_code(salesperson, account, field, day):
    fields = {"invoice_date": date(1900, 1, 1), "due_date": None, field: day}
    with pytest.raises(ValidationError) as error:
        invoice_create(actor=salesperson, name="Datată", account=account, **fields)
    assert error.value.message_dict == {field: [DATE_OUT_OF_RANGE]}
    assert [item.code for item in error.value.error_dict[field]] == ["date_out_of_range"]
    assert not Invoice.objects.exists()


def test_the_first_and_last_days_of_the_range_are_accepted(salesperson, account):
    invoice = invoice_create(actor=salesperson, name="Datată", account=account, invoice_date=date(1900, 1, 1),
                             due_date=date(2200, 12, 31))
    invoice.refresh_from_db()
    assert (invoice.invoice_date, invoice.due_date) == (date(1900, 1, 1), date(2200, 12, 31))


def test_a_paid_date_out_of_range_is_refused_and_the_invoice_stays_active(salesperson, account):
    invoice = invoice_create(actor=salesperson, name="De plătit", account=account)
    with pytest.raises(ValidationError) as error:
        invoice_mark_paid(invoice=invoice, actor=salesperson, paid_date=date(9999, 12, 31))
    assert [item.code for item in error.value.error_dict["paid_date"]] == ["date_out_of_range"]
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE


# The pages: the same values posted to the forms are errors beside their fields, with nothing saved.


def post_create(client, **kwargs):
    return client.post(reverse("invoices:create"), invoice_post_data(**kwargs))


def test_the_form_shows_a_line_too_big_beside_its_unit_price(client, salesperson, account):
    client.force_login(salesperson)
    response = post_create(client, account=account.pk,
                           lines=[line(), line(quantity="999999999", unit_price="999999999.99")])
    assert response.status_code == 200
    lines = response.context["lines"]
    assert lines.forms[0].errors == {}
    assert lines.forms[1].errors == {"unit_price": [LINE_TOO_BIG]}
    assert 'id="id_lines-1-unit_price_error"' in response.text
    assert not Invoice.objects.exists()


def test_the_form_shows_totals_too_big_above_the_lines(client, salesperson, account):
    client.force_login(salesperson)
    half = line(quantity="1", unit_price="6000000000000000.00")
    response = post_create(client, account=account.pk, lines=[half, half])
    assert response.status_code == 200
    assert response.context["lines"].non_form_errors() == [TOTAL_TOO_BIG]
    assert "split the lines over several invoices" in response.text
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("field", ["invoice_date", "due_date"])
@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
def test_the_form_shows_a_date_out_of_range_beside_its_field(client, salesperson, account, field, text):
    client.force_login(salesperson)
    fields = {"invoice_date": "2026-01-15", "due_date": "", field: text}
    response = post_create(client, account=account.pk, lines=[line()], **fields)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [DATE_OUT_OF_RANGE]}
    assert f'id="id_{field}_error"' in response.text
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
def test_the_mark_paid_form_shows_a_date_out_of_range_beside_its_field(client, salesperson, account, text):
    invoice = invoice_create(actor=salesperson, name="De plătit", account=account)
    client.force_login(salesperson)
    response = client.post(reverse("invoices:mark_paid", args=[invoice.pk]), {"paid_date": text})
    assert response.status_code == 200
    assert response.context["paid_form"].errors == {"paid_date": [DATE_OUT_OF_RANGE]}
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE
