"""Per-row rules of the engine (Full Name split, Google's phones by their label) and what the job keeps of the file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob, ImportRowIssue, ImportState
from crm.imports.values import split_full_name
from tests.factories import AccountFactory
from tests.imports.conftest import csv_bytes, do_import
from tests.imports.test_file_furniture import LINKEDIN, SALESFORCE
from tests.imports.test_readers_encodings_vcard import APPLE_COMPANY
from tests.imports.test_readers_encodings_vcard import GOOGLE as GOOGLE_VCARD
from tests.imports.test_readers_encodings_vcard import ROWS as MAC_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _table(headers, rows):
    return csv_bytes([headers, *[[row.get(header, "") for header in headers] for row in rows]])


# Full Name ------------------------------------------------------------------------------------------------

# Dynamics 365's Export to Excel of the Active Contacts view: its hidden columns, then the view's display names.
DYNAMICS_CONTACTS = ["(Do Not Modify) Contact", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
                     "Full Name", "Account Name", "Email", "Business Phone"]  # fmt: skip


def test_split_full_name_on_the_last_space():
    assert split_full_name("Ana Maria  Pop") == ("Ana Maria", "Pop")
    assert split_full_name("Popescu") == ("", "Popescu")
    assert split_full_name("") == ("", "")


def test_dynamics_contacts_export_with_only_full_name_imports_first_and_last_names(importer):
    AccountFactory(name="Dacia SA")
    data = csv_bytes([
        DYNAMICS_CONTACTS,
        ["c0ffee", "x", "2026-01-01", "Ana Maria Pop", "Dacia SA", "ana@dacia.ro", "021"],
        ["c0ffef", "y", "2026-01-01", "Ionescu", "Dacia SA", "ionescu@dacia.ro", "022"],
    ])  # fmt: skip
    outcome = do_import(data, "contacts", actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0), outcome.issues
    assert outcome.mapping["Full Name"] == "Full Name"
    ana = Contact.objects.get(email="ana@dacia.ro")
    assert (ana.first_name, ana.last_name, ana.account.name) == ("Ana Maria", "Pop", "Dacia SA")
    ionescu = Contact.objects.get(email="ionescu@dacia.ro")
    assert (ionescu.first_name, ionescu.last_name) == ("", "Ionescu")


def test_pipedrive_person_name_is_split_only_where_first_and_last_name_are_empty(importer):
    headers = ["Person - Name", "Person - First name", "Person - Last name", "Person - Email"]
    data = csv_bytes([
        headers,
        ["Elena Dobre", "", "", "elena@dobre.ro"],
        ["Radu Ion Matei", "Radu Ion", "Matei-Popa", "radu@matei.ro"],
    ])  # fmt: skip
    outcome = do_import(data, "contacts", actor=importer)
    assert (outcome.created, outcome.failed) == (2, 0), outcome.issues
    assert Contact.objects.values_list("first_name", "last_name").get(email="elena@dobre.ro") == ("Elena", "Dobre")
    radu = Contact.objects.values_list("first_name", "last_name").get(email="radu@matei.ro")
    assert radu == ("Radu Ion", "Matei-Popa")  # its own columns win


def test_an_error_of_a_split_name_names_the_full_name_column(importer):
    rows = [["Full Name", "Email", "Description"], ["Ana P\x01op", "ana@dacia.ro", "x"]]
    rows += [[f"Ion Pop{index}", f"ion{index}@dacia.ro", "Întâlnire la târg"] for index in range(5)]
    outcome = do_import(csv_bytes(rows), "contacts", actor=importer)
    assert (outcome.created, outcome.failed) == (5, 1) and not Contact.objects.filter(email="ana@dacia.ro").exists()
    assert (outcome.issues[0].row_number, outcome.issues[0].column) == (2, "Full Name")


# Google's phones by their label -------------------------------------------------------------------------------

GOOGLE = ["First Name", "Last Name", "Organization Name", "E-mail 1 - Label", "E-mail 1 - Value",
          "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
          "Phone 3 - Label", "Phone 3 - Value"]  # fmt: skip


def test_google_phones_go_by_their_label_and_a_home_number_is_dropped(importer):
    rows = [
        {"First Name": "Maria", "Last Name": "Popa", "E-mail 1 - Value": "maria@popa.ro",
         "Phone 1 - Label": "Work", "Phone 1 - Value": "+40 21 300 0000",
         "Phone 2 - Label": "* Mobile", "Phone 2 - Value": "+40 722 000 001",
         "Phone 3 - Label": "Home", "Phone 3 - Value": "+40 21 999 9999"},
        # Home first: it never becomes the business phone; Romanian labels; an empty label is a business phone.
        {"First Name": "Ion", "Last Name": "Rusu", "E-mail 1 - Value": "ion@rusu.ro",
         "Phone 1 - Label": "Acasă", "Phone 1 - Value": "+40 21 111 1111",
         "Phone 2 - Label": "mobil", "Phone 2 - Value": "+40 744 000 002",
         "Phone 3 - Label": "", "Phone 3 - Value": "+40 21 222 2222"},
        {"First Name": "Dan", "Last Name": "Vlad", "E-mail 1 - Value": "dan@vlad.ro",
         "Phone 1 - Label": "Home", "Phone 1 - Value": "+40 21 333 3333",
         "Phone 2 - Label": "Serviciu", "Phone 2 - Value": "+40 21 444 4444"},
    ]  # fmt: skip
    outcome = do_import(_table(GOOGLE, rows), "contacts", actor=importer)
    assert (outcome.created, outcome.failed) == (3, 0), outcome.issues
    phones = dict(Contact.objects.values_list("email", "business_phone"))
    mobiles = dict(Contact.objects.values_list("email", "mobile_phone"))
    assert phones == {"maria@popa.ro": "+40 21 300 0000", "ion@rusu.ro": "+40 21 222 2222",
                      "dan@vlad.ro": "+40 21 444 4444"}  # fmt: skip
    assert mobiles == {"maria@popa.ro": "+40 722 000 001", "ion@rusu.ro": "+40 744 000 002", "dan@vlad.ro": ""}
    assert not Contact.objects.filter(business_phone__in=["+40 21 999 9999", "+40 21 111 1111"]).exists()
    assert "Phone 1 - Value" in outcome.mapping and "Phone 1 - Label" not in outcome.ignored_columns


def test_a_phone_of_a_better_header_is_not_overwritten_by_a_typed_pair(importer):
    headers = ["Last Name", "Email", "Business Phone", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
               "Phone 2 - Value"]  # fmt: skip
    data = csv_bytes([
        headers,
        ["Popa", "popa@x.ro", "021 000", "Work", "021 111", "Work", "021 222"],
        ["Rusu", "rusu@x.ro", "", "Work", "021 333", "Work", "021 444"],
    ])  # fmt: skip
    outcome = do_import(data, "contacts", actor=importer)
    assert outcome.created == 2, outcome.issues
    assert dict(Contact.objects.values_list("last_name", "business_phone")) == {"Popa": "021 000", "Rusu": "021 333"}


def test_a_bad_paired_phone_fails_its_row_naming_the_value_column(importer):
    rows = [{"Last Name": "Popa", "E-mail 1 - Value": "popa@x.ro", "Phone 2 - Label": "Mobile",
             "Phone 2 - Value": "0722\x01001"}]  # fmt: skip
    outcome = do_import(_table(GOOGLE, rows), "contacts", actor=importer)
    assert outcome.failed == 1 and not Contact.objects.exists()
    assert outcome.issues[0].column == "Phone 2 - Value"
    assert outcome.issues[0].message.startswith("Phone 2 - Value: ")


# What the job keeps of the file ------------------------------------------------------------------------------


def _upload(client, data, name, target):
    payload = {"target": target, "mode": "upsert", "file": SimpleUploadedFile(name, data)}
    response = client.post(reverse("imports:start"), payload)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    return job


def _page(client, job, django_assert_max_num_queries):
    # session, user, stale-job update, job, failed rows, skipped rows, rows with warnings, possible duplicates
    with django_assert_max_num_queries(9):
        response = client.get(job.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def run_upload(client, importer, media, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client.force_login(importer)

    def run(data, name, target):
        with django_capture_on_commit_callbacks(execute=True):
            job = _upload(client, data, name, target)
        job.refresh_from_db()
        assert job.state == ImportState.COMPLETED, job.message
        return job, _page(client, job, django_assert_max_num_queries)

    return run


def test_linkedin_job_page_says_the_notes_before_the_header_were_skipped(run_upload):
    AccountFactory(name="Dacia")
    job, page = run_upload(csv_bytes(LINKEDIN), "Connections.csv", "contacts")
    assert job.created_count == 2
    assert job.file_notes["preamble_rows"] == 2 and job.file_notes["header_row"] == 4
    assert "2 lines of notes before the header were skipped." in page
    assert "Read as" not in page  # UTF-8 is not worth a note


def test_salesforce_report_job_page_lists_the_footer_rows(run_upload):
    job, page = run_upload(csv_bytes(SALESFORCE), "report.csv", "accounts")
    assert job.created_count == 2 and Account.objects.count() == 2
    assert job.file_notes["footer_rows"] == [5, 7, 8]
    assert "Footer lines left out: rows 5, 7, 8." in page


def test_mac_roman_job_page_says_how_the_file_was_read(run_upload):
    job, page = run_upload(csv_bytes(MAC_ROWS, encoding="mac_roman"), "conturi.csv", "accounts")
    assert job.file_notes["encoding"] == "Mac Roman"
    assert "Read as Mac Roman." in page
    # A weak guess (a short file) also names the other encodings it could be.
    weak = csv_bytes([["Account Name"], ["Müller GmbH"]], encoding="mac_roman")
    ImportJob.objects.all().delete()
    job, page = run_upload(weak, "scurt.csv", "accounts")
    assert job.file_notes["encoding"] == "Mac Roman" and job.file_notes["encoding_candidates"]
    assert "Mac Roman" not in job.file_notes["encoding_candidates"]
    assert "it could also be: " + ", ".join(job.file_notes["encoding_candidates"]) in page
    assert Account.objects.filter(name="Müller Logistik GmbH").exists()


def test_apple_company_card_imported_as_contacts_is_listed_as_skipped(run_upload):
    AccountFactory(name="Dacia SA")
    job, page = run_upload((GOOGLE_VCARD + APPLE_COMPANY).encode(), "contacts.vcf", "contacts")
    assert (job.created_count, job.skipped_count, job.failed_count) == (1, 1, 0)
    issue = job.issues.get()
    assert (issue.kind, issue.row_number) == (ImportRowIssue.Kind.SKIPPED, 2)
    assert "Construcții Popa-Ionescu S.A." in issue.values
    assert job.file_notes["organisation_rows"] == [2]
    assert "Organisation cards skipped (they are not people): rows 2." in page
    assert Contact.objects.get().last_name == "Marinescu"
    assert not Contact.objects.filter(last_name__contains="Popa").exists()


def test_organisation_cards_are_not_noted_for_an_accounts_import(importer):
    outcome = do_import(APPLE_COMPANY.encode(), "accounts", actor=importer)
    assert outcome.created == 1 and "organisation_rows" not in outcome.file_notes
