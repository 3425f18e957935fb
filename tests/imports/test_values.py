"""Cell values: numbers in both locales, day-first dates, trimming, cedillas, formula apostrophes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.imports.values import clean_text, normalize_label, parse_date, parse_decimal, parse_integer, parse_url


@pytest.mark.parametrize(
    "text,expected",
    [("1.234.567,89", "1234567.89"), ("1,234,567.89", "1234567.89"), ("1234,5", "1234.5"), ("1234.5", "1234.5"),
     ("1 234,50", "1234.50"), ("1\u00a0234,50", "1234.50"), ("-12,5", "-12.5"), (" 7 ", "7"), (3, "3"),
     (2.5, "2.5"), ("1.000.000", "1000000"), ("", None), (None, None)],
)
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == (Decimal(expected) if expected is not None else None)


@pytest.mark.parametrize("text", ["abc", "1,2,3.4.5", "12a", "--1"])
def test_parse_decimal_refuses_what_is_not_a_number(text):
    with pytest.raises(ValidationError, match="is not a number"):
        parse_decimal(text)


def test_parse_integer_reads_thousands_in_either_locale():
    assert [parse_integer(v) for v in ("1.250", "1,250", "1250", 12.0, "")] == [1250, 1250, 1250, 12, None]
    with pytest.raises(ValidationError, match="not a whole number"):
        parse_integer("12,5")


@pytest.mark.parametrize(
    "text", ["2026-12-31", "31.12.2026", "31/12/2026", "31-12-2026", "31.12.26", "2026-12-31T00:00:00",
             datetime.datetime(2026, 12, 31, 0, 0)],
)
def test_parse_date_iso_and_day_first(text):
    assert parse_date(text) == datetime.date(2026, 12, 31)


def test_parse_date_refuses_nonsense():
    with pytest.raises(ValidationError, match="is not a date"):
        parse_date("31.31.2026")


def test_text_is_trimmed_cedillas_become_comma_below_and_export_apostrophes_go():
    assert clean_text("  Ştefan Ţuţea  ") == "Ștefan Țuțea"
    assert clean_text("'=SUM(A1)") == "=SUM(A1)" and clean_text("'+40 21") == "+40 21"
    assert clean_text("O'Brien") == "O'Brien"
    assert clean_text(1001.0) == "1001" and clean_text(None) == ""


def test_labels_fold_case_spaces_punctuation_and_diacritics():
    folded = {normalize_label(label) for label in ("account_number", "Account Number", "accountNumber")}
    assert folded == {"accountnumber"}
    assert normalize_label("Număr cont") == normalize_label("numar-cont") == "numarcont"


def test_url_gets_a_scheme_as_the_forms_add_it():
    assert parse_url("dacia.ro") == "https://dacia.ro" and parse_url("http://x.ro") == "http://x.ro"


def test_remembered_parsing_tells_equal_cells_of_different_types_apart():
    from crm.imports.engine import _remembering

    parse = _remembering(parse_decimal)
    assert str(parse(1)) == "1"
    assert str(parse(1.0)) == "1.0"
    with pytest.raises(ValidationError):
        parse(True)  # a TRUE cell is not a number, although True == 1
    assert parse("1,5") == parse("1,5") == Decimal("1.5")
