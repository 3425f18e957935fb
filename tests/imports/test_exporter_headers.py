"""Files shaped as the programs people leave write them: each exporter's header row, imported as it comes.

Each header row is the exporter's own, in its order, with the columns the CRM
does not read left in (the sources are cited in crm/imports/columns.py).
"""

import pytest

from accounts.imports import ACCOUNT_COLUMNS
from accounts.models import Account
from contacts.imports import CONTACT_COLUMNS
from contacts.models import Contact
from crm.imports.columns import map_headers
from tests.factories import AccountFactory
from tests.imports.conftest import csv_bytes, do_import

pytestmark = pytest.mark.django_db


def _fields(headers, columns=CONTACT_COLUMNS, model=Contact):
    mapping, _ignored = map_headers(headers, columns, model)
    return {column.key: headers[index] for index, column in mapping.items()}


def _row(headers, **values):
    """A row for ``headers`` with ``values`` by header and the other cells empty."""
    unknown = set(values) - set(headers)
    assert not unknown, unknown
    return [values.get(header, "") for header in headers]


def _import(headers, rows, target="contacts", *, actor):
    data = csv_bytes([headers, *[_row(headers, **values) for values in rows]])
    outcome = do_import(data, target, actor=actor, create_missing_accounts=True)
    assert outcome.failed == 0, [issue.message for issue in outcome.issues]
    return outcome


# The general rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [["Title", "Last Name", "Job Title"], ["Job Title", "Last Name", "Title"]],
    ids=["loose-first", "exact-first"],
)
def test_the_exact_label_beats_a_loose_alias_whatever_the_order(headers):
    mapping, ignored = map_headers(headers, CONTACT_COLUMNS, Contact)
    assert _fields(headers)["job_title"] == "Job Title"
    assert ignored == ["Title"]
    assert list(mapping) == sorted(mapping)  # the mapping keeps the file's column order


def test_a_specific_alias_beats_a_loose_one_and_a_loose_alias_alone_still_maps():
    assert _fields(["Company", "Last Name", "Organization Name"])["company_name"] == "Organization Name"
    assert _fields(["Phone", "Last Name", "Phone Number"])["business_phone"] == "Phone Number"
    assert _fields(["Name", "Company Name"], ACCOUNT_COLUMNS, Account)["name"] == "Company Name"
    alone = _fields(["Title", "Last Name", "Company", "Phone"])
    assert (alone["job_title"], alone["company_name"], alone["business_phone"]) == ("Title", "Company", "Phone")


def test_a_loose_header_only_title_file_still_stores_the_job_title(importer):
    _import(["Last Name", "Title"], [{"Last Name": "Pop", "Title": "Director"}], actor=importer)
    assert Contact.objects.get().job_title == "Director"


# Contacts ------------------------------------------------------------------------------------------

OUTLOOK = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home City", "Home State",
    "Home Postal Code", "Home Country/Region", "Assistant's Phone", "Business Fax", "Business Phone",
    "Business Phone 2", "Company Main Phone", "Home Phone", "Mobile Phone", "Other Phone", "Pager",
    "Primary Phone", "Account", "Birthday", "Categories", "E-mail Address", "E-mail Type",
    "E-mail Display Name", "E-mail 2 Address", "Notes", "Web Page",
]  # fmt: skip


def test_outlook_keeps_the_job_title_after_the_honorific_title_and_reads_the_business_address(importer):
    _import(
        OUTLOOK,
        [
            {
                "Title": "Dl.",
                "First Name": "Andrei",
                "Last Name": "Ionescu",
                "Company": "Dacia SA",
                "Department": "Vânzări",
                "Job Title": "Director vânzări",
                "Business Street": "Str. Uzinei 1",
                "Business City": "Mioveni",
                "Business State": "Argeș",
                "Business Postal Code": "115400",
                "Business Country/Region": "România",
                "Home City": "Pitești",
                "Business Phone": "+40 248 500 000",
                "Home Phone": "+40 248 111 111",
                "Mobile Phone": "+40 722 000 001",
                "E-mail Address": "Andrei.Ionescu@dacia.ro",
                "E-mail Type": "SMTP",
                "E-mail Display Name": "Andrei Ionescu (andrei.ionescu@dacia.ro)",
                "Notes": "Met at the fair.",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.first_name, contact.last_name, contact.job_title) == ("Andrei", "Ionescu", "Director vânzări")
    assert contact.account.name == "Dacia SA"  # Outlook's own, empty "Account" column does not displace Company
    assert (contact.business_phone, contact.mobile_phone) == ("+40 248 500 000", "+40 722 000 001")
    assert contact.email == "andrei.ionescu@dacia.ro"
    address = (contact.street, contact.city, contact.county, contact.postal_code, contact.country)
    assert address == ("Str. Uzinei 1", "Mioveni", "Argeș", "115400", "România")
    assert contact.description == "Met at the fair."


GOOGLE = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
    "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title",
    "Organization Department", "Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
    "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
    "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City",
    "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country",
    "Address 1 - Extended Address", "Website 1 - Label", "Website 1 - Value",
]  # fmt: skip


def test_google_contacts_organisation_title_email_phone_and_address(importer):
    _import(
        GOOGLE,
        [
            {
                "First Name": "Maria",
                "Last Name": "Popa",
                "Organization Name": "Construcții Popa-Ionescu",
                "Organization Title": "Inginer șef",
                "Organization Department": "Proiectare",
                "Labels": "* myContacts",
                "E-mail 1 - Label": "* Work",
                "E-mail 1 - Value": "maria@popa.ro",
                "Phone 1 - Label": "Work",
                "Phone 1 - Value": "+40 21 300 0000",
                "Address 1 - Label": "Work",
                "Address 1 - Formatted": "Bd. Unirii 10\nBucurești 030167\nRO",
                "Address 1 - Street": "Bd. Unirii 10",
                "Address 1 - City": "București",
                "Address 1 - Region": "București",
                "Address 1 - Postal Code": "030167",
                "Address 1 - Country": "RO",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert contact.account.name == "Construcții Popa-Ionescu"
    assert (contact.job_title, contact.email, contact.business_phone) == (
        "Inginer șef", "maria@popa.ro", "+40 21 300 0000",
    )  # fmt: skip
    assert (contact.street, contact.city, contact.postal_code) == ("Bd. Unirii 10", "București", "030167")


def test_google_phone_value_is_not_a_header_alias_but_a_typed_pair():
    # "Phone N - Value" goes where its "Phone N - Label" says (contacts.imports.CONTACT_PAIRS, one row at a time:
    # tests/imports/test_engine_row_rules.py), so no header maps it to a field on its own.
    from contacts.imports import CONTACT_PAIRS

    assert "business_phone" not in _fields(GOOGLE)
    assert CONTACT_PAIRS[0].find(GOOGLE) == [
        (GOOGLE.index("Phone 1 - Value"), GOOGLE.index("Phone 1 - Label")),
        (GOOGLE.index("Phone 2 - Value"), GOOGLE.index("Phone 2 - Label")),
    ]


THUNDERBIRD = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email", "Screen Name",
    "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number", "Home Address", "Home Address 2",
    "Home City", "Home State", "Home ZipCode", "Home Country", "Work Address", "Work Address 2", "Work City",
    "Work State", "Work ZipCode", "Work Country", "Job Title", "Department", "Organization", "Web Page 1",
    "Web Page 2", "Birth Year", "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4",
    "Notes",
]  # fmt: skip


def test_thunderbird_primary_email_phones_organisation_and_work_address(importer):
    _import(
        THUNDERBIRD,
        [
            {
                "First Name": "Ioana",
                "Last Name": "Radu",
                "Display Name": "Ioana Radu",
                "Primary Email": "ioana@radu.ro",
                "Secondary Email": "ioana@gmail.com",
                "Work Phone": "021 111 2222",
                "Home Phone": "021 999 9999",
                "Mobile Number": "0722 333 444",
                "Home City": "Otopeni",
                "Work Address": "Calea Victoriei 1",
                "Work City": "București",
                "Work ZipCode": "010061",
                "Job Title": "Contabil",
                "Organization": "Radu Consult",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.email, contact.business_phone, contact.mobile_phone) == (
        "ioana@radu.ro", "021 111 2222", "0722 333 444",
    )  # fmt: skip
    assert (contact.job_title, contact.account.name) == ("Contabil", "Radu Consult")
    assert (contact.street, contact.city, contact.postal_code) == ("Calea Victoriei 1", "București", "010061")


HUBSPOT_CONTACTS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Street Address",
    "City", "State/Region", "Postal Code", "Country/Region", "Company Name", "Job Title", "Contact owner",
    "Lifecycle Stage", "Lead Status", "Create Date", "Last Activity Date",
]  # fmt: skip


def test_hubspot_contacts_phones_address_and_company(importer):
    _import(
        HUBSPOT_CONTACTS,
        [
            {
                "Record ID": "51",
                "First Name": "Mihai",
                "Last Name": "Stan",
                "Email": "mihai@stan.ro",
                "Phone Number": "0264 100 200",
                "Mobile Phone Number": "0744 100 200",
                "Street Address": "Str. Memorandumului 2",
                "City": "Cluj-Napoca",
                "State/Region": "Cluj",
                "Postal Code": "400114",
                "Country/Region": "Romania",
                "Company Name": "Stan Logistic",
                "Job Title": "Manager",
                "Contact owner": "Someone Else",
                "Lifecycle Stage": "Lead",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.business_phone, contact.mobile_phone) == ("0264 100 200", "0744 100 200")
    assert (contact.street, contact.county, contact.account.name) == ("Str. Memorandumului 2", "Cluj", "Stan Logistic")


PIPEDRIVE_PEOPLE = [
    "Person - ID", "Person - Name", "Person - First name", "Person - Last name", "Person - Label",
    "Person - Organization", "Person - Email - Work", "Person - Email - Home", "Person - Phone - Work",
    "Person - Phone - Mobile", "Person - Owner", "Person - Open deals", "Person - Add time",
]  # fmt: skip


def test_pipedrive_people_names_organisation_email_and_phones(importer):
    _import(
        PIPEDRIVE_PEOPLE,
        [
            {
                "Person - ID": "7",
                "Person - Name": "Elena Dobre",
                "Person - First name": "Elena",
                "Person - Last name": "Dobre",
                "Person - Organization": "Dobre Transport",
                "Person - Email - Work": "elena@dobre.ro",
                "Person - Phone - Work": "0231 500 600",
                "Person - Phone - Mobile": "0755 500 600",
                "Person - Owner": "Someone Else",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.first_name, contact.last_name, contact.account.name) == ("Elena", "Dobre", "Dobre Transport")
    assert (contact.email, contact.business_phone, contact.mobile_phone) == (
        "elena@dobre.ro", "0231 500 600", "0755 500 600",
    )  # fmt: skip


LINKEDIN = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]


def test_linkedin_connections_company_position_and_email(importer):
    _import(
        LINKEDIN,
        [
            {
                "First Name": "Radu",
                "Last Name": "Georgescu",
                "URL": "https://www.linkedin.com/in/radu",
                "Email Address": "radu@example.ro",
                "Company": "Softech",
                "Position": "CTO",
                "Connected On": "03 Mar 2024",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.job_title, contact.email, contact.account.name) == ("CTO", "radu@example.ro", "Softech")


ZOHO_CONTACTS = [
    "Record Id", "Contact Owner", "Lead Source", "First Name", "Last Name", "Account Name", "Email", "Title",
    "Department", "Phone", "Home Phone", "Mobile", "Date of Birth", "Mailing Street", "Mailing City",
    "Mailing State", "Mailing Zip", "Mailing Country", "Description",
]  # fmt: skip


def test_zoho_contacts_title_alone_is_the_job_title_and_the_mailing_address_is_read(importer):
    _import(
        ZOHO_CONTACTS,
        [
            {
                "Record Id": "zcrm_1",
                "Contact Owner": "Someone",
                "First Name": "Dan",
                "Last Name": "Matei",
                "Account Name": "Matei SRL",
                "Email": "dan@matei.ro",
                "Title": "Achiziții",
                "Phone": "0256 1",
                "Mobile": "0766 1",
                "Mailing Street": "Str. Mărășești 3",
                "Mailing City": "Timișoara",
                "Mailing State": "Timiș",
                "Mailing Zip": "300086",
                "Mailing Country": "România",
            }
        ],
        actor=importer,
    )
    contact = Contact.objects.select_related("account").get()
    assert (contact.job_title, contact.account.name, contact.business_phone) == ("Achiziții", "Matei SRL", "0256 1")
    assert (contact.street, contact.county, contact.postal_code) == ("Str. Mărășești 3", "Timiș", "300086")


def test_dynamics_contacts_export_with_only_full_name_is_read(importer):
    # "Full Name" stands in for Last Name and is split per row (contacts.imports.CONTACT_SPLITS; more in
    # tests/imports/test_engine_row_rules.py).
    AccountFactory(name="Dacia SA")
    headers = ["(Do Not Modify) Contact", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
               "Full Name", "Account Name", "Email", "Business Phone"]  # fmt: skip
    data = csv_bytes([headers, ["c0ffee", "x", "2026-01-01", "Ana Pop", "Dacia SA", "ana@dacia.ro", "021"]])
    outcome = do_import(data, "contacts", actor=importer)
    assert outcome.created == 1, outcome.issues
    assert Contact.objects.values_list("first_name", "last_name").get() == ("Ana", "Pop")


# Accounts ------------------------------------------------------------------------------------------

SALESFORCE_REPORT = [
    "Account Owner", "Account Name", "Type", "Rating", "Last Activity", "Last Modified Date", "Billing Street",
    "Billing City", "Billing State/Province", "Billing Zip/Postal Code", "Billing Country", "Phone", "Website",
    "Account Number", "Employees",
]  # fmt: skip


def test_salesforce_account_report_billing_address(importer):
    _import(
        SALESFORCE_REPORT,
        [
            {
                "Account Owner": "Someone Else",
                "Account Name": "Petrom",
                "Type": "Customer - Direct",
                "Billing Street": "Str. Coralilor 22",
                "Billing City": "București",
                "Billing State/Province": "Ilfov",
                "Billing Zip/Postal Code": "013329",
                "Billing Country": "Romania",
                "Phone": "021 406 4000",
                "Website": "https://www.petrom.ro",
                "Account Number": "SF-1",
                "Employees": "1200",
            }
        ],
        "accounts",
        actor=importer,
    )
    account = Account.objects.get()
    address = (account.street, account.city, account.county, account.postal_code, account.country)
    assert address == ("Str. Coralilor 22", "București", "Ilfov", "013329", "Romania")
    assert (account.main_phone, account.account_number, account.number_of_employees) == ("021 406 4000", "SF-1", 1200)


SALESFORCE_DATA_LOADER = [
    "ID", "ISDELETED", "MASTERRECORDID", "NAME", "TYPE", "PARENTID", "BILLINGSTREET", "BILLINGCITY",
    "BILLINGSTATE", "BILLINGPOSTALCODE", "BILLINGCOUNTRY", "BILLINGLATITUDE", "BILLINGLONGITUDE",
    "SHIPPINGSTREET", "SHIPPINGCITY", "SHIPPINGSTATE", "SHIPPINGPOSTALCODE", "SHIPPINGCOUNTRY", "PHONE", "FAX",
    "ACCOUNTNUMBER", "WEBSITE", "SIC", "ANNUALREVENUE", "NUMBEROFEMPLOYEES", "OWNERSHIP", "DESCRIPTION",
    "RATING", "SITE", "OWNERID", "CREATEDDATE", "CREATEDBYID", "LASTMODIFIEDDATE",
]  # fmt: skip


def test_salesforce_data_loader_upper_case_api_names(importer):
    _import(
        SALESFORCE_DATA_LOADER,
        [
            {
                "ID": "0015g00000AbCdEAAA",
                "ISDELETED": "false",
                "NAME": "Dacia SA",
                "BILLINGSTREET": "Str. Uzinei 1",
                "BILLINGCITY": "Mioveni",
                "BILLINGSTATE": "Argeș",
                "BILLINGPOSTALCODE": "115400",
                "BILLINGCOUNTRY": "Romania",
                "SHIPPINGCITY": "Pitești",
                "PHONE": "0248 500 000",
                "ACCOUNTNUMBER": "DL-1",
                "WEBSITE": "https://www.dacia.ro",
                "ANNUALREVENUE": "1000000",
                "NUMBEROFEMPLOYEES": "14000",
                "DESCRIPTION": "Car maker",
                "OWNERID": "0055g00000XyZ12AAB",
            }
        ],
        "accounts",
        actor=importer,
    )
    account = Account.objects.get()
    assert (account.name, account.main_phone, account.website) == ("Dacia SA", "0248 500 000", "https://www.dacia.ro")
    assert (account.street, account.city, account.county, account.postal_code) == (
        "Str. Uzinei 1", "Mioveni", "Argeș", "115400",
    )  # fmt: skip


ZOHO_ACCOUNTS = [
    "Record Id", "Account Owner", "Rating", "Account Name", "Phone", "Fax", "Account Site", "Website",
    "Account Number", "Account Type", "Employees", "Billing Street", "Billing City", "Billing State",
    "Billing Code", "Billing Country", "Shipping Street", "Shipping City", "Description",
]  # fmt: skip


def test_zoho_accounts_billing_address(importer):
    _import(
        ZOHO_ACCOUNTS,
        [
            {
                "Record Id": "zcrm_2",
                "Account Name": "Matei SRL",
                "Phone": "0256 200 300",
                "Billing Street": "Str. Mărășești 3",
                "Billing City": "Timișoara",
                "Billing State": "Timiș",
                "Billing Code": "300086",
                "Billing Country": "România",
                "Shipping City": "Arad",
            }
        ],
        "accounts",
        actor=importer,
    )
    account = Account.objects.get()
    assert (account.main_phone, account.street, account.city, account.county, account.postal_code) == (
        "0256 200 300", "Str. Mărășești 3", "Timișoara", "Timiș", "300086",
    )  # fmt: skip


HUBSPOT_COMPANIES = [
    "Record ID", "Company name", "Company Domain Name", "Phone Number", "Street Address", "City", "State/Region",
    "Postal Code", "Country/Region", "Industry", "Number of Employees", "Website URL", "Company owner",
    "Create Date",
]  # fmt: skip


def test_hubspot_companies(importer):
    _import(
        HUBSPOT_COMPANIES,
        [
            {
                "Record ID": "9",
                "Company name": "Stan Logistic",
                "Company Domain Name": "stan.ro",
                "Phone Number": "0264 100 200",
                "Street Address": "Str. Memorandumului 2",
                "City": "Cluj-Napoca",
                "State/Region": "Cluj",
                "Website URL": "https://stan.ro",
                "Company owner": "Someone Else",
            }
        ],
        "accounts",
        actor=importer,
    )
    account = Account.objects.get()
    assert (account.name, account.main_phone, account.website) == ("Stan Logistic", "0264 100 200", "https://stan.ro")
    assert (account.street, account.county) == ("Str. Memorandumului 2", "Cluj")


def test_pipedrive_organizations(importer):
    headers = ["Organization - ID", "Organization - Name", "Organization - Owner", "Organization - Address",
               "Organization - People", "Organization - Open deals"]  # fmt: skip
    _import(headers, [{"Organization - ID": "3", "Organization - Name": "Dobre Transport"}], "accounts", actor=importer)
    assert list(Account.objects.values_list("name", flat=True)) == ["Dobre Transport"]


def test_google_contacts_imported_as_accounts_read_the_organisation_name(importer):
    _import(GOOGLE, [{"First Name": "Maria", "Organization Name": "Popa SRL"}], "accounts", actor=importer)
    assert list(Account.objects.values_list("name", flat=True)) == ["Popa SRL"]


def test_outlook_imported_as_accounts_prefers_the_company_main_phone(importer):
    _import(
        OUTLOOK,
        [{"Company": "Dacia SA", "Business Phone": "0248 1", "Company Main Phone": "0248 500 000"}],
        "accounts",
        actor=importer,
    )
    account = Account.objects.get()
    assert (account.name, account.main_phone) == ("Dacia SA", "0248 500 000")


# Address lines 2 and 3, joined to the street -----------------------------------------------------


def test_outlooks_business_street_lines_are_joined_into_the_street(sales_manager):
    headers = ["First Name", "Last Name", "Company", "Business Street", "Business Street 2", "Business Street 3",
               "Business City"]
    _import(headers, [{"First Name": "Ana", "Last Name": "Pop", "Company": "Dacia SA",
                       "Business Street": "Str. Fabricii 1", "Business Street 2": "Bloc B",
                       "Business Street 3": "Sc. 2", "Business City": "Pitești"},
                      {"Last Name": "Ion", "Company": "Dacia SA", "Business Street 2": "Hala 3"}],
            actor=sales_manager)
    assert dict(Contact.objects.values_list("last_name", "street")) == {
        "Pop": "Str. Fabricii 1, Bloc B, Sc. 2",
        "Ion": "Hala 3",  # no first line: the second is the street
    }


def test_dynamics_address_street_1_to_3_are_joined_for_accounts(sales_manager):
    headers = ["Account Name", "Address 1: Street 1", "Address 1: Street 3", "Address 1: Street 2"]
    _import(headers, [{"Account Name": "Dacia SA", "Address 1: Street 1": "Str. Uzinei 1",
                       "Address 1: Street 2": "Corp A", "Address 1: Street 3": "Etaj 2"}], "accounts",
            actor=sales_manager)
    assert Account.objects.get().street == "Str. Uzinei 1, Corp A, Etaj 2"  # in their order, whatever the columns'
