"""The ranges a date and an amount of money must stay in, checked before the database sees them.

The models check dates from clean(), so every service, form and import obeys
the range; not as field validators, which migrations would record. Money
columns check their size with MoneyValidator, which MoneyField sets itself.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)
# The message names the range in words, so that it reads naturally in every language.
DATE_OUT_OF_RANGE = _("Enter a date between 1 January 1900 and 31 December 2200.")

# The size of a money column (crm.models.MoneyField).
MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 2


def largest_decimal(max_digits, decimal_places):
    """The largest number a decimal column of that size holds: 9,999,999,999,999,999.99 for money."""
    return Decimal("9" * (max_digits - decimal_places) + "." + "9" * decimal_places)


MONEY_MAX = largest_decimal(MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES)


def _limit_text(value, decimal_places):
    return number_format(value, decimal_pos=decimal_places, force_grouping=True)


# For error params: the limit written out, grouped, in the language the message is shown in.
money_limit = lazy(_limit_text, str)(MONEY_MAX, MONEY_DECIMAL_PLACES)


class MoneyValidator(DecimalValidator):
    """Django's DecimalValidator, but an amount too big is told the largest one allowed, not a count of digits."""

    def __init__(self, max_digits, decimal_places):
        super().__init__(max_digits, decimal_places)
        self.largest = largest_decimal(max_digits, decimal_places)

    def __call__(self, value):
        if value.is_finite() and abs(value) > self.largest:
            raise ValidationError(
                _("Enter an amount of at most %(limit)s."),
                code="amount_too_big",
                params={"limit": lazy(_limit_text, str)(self.largest, self.decimal_places)},
            )
        super().__call__(value)


def date_in_range(value) -> bool:
    """Whether a date (or the day of a datetime) is within EARLIEST_DATE and LATEST_DATE; None passes."""
    if value is None or not isinstance(value, datetime.date):
        return True
    day = value.date() if isinstance(value, datetime.datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date_in_range(value) -> None:
    """Refuse a date outside EARLIEST_DATE to LATEST_DATE: a form field's validator."""
    if not date_in_range(value):
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")


def date_range_errors(record, names) -> dict:
    """The out-of-range dates among the fields ``names`` of ``record``, as errors by field for clean()."""
    return {
        name: ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")
        for name in names
        if not date_in_range(getattr(record, name))
    }


def money_fits(value) -> bool:
    """Whether an amount fits a money column; None and values not yet Decimals pass (their fields check them)."""
    return not isinstance(value, Decimal) or (value.is_finite() and abs(value) <= MONEY_MAX)
