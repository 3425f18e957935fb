"""The date range and the money limit shared by every record, on the bulk path imports take too."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.limits import MONEY_MAX, date_in_range, money_fits, money_limit, validate_date_in_range
from crm.services import RecordValidator
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import AccountFactory, SalespersonFactory

DATE_OUT_OF_RANGE = "Enter a date between 1 January 1900 and 31 December 2200."


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (datetime.date(1, 1, 1), False),
        (datetime.date(1899, 12, 31), False),
        (datetime.date(1900, 1, 1), True),
        (datetime.date(2200, 12, 31), True),
        (datetime.date(2201, 1, 1), False),
        (datetime.date(9999, 12, 31), False),
        (datetime.datetime(2200, 12, 31, 23, 59, tzinfo=datetime.UTC), True),
        (datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC), False),
        (None, True),
    ],
)
def test_the_date_range(value, fits):
    assert date_in_range(value) is fits
    if fits:
        validate_date_in_range(value)
    else:
        with pytest.raises(ValidationError) as error:
            validate_date_in_range(value)
        assert (error.value.code, error.value.messages) == ("date_out_of_range", [DATE_OUT_OF_RANGE])


def test_the_money_limit_is_that_of_the_money_columns():
    assert MONEY_MAX == Decimal("9999999999999999.99")
    assert money_fits(MONEY_MAX) and money_fits(-MONEY_MAX) and money_fits(None)
    assert not money_fits(MONEY_MAX + Decimal("0.01"))
    assert not money_fits(Decimal("NaN"))
    assert str(money_limit) == "9,999,999,999,999,999.99"
    with translation.override("ro"):
        assert str(money_limit) == "9.999.999.999.999.999,99"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field", "fields"),
    [
        (Opportunity, "estimated_close_date", {"topic": "Flotă"}),
        (Opportunity, "actual_close_date", {"topic": "Flotă"}),
        (Invoice, "invoice_date", {"name": "Factura", "invoice_number": "F-1"}),
        (Invoice, "due_date", {"name": "Factura", "invoice_number": "F-1", "invoice_date": datetime.date(1900, 1, 1)}),
        (Invoice, "paid_date", {"name": "Factura", "invoice_number": "F-1"}),
    ],
)
@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)])
def test_the_bulk_validator_refuses_a_date_out_of_range_as_full_clean_does(model, field, fields, day):
    """RecordValidator is what imports validate each row with: the check in clean() covers them."""
    record = model(account=AccountFactory(), owner=SalespersonFactory(), **fields, **{field: day})
    with pytest.raises(ValidationError) as error:
        RecordValidator(model).validate(record)
    assert error.value.message_dict == {field: [DATE_OUT_OF_RANGE]}
    with pytest.raises(ValidationError) as full_clean_error:
        record.full_clean(validate_unique=False, validate_constraints=False)
    assert full_clean_error.value.message_dict == error.value.message_dict
    setattr(record, field, datetime.date(2200, 12, 31))
    RecordValidator(model).validate(record)
