"""Turning the cells of an imported file into field values.

Spreadsheets written in a Romanian locale use a decimal comma and thousands
dots ('1.234.567,89') and day-first dates; English ones the reverse. Text is
trimmed, and the legacy cedilla letters (ş ţ, from old Windows code pages) are
stored as the comma-below letters (ș ț) Romanian uses.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext as _

CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
# Control characters (C0, DEL, C1). A multi-line field (a TextField: a description) may hold tabs and line breaks;
# a single-line one (a name, a phone) none: its form input cannot hold them.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LAYOUT = frozenset("\t\n\r")
_NULL = ProhibitNullCharactersValidator()


def clean_text(value) -> str:
    """Return ``value`` as trimmed text with comma-below letters; None and empty cells give ''."""
    if type(value) is str:
        text = value.strip()
        if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
            text = text[1:].strip()
        return text if text.isascii() else text.translate(CEDILLA_TO_COMMA)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        # An export neutralised this cell against formula injection; read back the value itself.
        text = text[1:]
    return text.strip().translate(CEDILLA_TO_COMMA)


def check_characters(text: str, *, multiline: bool = False) -> str:
    """Return ``text`` when it holds no control character its field refuses; else raise ValidationError.

    A NUL is refused with the forms' own message and code (Django's
    ProhibitNullCharactersValidator), which also keeps it from PostgreSQL,
    whose text columns cannot hold it.
    """
    pattern = CONTROL_MULTILINE if multiline else CONTROL
    found = pattern.search(text)
    if found is None:
        return text
    if "\x00" in text:
        _NULL(text)
    if not multiline and all(ch in _LAYOUT for ch in pattern.findall(text)):
        raise ValidationError(_("Tabs and line breaks are not allowed in this field."), code="line_break")
    raise ValidationError(
        _("Control characters are not allowed (character U+%(code)04X).") % {"code": ord(found.group())},
        code="control_characters",
    )


def storable(value):
    """``value`` with each NUL shown as U+FFFD when it is text: what a job keeps of a cell it refused.

    PostgreSQL's text and JSON columns cannot hold a NUL; both databases keep the same.
    """
    if type(value) is str and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def normalize_label(text) -> str:
    """Fold a header or choice label for matching: no case, spaces, punctuation or diacritics."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def parse_decimal(value) -> Decimal | None:
    """Parse '1.234.567,89', '1,234,567.89', '1234,5', '1 234,5' or a number cell; '' gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."), code="invalid")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _SPACES.sub("", clean_text(value))
    if not text:
        return None
    text = text.removesuffix("RON").removesuffix("EUR").removesuffix("lei")
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas:
        decimal_mark = "," if commas == 1 else None
    elif dots:
        decimal_mark = "." if dots == 1 else None
    else:
        decimal_mark = None
    thousands = {",", "."} - {decimal_mark}
    for mark in thousands:
        text = text.replace(mark, "")
    if decimal_mark == ",":
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": clean_text(value)}, code="invalid")
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise ValidationError(
            _("“%(value)s” is not a number.") % {"value": clean_text(value)}, code="invalid"
        ) from error


def parse_integer(value) -> int | None:
    """Parse a whole number written in either locale ('1.250' or '1,250' is one thousand two hundred fifty)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = _SPACES.sub("", clean_text(value))
        if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", text):
            text = text.replace(".", "").replace(",", "")
        value = text
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValidationError(
            _("“%(value)s” is not a whole number.") % {"value": clean_text(value)}, code="invalid"
        )
    return int(number)


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y", "%Y/%m/%d", "%Y.%m.%d")


def parse_date(value) -> datetime.date | None:
    """Parse an ISO date, a day-first date (31.12.2026, 31/12/2026, 31-12-2026) or a date cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_text(value)
    if not text:
        return None
    text = text.split("T")[0].split(" ")[0]
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date. Use 2026-12-31 or 31.12.2026.") % {"value": clean_text(value)},
        code="invalid",
    )


DATETIME_FORMATS = tuple(
    f"{date_format} {time_format}" for date_format in DATE_FORMATS for time_format in ("%H:%M", "%H:%M:%S")
)


def parse_datetime(value) -> datetime.datetime | None:
    """Parse a date and time (2026-12-31 14:30, 31.12.2026 14:30, ISO 8601 with its offset) or a date and time
    cell, in the CRM's time zone when it names none; a date alone is its midnight. Years 1900 to 2999, as the
    forms take."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        text = clean_text(value)
        if not text:
            return None
        moment = _datetime_from_text(text)
        if moment is None:
            raise ValidationError(
                _("“%(value)s” is not a date and time. Use 2026-12-31 14:30 or 31.12.2026 14:30.") % {"value": text},
                code="invalid",
            )
    if not 1900 <= moment.year <= 2999:
        raise ValidationError(
            _("“%(value)s” is not a date and time. Use 2026-12-31 14:30 or 31.12.2026 14:30.")
            % {"value": clean_text(value)},
            code="invalid",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _datetime_from_text(text):
    for datetime_format in DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, datetime_format)
        except ValueError:
            continue
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    if re.search(r"[\sT:]", text):
        return None  # a time that did not parse: not the date alone
    try:
        return datetime.datetime.combine(parse_date(text), datetime.time())
    except ValidationError:
        return None


def parse_url(value) -> str:
    """Return the text of a web address, adding https:// when the scheme is missing, as the forms do."""
    text = clean_text(value)
    if text and "://" not in text and not text.startswith("mailto:"):
        text = f"https://{text}"
    return text


def split_full_name(text: str) -> tuple[str, str]:
    """Split a full name on its last space into (first name, last name); a single word is the last name."""
    first, _space, last = " ".join(text.split()).rpartition(" ")
    return first, last
