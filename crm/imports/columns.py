"""Which columns an import reads: field, how its cells are parsed, and every header that names it.

A header names a field when, folded (no case, spaces, punctuation or
diacritics), it equals one of: the field's English label (the one exports
write), its Romanian label from the glossary, its internal name, the model's
verbose name, the label Dynamics 365's import templates use, or a header a
common exporter writes (Outlook, Google Contacts, Salesforce, HubSpot, Zoho,
Thunderbird, Pipedrive, LinkedIn: the sources are cited beside each list).

Names rank: the field's own label or key (EXACT) beats an alias (ALIAS),
which beats a loose alias (LOOSE: a word such as "Title" or "Phone" that
several programs use for other things). When several headers of one file
name a field, the best-ranked one feeds it, whatever the column order.
"""

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.imports.values import normalize_label

EXACT, ALIAS, LOOSE = 0, 1, 2

# Where the exporters' headers come from (their documented or as-written export formats):
# - Outlook: File > Open & Export > Export to a file > CSV ("Title", "First Name", ..., "Company", "Department",
#   "Job Title", "Business Street", "Business City", "Business State", "Business Postal Code",
#   "Business Country/Region", ..., "Business Phone", ..., "Mobile Phone", ..., "E-mail Address", ...).
# - Google Contacts: Export > Google CSV ("First Name", ..., "Organization Name", "Organization Title",
#   "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Address 1 - Street", ...);
#   the legacy Google CSV writes "Given Name", "Family Name", "Organization 1 - Name", "Organization 1 - Title".
# - Salesforce: report export of Accounts ("Billing Street", "Billing City", "Billing State/Province",
#   "Billing Zip/Postal Code", "Billing Country") and Contacts ("Mailing ..."); Data Loader writes the
#   fields' API names in capitals (NAME, BILLINGSTREET, BILLINGCITY, PHONE, WEBSITE), which folding matches.
# - Zoho CRM: Data Administration > Export ("Billing Street", "Billing City", "Billing State", "Billing Code",
#   "Billing Country"; contacts "Mailing Street", "Mailing City", "Mailing State", "Mailing Zip", "Mailing Country").
# - HubSpot: export of contacts and companies ("Phone Number", "Mobile Phone Number", "Street Address",
#   "State/Region", "Postal Code", "Country/Region", "Company Name", "Website URL").
# - Thunderbird: Address Book > Export as CSV ("Primary Email", "Work Phone", "Mobile Number", "Work Address",
#   "Work City", "Work State", "Work ZipCode", "Work Country", "Job Title", "Organization").
# - Pipedrive: Export data > people / organizations ("Person - First name", "Person - Last name",
#   "Person - Email - Work", "Person - Phone - Work", "Person - Phone - Mobile", "Organization - Name").
# - LinkedIn: Get a copy of your data > Connections.csv ("First Name", "Last Name", "URL", "Email Address",
#   "Company", "Position", "Connected On").
# - Dynamics 365: Export to Excel writes the fields' display names ("Account Name", "Main Phone",
#   "Address 1: City", "Full Name", "Business Phone"), the labels and aliases below.


@dataclass(frozen=True)
class Column:
    """An importable field: ``key`` is the model field (or a lookup such as account_number of the account).

    ``aliases`` are other names for it; ``loose`` ones feed it only when no
    header of the file names it better.
    """

    key: str
    label: str
    kind: str = "text"  # text, decimal, integer, percent (whole), rate (percent with decimals), date, datetime,
    # choice, email, url, user
    aliases: tuple[str, ...] = ()
    required: bool = False
    loose: tuple[str, ...] = ()
    # Read on export through a related record ("account.name"), for a column that is a lookup, not a field.
    source: str = ""
    # A choice column's other names for its options, as other programs write them: (("Prospecting", "qualify"),).
    synonyms: tuple = ()

    def choice_synonyms(self) -> dict:
        from crm.imports.engine import STATUS_ALIASES

        return {**(STATUS_ALIASES if self.key == "status" else {}), **dict(self.synonyms)}

    def ranked_names(self, model=None):
        """Return {folded name: rank} for every name of this column (EXACT, ALIAS or LOOSE)."""
        exact = {self.key, self.label, str(self.label)}
        for language in ("en", "ro"):
            with translation.override(language):
                exact.add(str(self.label))
        if model is not None:
            try:
                verbose = model._meta.get_field(self.key).verbose_name
            except Exception:
                verbose = None
            if verbose:
                for language in ("en", "ro"):
                    with translation.override(language):
                        exact.add(str(verbose))
        ranks = {}
        # Marked loose stays loose even when it is also the model's name for the field ("Name" of an account:
        # legacy Google CSVs write a person's name under it).
        # An alias that folds to the field's own name ("firstname" for "First Name") leaves it exact.
        for rank, names in ((EXACT, exact), (ALIAS, self.aliases), (LOOSE, self.loose)):
            for name in names:
                if name and (rank == LOOSE or normalize_label(name) not in ranks):
                    ranks[normalize_label(name)] = rank
        return ranks

    def names(self, model=None):
        return set(self.ranked_names(model))


ADDRESS = (
    Column(
        "street",
        _("Street"),
        aliases=(
            "Stradă",
            "Address 1: Street 1",
            "Address 1",
            "Street 1",
            "address1_line1",
            "Business Street",  # Outlook
            "Address 1 - Street",  # Google
            "Billing Street",  # Salesforce, Zoho; Data Loader's BILLINGSTREET folds to it
            "Mailing Street",  # Salesforce, Zoho
            "Street Address",  # HubSpot
            "Work Address",  # Thunderbird
        ),
    ),
    Column(
        "city",
        _("City"),
        aliases=(
            "Oraș",
            "Localitate",
            "Address 1: City",
            "address1_city",
            "Business City",
            "Address 1 - City",
            "Billing City",
            "Mailing City",
            "Work City",
        ),
    ),
    Column(
        "county",
        _("County"),
        aliases=(
            "Județ",
            "Address 1: State/Province",
            "State/Province",
            "address1_stateorprovince",
            "Business State",
            "Address 1 - Region",
            "Billing State/Province",
            "Billing State",
            "Mailing State/Province",
            "Mailing State",
            "State/Region",
            "Work State",
        ),
        loose=("State",),
    ),
    Column(
        "postal_code",
        _("Postal code"),
        aliases=(
            "Cod poștal",
            "Address 1: ZIP/Postal Code",
            "ZIP/Postal Code",
            "address1_postalcode",
            "Business Postal Code",
            "Address 1 - Postal Code",
            "Billing Zip/Postal Code",
            "Billing Code",
            "Mailing Zip/Postal Code",
            "Mailing Zip",
            "billingpostalcode",
            "mailingpostalcode",
            "Work ZipCode",
        ),
        loose=("ZIP",),
    ),
    Column(
        "country",
        _("Country"),
        aliases=(
            "Țară",
            "Address 1: Country/Region",
            "Country/Region",
            "address1_country",
            "Business Country/Region",
            "Address 1 - Country",
            "Billing Country",
            "Mailing Country",
            "Work Country",
        ),
    ),
)

@dataclass(frozen=True)
class SplitColumn(Column):
    """A column holding two fields at once (a full name): split into ``into`` on rows where both are empty.

    ``split`` names the function of crm.imports.values doing it; the column stands in for a required
    field it fills, so a file with it and without that field's own column is read.
    """

    into: tuple[str, ...] = ()
    split: str = "split_full_name"


@dataclass(frozen=True)
class TypedPair:
    """Numbered columns whose value goes to the field its type column names: Google's "Phone 1 - Value" by
    "Phone 1 - Label" (Work, Mobile, Home), "Phone 2 - ...", and so on.

    ``value`` and ``type`` are the headers with ``{n}`` for the number; ``fields`` maps a type (folded) to a
    field key, or to None to leave the value out; a type not listed leaves it out too, and an empty type
    cell sends it to ``untyped``. A pair fills only a field the row has not filled from its own column,
    and the lower-numbered pair first.
    """

    value: str
    type: str
    fields: dict
    untyped: str | None = None

    def _pattern(self, template):
        import re

        before, _n, after = template.partition("{n}")
        return re.compile(re.escape(normalize_label(before)) + r"(\d+)" + re.escape(normalize_label(after)))

    def find(self, headers):
        """Return [(value index, type index or None)] for each numbered pair in ``headers``, by number."""
        value_pattern, type_pattern = self._pattern(self.value), self._pattern(self.type)
        values, types = {}, {}
        for index, header in enumerate(headers):
            folded = normalize_label(header)
            if match := value_pattern.fullmatch(folded):
                values.setdefault(int(match.group(1)), index)
            elif match := type_pattern.fullmatch(folded):
                types.setdefault(int(match.group(1)), index)
        return [(values[number], types.get(number)) for number in sorted(values)]

    def field_for(self, type_text):
        """The field key a value of this type goes to, or None to leave it out."""
        folded = normalize_label(type_text)
        if not folded:
            return self.untyped
        return self.fields.get(folded)

    def targets(self):
        return tuple(dict.fromkeys(key for key in (*self.fields.values(), self.untyped) if key))


@dataclass(frozen=True)
class JoinColumn(Column):
    """A column continuing another field (Street 2 and 3 of an address): joined to it with ", " on import."""

    joins: str = ""


# Address lines 2 and 3, as Dynamics 365 (Address 1: Street 2), Outlook (Business Street 2), Google (Address 1 -
# Extended Address), HubSpot and Salesforce's Data Loader (billing/mailing street lines) write them.
ADDRESS_JOINS = (
    JoinColumn(
        "street_2",
        _("Street 2"),
        aliases=(
            "Stradă 2",
            "Address 1: Street 2",
            "address1_line2",
            "Business Street 2",
            "Address 1 - Extended Address",
            "Street Address 2",
            "Address Line 2",
            "Work Address 2",
        ),
        joins="street",
    ),
    JoinColumn(
        "street_3",
        _("Street 3"),
        aliases=("Stradă 3", "Address 1: Street 3", "address1_line3", "Business Street 3", "Address Line 3"),
        joins="street",
    ),
)

@dataclass(frozen=True)
class RoundTripColumn(Column):
    """A column an export for re-import carries (the record's id, its version), read back only under its own label.

    Not by its key: other programs' files have "Id" columns of their own (Salesforce's 18-character ids).
    """

    def ranked_names(self, model=None):
        names = {str(self.label)}
        for language in ("en", "ro"):
            with translation.override(language):
                names.add(str(self.label))
        return {normalize_label(name): EXACT for name in names}


# The Excel round trip (as Dynamics' Export to Excel): an export for re-import carries each record's id and
# version in these columns (hidden in XLSX); importing the file back updates exactly those records, refusing a
# row whose record was saved since. Read on import only, for accounts and contacts alike.
ROUND_TRIP_COLUMNS = (
    RoundTripColumn("id", _("(Do not modify) Id"), "integer"),
    RoundTripColumn("version", _("(Do not modify) Version"), "integer"),
)


def _best_headers(headers, columns, model):
    """Return {field key: (rank, header index, Column)}: for each field, the best-ranked header naming it."""
    lookup = {}  # folded name: (rank, Column)
    for column in columns:
        for name, rank in column.ranked_names(model).items():
            if name not in lookup or rank < lookup[name][0]:
                lookup[name] = (rank, column)
    best = {}
    for index, header in enumerate(headers):
        found = lookup.get(normalize_label(header))
        if found is None:
            continue
        rank, column = found
        if column.key not in best or rank < best[column.key][0]:
            best[column.key] = (rank, index, column)
    return best


def map_headers(headers, columns, model):
    """Return ({header index: Column}, [ignored headers]); the best-ranked header naming a field wins.

    A name shared by two columns belongs to the one it ranks best in (the
    earlier column on a tie). Among headers naming one field, the best rank
    wins and, on a tie, the first.
    """
    best = _best_headers(headers, columns, model)
    mapping = {index: column for _rank, index, column in sorted(best.values(), key=lambda chosen: chosen[1])}
    ignored = [header for index, header in enumerate(headers) if header and index not in mapping]
    return mapping, ignored


# A header the importer's own mapping (the wizard's, a data map's) sends to a typed pair: its values go where
# the pair's type column says (Google's "Phone 1 - Value" by "Phone 1 - Label"), and the type column with it.
PAIRED = "@paired"


def chosen_mapping(headers, chosen, columns):
    """Return ({header index: Column}, [ignored headers]) from ``chosen``, {header index: field key or ""}.

    A header the choice leaves out, sends to "" or to PAIRED is not one of the mapping's columns.
    """
    by_key = {column.key: column for column in columns}
    mapping = {index: by_key[chosen[index]] for index in range(len(headers)) if chosen.get(index) in by_key}
    ignored = [header for index, header in enumerate(headers) if header and index not in mapping]
    return mapping, ignored


# Why a column was suggested for a field, shown on the wizard's mapping step.
VALUES, PAIR = "values", "pair"
WHY = {
    EXACT: _("Same name as the field"),
    ALIAS: _("A name other programs use for it"),
    LOOSE: _("A guess from a common name"),
    VALUES: _("A guess from the values"),
    PAIR: _("Goes where the type column beside it says"),
}

_LOOKS_LIKE = (
    ("email", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    ("website", re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)),
    ("phone", re.compile(r"\+?[\d\s().\-/]{7,24}")),
)
_PHONE_FIELDS = ("main_phone", "business_phone", "mobile_phone")


def _guess_from_values(values, free):
    """The field key whose kind of value (email, web address, phone number) every sample has, if it is free."""
    values = [value for value in values if value][:20]
    if not values:
        return None
    for kind, pattern in _LOOKS_LIKE:
        if all(pattern.fullmatch(value) for value in values):
            if kind == "phone":
                if not all(sum(char.isdigit() for char in value) >= 7 for value in values):
                    return None
                return next((key for key in _PHONE_FIELDS if key in free), None)
            return kind if kind in free else None
    return None


@dataclass(frozen=True)
class Suggestion:
    """What the mapping step proposes for one source column: a field key ("" for none) and why."""

    index: int
    header: str
    key: str
    why: object = None

    @property
    def reason(self):
        return WHY.get(self.why, "")


def suggest_columns(headers, columns, model, *, pairs=(), samples=None):
    """Return a Suggestion per header: the import's own mapping (map_headers), the typed pairs, then, for the
    headers left, a guess from their sample values ({header index: [values]}) for a field nothing feeds yet."""
    best = _best_headers(headers, columns, model)
    chosen = {index: (column.key, rank) for rank, index, column in best.values()}
    for pair in pairs:
        for value, kind in pair.find(headers):
            for index in (value, kind):
                if index is not None and index not in chosen:
                    chosen[index] = (PAIRED, PAIR)
    taken = {key for key, _why in chosen.values()}
    taken.update(key for column in columns if column.key in taken for key in getattr(column, "into", ()))
    free = {column.key for column in columns if column.key not in taken}
    for index in range(len(headers)):
        if index not in chosen and (guess := _guess_from_values((samples or {}).get(index, ()), free)):
            chosen[index] = (guess, VALUES)
            free.discard(guess)
    return [Suggestion(index, header, *chosen.get(index, ("", None))) for index, header in enumerate(headers)]
