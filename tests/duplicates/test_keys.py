"""The keys the duplicate rules compare: company and person names, web addresses, phone numbers, emails.

Plain functions: none of these touch the database.
"""

import pytest

from crm.duplicates.keys import (
    company_name_key,
    email_key,
    fold_text,
    person_name_key,
    phone_key,
    website_key,
)

# --- fold_text -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ștefan cel Mare", "stefan cel mare"),  # ș with comma below
        ("Ştefan cel Mare", "stefan cel mare"),  # ş with the legacy cedilla
        ("Țară și Ţară", "tara si tara"),  # ț comma below, ţ legacy cedilla
        ("ĂÂÎȘȚ ăâîșț", "aaist aaist"),
        ("  Brașov,   Cluj-Napoca!  ", "brasov cluj napoca"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_text(text, expected):
    assert fold_text(text) == expected


# --- company_name_key: spellings of one company give one key ------------------------------------------------

SAME_COMPANY = [
    # Diacritics: comma below, legacy cedilla, none; SA with and without dots; double spaces.
    ("Grupul Carpați Holding S.A.", "GRUPUL CARPATI HOLDING SA"),
    ("Grupul Carpați Holding S.A.", "Grupul Carpaţi Holding  s.a."),
    ("SC Grupul Carpați Holding S.A.", "grupul carpati holding"),
    # SC in front, SA behind.
    ("SC Electrica Furnizare SA", "Electrica Furnizare S.A."),
    ("S.C. Dacia S.R.L.", "Dacia SRL"),
    ("S. C. Dacia S. R. L.", "Dacia"),
    ("Banca Transilvania S.A.", "banca transilvania"),
    ("Petrom-Service SRL", "Petrom Service S.R.L."),
    ("OMV Petrom S.A.", "omv petrom"),
    ("S.C. OMV PETROM S.A.", "OMV Petrom SA"),
    ("Brico Depot Romania SRL", "Brico Dépôt România S.R.L."),
    ("Ursus Breweries SA", "S.C. Ursus Breweries S.A."),
    ("Altex România SRL", "ALTEX ROMANIA S.R.L."),
    ("Hidroelectrica S.A.", "HIDROELECTRICA"),
    ("Țara Înaltă SRL", "ŢARA ÎNALTĂ S.R.L."),
    ("Societatea Comercială Romstal S.A.", "Romstal"),
    ("Societate Comerciala Romstal", "ROMSTAL SA"),
    ("Dacia SRL-D", "Dacia S.R.L."),  # SRL-D, the "debutant" SRL
    ("Dacia S.R.L.-D.", "Dacia SRLD"),
    ("Cafeneaua Veche PFA", "cafeneaua veche"),
    # German.
    ("Siemens AG", "Siemens A.G."),
    ("Bosch GmbH", "Bosch G.m.b.H."),
    ("Straße Bau GmbH", "Strasse Bau"),
    # French.
    ("Renault SAS", "Renault S.A.S."),
    ("Carrefour SARL", "Carrefour S.A.R.L."),
    # British.
    ("Tesco Ltd", "Tesco Limited"),
    ("Tesco Ltd.", "TESCO PLC"),
    # American.
    ("Acme Inc.", "ACME, Inc"),
    ("Acme LLC", "Acme L.L.C."),
    ("Acme Corp.", "Acme Corporation"),
    # Forms written as several words.
    ("Acme Sp. z o.o.", "Acme"),
    ("Acme S. de R.L.", "Acme"),
    # A legal form in front is dropped as well while another word remains.
    ("SRL Group", "Group SRL"),
]


@pytest.mark.parametrize(("name", "other"), SAME_COMPANY)
def test_spellings_of_one_company_give_the_same_key(name, other):
    assert company_name_key(name) == company_name_key(other)
    assert company_name_key(name) != ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Grupul Carpați Holding S.A.", "grupul carpati holding"),
        ("S.C. Dacia S.R.L.", "dacia"),
        ("Petrom-Service SRL", "petrom service"),
        ("A.B.C. Consulting SRL", "abc consulting"),
        ("Bosch G.m.b.H.", "bosch"),
    ],
)
def test_company_name_key_value(name, expected):
    assert company_name_key(name) == expected


# --- company_name_key: different companies stay apart ------------------------------------------------------

DIFFERENT_COMPANIES = [
    ("Carpați Logistic SRL", "Carpați Construct SRL"),
    ("Dacia SRL", "Dacia Service SRL"),
    ("Electrica Furnizare SA", "Electrica Distribuție SA"),
    ("Banca Transilvania S.A.", "Banca Comercială Română S.A."),
    ("Altex România SRL", "Altex Moldova SRL"),
    # A legal-form word inside the name is part of the name.
    ("Grupul SA Holding", "Grupul Holding"),
    # "comercială" alone is not a legal form.
    ("Banca Comercială Română", "Banca Română"),
]


@pytest.mark.parametrize(("name", "other"), DIFFERENT_COMPANIES)
def test_different_companies_give_different_keys(name, other):
    assert company_name_key(name) != company_name_key(other)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Legal forms are dropped only while another word remains: a name that is nothing but one stays.
        ("SA", "sa"),
        ("S.A.", "sa"),
        ("SRL", "srl"),
        ("S.R.L.", "srl"),
        ("GmbH", "gmbh"),
        ("SC SRL", "sc"),
    ],
)
def test_a_name_made_only_of_legal_forms_is_not_emptied(name, expected):
    assert company_name_key(name) == expected


@pytest.mark.parametrize("name", ["", "   ", None, "...", " - "])
def test_company_name_key_of_nothing_is_empty(name):
    assert company_name_key(name) == ""


# --- person_name_key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "other_first", "other_last"),
    [
        ("Ștefan", "Popescu", "ŞTEFAN", "POPESCU"),
        ("Ana-Maria", "Ionescu", "ana maria", "ionescu"),
        ("  Ion ", " Țăranu", "Ion", "Taranu"),
        ("Mihai", "Brâncoveanu-Știrbei", "MIHAI", "Brancoveanu Stirbei"),
    ],
)
def test_spellings_of_one_person_give_the_same_key(first, last, other_first, other_last):
    assert person_name_key(first, last) == person_name_key(other_first, other_last)


def test_person_name_key_value_and_missing_parts():
    assert person_name_key("Ștefan", "Popescu-Ionescu") == "stefan popescu ionescu"
    assert person_name_key(None, "Popescu") == "popescu"
    assert person_name_key("Ion", None) == "ion"
    assert person_name_key("", "") == ""


def test_different_people_give_different_keys():
    assert person_name_key("Ion", "Popescu") != person_name_key("Ioana", "Popescu")
    assert person_name_key("Ion", "Popescu") != person_name_key("Popescu", "Ion")


# --- website_key -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("website", "expected"),
    [
        ("https://www.example.ro/contact?x=1", "example.ro"),
        ("http://example.ro", "example.ro"),
        ("EXAMPLE.RO", "example.ro"),
        ("www.example.ro:8080/", "example.ro"),
        ("example.ro/", "example.ro"),
        ("  HTTPS://WWW.Example.RO/Despre#echipa  ", "example.ro"),
        ("www.example.ro.", "example.ro"),
        ("//example.ro", "example.ro"),
        # A subdomain other than www is kept.
        ("https://shop.example.ro", "shop.example.ro"),
        ("https://www.shop.example.ro/cos", "shop.example.ro"),
        # "www" that is the domain itself, not a prefix, is kept.
        ("www.ro", "www.ro"),
        # No domain.
        ("", ""),
        (None, ""),
        ("   ", ""),
        ("not a url", ""),
        ("localhost", ""),
        ("http://localhost:8000/", ""),
    ],
)
def test_website_key(website, expected):
    assert website_key(website) == expected


@pytest.mark.parametrize(
    "website",
    ["ștefan.ro", "www.ștefan.ro", "https://www.ștefan.ro", "HTTPS://WWW.ȘTEFAN.RO/despre", "http://ștefan.ro:80"],
)
def test_an_internationalised_domain_gives_its_punycode(website):
    key = website_key(website)
    assert key.startswith("xn--")
    assert key.endswith(".ro")
    assert key == website_key("ștefan.ro")
    assert key == "ștefan.ro".encode("idna").decode("ascii")


# --- phone_key ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        # A Bucharest landline, however it is written.
        ("+40 21 234 5678", "+40212345678"),
        ("0040 21 234 5678", "+40212345678"),
        ("00 40 21 234 5678", "+40212345678"),
        ("021 234 5678", "+40212345678"),
        ("(021) 234-5678", "+40212345678"),
        ("021.234.56.78", "+40212345678"),
        ("+40-21-234-56-78", "+40212345678"),
        ("+40212345678", "+40212345678"),
        ("  0212345678  ", "+40212345678"),
        # A mobile.
        ("0722 123 456", "+40722123456"),
        ("+40722123456", "+40722123456"),
        ("0722-123-456", "+40722123456"),
        ("0040 722 123 456", "+40722123456"),
        # Foreign numbers with their country code.
        ("+49 30 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        # Not a phone number.
        ("abc", ""),
        ("", ""),
        (None, ""),
        ("12", ""),
        ("+40", ""),
        ("---", ""),
    ],
)
def test_phone_key(phone, expected):
    assert phone_key(phone) == expected


@pytest.mark.parametrize(
    ("phone", "region", "expected"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("030 1234567", "RO", "+40301234567"),
        ("+40 21 234 5678", "DE", "+40212345678"),  # a country code wins over the region
        ("0040 21 234 5678", "DE", "+40212345678"),
    ],
)
def test_phone_key_reads_a_national_number_in_the_given_region(phone, region, expected):
    assert phone_key(phone, region=region) == expected


def test_phone_key_default_region_is_romania(settings):
    assert settings.CRM_PHONE_REGION == "RO"
    assert phone_key("021 234 5678") == "+40212345678"


def test_phone_key_default_region_comes_from_settings(settings):
    settings.CRM_PHONE_REGION = "DE"
    assert phone_key("030 1234567") == "+49301234567"
    assert phone_key("+40 21 234 5678") == "+40212345678"
    # An explicit region still wins over the setting.
    assert phone_key("021 234 5678", region="RO") == "+40212345678"


# --- email_key ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (" Ion.Popescu@Example.RO ", "ion.popescu@example.ro"),
        ("ION.POPESCU@EXAMPLE.RO", "ion.popescu@example.ro"),
        ("ion.popescu@example.ro", "ion.popescu@example.ro"),
        ("", ""),
        (None, ""),
        ("   ", ""),
    ],
)
def test_email_key(email, expected):
    assert email_key(email) == expected
