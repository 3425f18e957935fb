"""Query parameters read safely: text without control characters, record numbers that are plain positive integers.

PostgreSQL refuses a NUL byte in text and a number past bigint, so a parameter passed straight to a
lookup could fail the request with 500; read through here, bad input reads as no input.
"""

import unicodedata

# The largest primary key a bigint column holds; a larger "number" names no record.
MAX_RECORD_NUMBER = 2**63 - 1


def clean_text(value) -> str:
    """Return ``value`` stripped, with control characters removed (those that are whitespace become spaces)."""
    if not isinstance(value, str):
        return ""
    return "".join(
        " " if char.isspace() else char for char in value if char.isspace() or unicodedata.category(char) != "Cc"
    ).strip()


def query_text(params, name: str) -> str:
    """Return the text of parameter ``name`` in ``params`` (a QueryDict or dict), cleaned by clean_text."""
    return clean_text(params.get(name, ""))


def record_number(value) -> int | None:
    """Return ``value`` as a record number (a positive integer written in ASCII digits), else None."""
    value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_RECORD_NUMBER else None


def query_number(params, name: str) -> int | None:
    """Return parameter ``name`` in ``params`` as a record number, or None when it is missing or not one."""
    return record_number(params.get(name, ""))
