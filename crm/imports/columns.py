"""Which columns an import reads: field, how its cells are parsed, and every header that names it.

A header names a field when, folded (no case, spaces, punctuation or
diacritics), it equals one of: the field's English label (the one exports
write), its Romanian label from the glossary, its internal name, the model's
verbose name, or the label Dynamics 365's import templates use.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.imports.values import normalize_label


@dataclass(frozen=True)
class Column:
    """An importable field: ``key`` is the model field (or a lookup such as account_number of the account)."""

    key: str
    label: str
    kind: str = "text"  # text, decimal, integer, choice, email, url, user
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self, model=None):
        names = {self.key, self.label, str(self.label), *self.aliases}
        for language in ("en", "ro"):
            with translation.override(language):
                names.add(str(self.label))
        if model is not None:
            try:
                verbose = model._meta.get_field(self.key).verbose_name
            except Exception:
                verbose = None
            if verbose:
                for language in ("en", "ro"):
                    with translation.override(language):
                        names.add(str(verbose))
        return {normalize_label(name) for name in names if name}


ADDRESS = (
    Column("street", _("Street"), aliases=("Stradă", "Address 1: Street 1", "Address 1", "Street 1", "address1_line1")),
    Column("city", _("City"), aliases=("Oraș", "Localitate", "Address 1: City", "address1_city")),
    Column(
        "county",
        _("County"),
        aliases=("Județ", "State", "Address 1: State/Province", "State/Province", "address1_stateorprovince"),
    ),
    Column(
        "postal_code",
        _("Postal code"),
        aliases=("Cod poștal", "Address 1: ZIP/Postal Code", "ZIP/Postal Code", "ZIP", "address1_postalcode"),
    ),
    Column(
        "country", _("Country"), aliases=("Țară", "Address 1: Country/Region", "Country/Region", "address1_country")
    ),
)

ACCOUNT_COLUMNS = (
    Column(
        "name", _("Account Name"), aliases=("Nume cont", "Name", "Denumire", "Company", "Company Name"), required=True
    ),
    Column("account_number", _("Account Number"), aliases=("Număr cont", "accountnumber", "Cod client", "CUI")),
    Column("relationship_type", _("Relationship Type"), "choice", aliases=("Tip relație", "customertypecode")),
    Column("industry", _("Industry"), "choice", aliases=("Industrie", "industrycode")),
    Column("main_phone", _("Main Phone"), aliases=("Telefon principal", "Telefon", "Phone", "telephone1")),
    Column("email", _("Email"), "email", aliases=("E-mail", "Email Address", "emailaddress1")),
    Column("website", _("Website"), "url", aliases=("Site web", "Web site", "websiteurl")),
    *ADDRESS,
    Column("annual_revenue", _("Annual Revenue"), "decimal", aliases=("Venit anual", "revenue", "Cifra de afaceri")),
    Column("currency", _("Currency"), "choice", aliases=("Monedă", "Moneda", "transactioncurrencyid")),
    Column(
        "number_of_employees",
        _("Number of Employees"),
        "integer",
        aliases=("Număr de angajați", "numberofemployees", "Employees", "Angajați"),
    ),
    Column("description", _("Description"), aliases=("Descriere",)),
    Column("status", _("Status"), "choice", aliases=("Stare", "statecode")),
    Column("owner", _("Owner"), "user", aliases=("Proprietar", "ownerid")),
)

CONTACT_COLUMNS = (
    Column("first_name", _("First Name"), aliases=("Prenume", "firstname", "Given Name"), required=False),
    Column("last_name", _("Last Name"), aliases=("Nume", "lastname", "Surname", "Family Name"), required=True),
    Column("job_title", _("Job Title"), aliases=("Funcție", "jobtitle", "Title", "Position")),
    Column(
        "account_number",
        _("Account Number"),
        aliases=("Număr cont", "accountnumber", "Company Number", "Account No"),
    ),
    Column(
        "company_name",
        _("Company Name"),
        aliases=("Nume companie", "Account Name", "Nume cont", "Account", "Cont", "Company", "parentcustomerid",
                 "Organization", "Organisation"),
    ),
    Column("email", _("Email"), "email", aliases=("E-mail", "Email Address", "emailaddress1", "E-mail Address")),
    Column("business_phone", _("Business Phone"), aliases=("Telefon serviciu", "telephone1", "Work Phone", "Phone")),
    Column("mobile_phone", _("Mobile Phone"), aliases=("Telefon mobil", "mobilephone", "Mobile", "Cell Phone")),
    Column(
        "preferred_contact_method",
        _("Preferred Method of Contact"),
        "choice",
        aliases=("Metodă de contact preferată", "preferredcontactmethodcode", "Preferred Contact Method"),
    ),
    *ADDRESS,
    Column("description", _("Description"), aliases=("Descriere", "Notes", "Note")),
    Column("status", _("Status"), "choice", aliases=("Stare", "statecode")),
    Column("owner", _("Owner"), "user", aliases=("Proprietar", "ownerid")),
)


def map_headers(headers, columns, model):
    """Return ({header index: Column}, [ignored headers]); the first header naming a field wins."""
    lookup = {}
    for column in columns:
        for name in column.names(model):
            lookup.setdefault(name, column)
    mapping, ignored, taken = {}, [], set()
    for index, header in enumerate(headers):
        column = lookup.get(normalize_label(header))
        if column is None or column.key in taken:
            if header:
                ignored.append(header)
            continue
        taken.add(column.key)
        mapping[index] = column
    return mapping, ignored
