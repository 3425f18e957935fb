"""The duplicate rules' keys: a record's name, web address and phone numbers as the rules compare them.

Each key is stored beside the value it is made from (``Account.name_key``...), so that a rule is one
indexed equality on any database and a scan is one GROUP BY.
"""

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})
# "S.R.L.", "S. R. L.", "s.c.": letters each followed by a dot, written as one word.
_DOTTED = re.compile(r"\b[a-z0-9](?:\s*\.\s*[a-z0-9]\b)+\s*\.?")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Legal forms, written without dots or spaces: Romanian (SRL, SA, SC, SNC, SCS, PFA, II, IF, RA, SRL-D...),
# and the ones Romanian sales teams meet abroad.
LEGAL_FORMS = frozenset(
    """
    srl srld sa sc snc scs sca pfa ii if ra scm
    gmbh ag kg ohg ug mbh kgaa
    ltd limited llc llp lp plc inc incorporated corp corporation co
    sas sarl sasu eurl sprl bvba
    spa srls sapa
    bv nv vof
    ab oy as asa aps
    kft zrt nyrt
    sro as spzoo
    ood eood ad ead
    doo dd
    """.split()
)
# The forms that also stand before the name ("SC Dacia SRL"); other short ones would eat real words there.
LEADING_FORMS = frozenset({"sc", "sa", "srl"})
# Forms written as several words once the dots are gone ("sp. z o.o." is "sp z oo", "SRL-D" is "srl d").
LEGAL_FORM_PHRASES = (
    ("sp", "z", "oo"),
    ("s", "de", "rl"),
    ("srl", "d"),
    ("societate", "comerciala"),
    ("societatea", "comerciala"),
)


def fold_text(text: str) -> str:
    """``text`` as names are compared: lower case, without diacritics (ş and ș, ţ and ț alike), words
    separated by one space, punctuation dropped."""
    text = unicodedata.normalize("NFKD", (text or "").casefold().translate(_LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _DOTTED.sub(lambda match: re.sub(r"[\s.]", "", match.group()) + " ", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


# Each key is asked for twice a record by an import (its duplicate check, then its save), and parsing a
# phone number costs tens of microseconds: the last keys made are remembered.
CACHED = 65536


@lru_cache(maxsize=CACHED)
def company_name_key(name: str) -> str:
    """An account's name as the duplicate rule compares it: folded, with legal forms at either end left out
    ("SC Grupul Carpați Holding S.A." and "grupul carpati holding" are the same)."""
    words = fold_text(name).split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for phrase in LEGAL_FORM_PHRASES:
            size = len(phrase)
            if len(words) > size and tuple(words[:size]) == phrase:
                words, changed = words[size:], True
            elif len(words) > size and tuple(words[-size:]) == phrase:
                words, changed = words[:-size], True
        if len(words) > 1 and words[-1] in LEGAL_FORMS:
            words, changed = words[:-1], True
        if len(words) > 1 and words[0] in LEADING_FORMS:
            words, changed = words[1:], True
    return " ".join(words)


def person_name_key(first_name: str, last_name: str) -> str:
    """A contact's first and last name as the duplicate rule compares them (folded)."""
    return fold_text(f"{first_name or ''} {last_name or ''}")


@lru_cache(maxsize=CACHED)
def website_key(website: str) -> str:
    """A web address's domain: no scheme, no ``www.``, no port, path or query; "" when there is none."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    if "://" not in text:
        text = "http://" + text.lstrip("/")
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.strip(".")
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return host if "." in host else ""


def phone_key(phone: str, region: str | None = None) -> str:
    """A phone number in E.164 ("+40212345678"), read in ``region`` (CRM_PHONE_REGION, Romania by default)
    when it has no country code; "" when it is not a possible phone number."""
    return _phone_key((phone or "").strip(), region or settings.CRM_PHONE_REGION)


@lru_cache(maxsize=CACHED)
def _phone_key(text: str, region: str) -> str:
    if not text or not any(char.isdigit() for char in text):
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(email: str) -> str:
    """An email address as the rule compares it: trimmed and case-folded."""
    return (email or "").strip().lower()
