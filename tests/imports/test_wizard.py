"""The Import Data wizard: upload, map the columns, map the values, review, import; data maps; --map."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import DataMap, ImportJob, ImportState
from tests.factories import AccountFactory, SalesManagerFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

# As Outlook writes its contacts CSV: the honorific "Title" before "Job Title".
OUTLOOK = [
    ["Title", "First Name", "Last Name", "Job Title", "Company", "E-mail Address", "Notes"],
    ["Dr.", "Ana", "Popescu", "Director", "Dacia Grup SA", "ana@dacia.ro", "Met at the fair"],
    ["Mr.", "Ion", "Ionescu", "Buyer", "Dacia Grup SA", "ion@dacia.ro", ""],
]
ACCOUNTS = [
    ["Company", "Sector", "Contact"],
    ["Textile Vest SRL", "Textiles", "office@vest.ro"],
    ["Ferma Verde SRL", "agricultură", "info@ferma.ro"],
    ["Soft Nord SRL", "IT", "hello@nord.ro"],
]


@pytest.fixture(autouse=True)
def dacia(db):
    """The account the contacts' Company column names."""
    return AccountFactory(name="Dacia Grup SA")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, rows, *, target="contacts", name="contacts.csv", step="map"):
    payload = {"target": target, "mode": "upsert", "file": SimpleUploadedFile(name, csv_bytes(rows))}
    if step:
        payload["step"] = step
    return client.post(reverse("imports:start"), payload)


def column_post(response, **changes):
    """The mapping step's form as shown, with ``changes`` ({header: field key}) made."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    for header, key in changes.items():
        index = form.headers.index(header)
        data[f"column_{index}"] = key
    return data


def test_upload_keeps_the_file_and_writes_nothing_until_the_import_starts(client, sales_manager, media):
    client.force_login(sales_manager)
    response = upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:map", args=[job.pk])
    assert job.state == ImportState.DRAFT and job.total_rows == 2
    assert not Contact.objects.exists()
    # The job page sends its importer back into the wizard; the worker has nothing to run.
    assert client.get(job.get_absolute_url()).url == reverse("imports:map", args=[job.pk])


def test_the_mapping_step_shows_each_column_with_its_suggestion_and_why(client, sales_manager, media):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    response = client.get(reverse("imports:map", args=[job.pk]))
    form = response.context["form"]
    chosen = {header: form[f"column_{index}"].value() for index, header in enumerate(form.headers)}
    assert chosen == {
        "Title": "",  # the honorific: Job Title names the field better
        "First Name": "first_name",
        "Last Name": "last_name",
        "Job Title": "job_title",
        "Company": "company_name",
        "E-mail Address": "email",
        "Notes": "description",
    }
    reasons = {row["field"].label: str(row["suggestion"].reason) for row in response.context["rows"]}
    assert reasons["First Name"] == "Same name as the field"
    assert reasons["E-mail Address"] == "A name other programs use for it"
    assert reasons["Company"] == "A guess from a common name"
    html = response.content.decode()
    assert "Dr. · Mr." in html  # the first values of each column


def test_the_importers_mapping_is_the_one_imported(client, sales_manager, media, django_capture_on_commit_callbacks):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    # This file's "Title" holds what the user wants as the job title; "Job Title" and "Notes" are ignored.
    response = client.post(
        reverse("imports:map", args=[job.pk]), column_post(page, **{"Title": "job_title", "Job Title": "", "Notes": ""})
    )
    assert response.status_code == 302 and response.url == reverse("imports:review", args=[job.pk])
    review = client.get(response.url)
    assert review.status_code == 200 and not Contact.objects.exists()
    columns = {column["header"]: column for column in review.context["review"]["columns"]}
    assert columns["Title"]["cells"] == ["Dr.", "Mr."] and "Job Title" in review.context["review"]["ignored"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(response.url)
    assert started.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == ImportState.COMPLETED and job.created_count == 2
    assert dict(Contact.objects.values_list("last_name", "job_title")) == {"Popescu": "Dr.", "Ionescu": "Mr."}
    assert set(Contact.objects.values_list("description", flat=True)) == {""}
    assert client.get(reverse("imports:map", args=[job.pk])).url == job.get_absolute_url()  # started: no remapping


def test_a_required_field_without_a_column_stops_at_the_mapping_step(client, sales_manager, media):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    response = client.post(reverse("imports:map", args=[job.pk]), column_post(page, **{"Last Name": ""}))
    assert response.status_code == 200
    assert "Last Name is required and no column goes to it" in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.DRAFT and job.chosen_columns is None
    assert client.post(reverse("imports:review", args=[job.pk])).url == reverse("imports:map", args=[job.pk])
    assert not Contact.objects.exists()


def test_two_columns_for_one_field_are_refused_naming_both(client, sales_manager, media):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    response = client.post(reverse("imports:map", args=[job.pk]), column_post(page, **{"Title": "job_title"}))
    assert "“Title” and “Job Title” both go to Job Title" in response.content.decode()


def test_values_are_mapped_to_options_with_suggestions(
    client, sales_manager, media, django_capture_on_commit_callbacks
):
    client.force_login(sales_manager)
    upload(client, ACCOUNTS, target="accounts", name="firme.csv")
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    chosen = {row["field"].label: row["field"].value() for row in page.context["rows"]}
    reasons = {row["field"].label: str(row["suggestion"].reason) for row in page.context["rows"]}
    # "Contact" names no account field, but its values are email addresses.
    assert chosen["Contact"] == "email" and reasons["Contact"] == "A guess from the values"
    response = client.post(reverse("imports:map", args=[job.pk]), column_post(page, Sector="industry"))
    assert response.url == reverse("imports:values", args=[job.pk])
    values = client.get(response.url)
    form = values.context["form"]
    suggested = {form[name].label: form[name].value() for name in form.fields}
    # The Romanian label, without its diacritics, is recognised; the others have no option of their name.
    assert suggested == {"Textiles": "", "agricultură": "agriculture", "IT": ""}
    data = {name: form[name].value() for name in form.fields}
    data[next(name for name in form.fields if form[name].label == "IT")] = "software"
    data[next(name for name in form.fields if form[name].label == "Textiles")] = "manufacturing"
    assert client.post(response.url, data).url == reverse("imports:review", args=[job.pk])
    review = client.get(reverse("imports:review", args=[job.pk]))
    industry = next(column for column in review.context["review"]["columns"] if column["header"] == "Sector")
    assert industry["cells"] == ["Manufacturing", "Agriculture", "Software and IT"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:review", args=[job.pk]))
    assert dict(Account.objects.exclude(name="Dacia Grup SA").values_list("name", "industry")) == {
        "Textile Vest SRL": "manufacturing",
        "Ferma Verde SRL": "agriculture",
        "Soft Nord SRL": "software",
    }
    job.refresh_from_db()
    assert job.failed_count == 0 and not job.issues.exists()  # no "not an option" warnings


def test_an_option_that_is_not_one_is_refused(client, sales_manager, media):
    client.force_login(sales_manager)
    upload(client, ACCOUNTS, target="accounts")
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    client.post(reverse("imports:map", args=[job.pk]), column_post(page, Sector="industry"))
    form = client.get(reverse("imports:values", args=[job.pk])).context["form"]
    data = {name: "textiles" for name in form.fields}
    response = client.post(reverse("imports:values", args=[job.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    job.refresh_from_db()
    assert job.chosen_values is None


def test_a_saved_data_map_is_offered_for_the_next_file_with_the_same_headers_and_used_by_the_cli(
    client, sales_manager, media, tmp_path
):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    first = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[first.pk]))
    data = column_post(page, **{"Title": "job_title", "Job Title": ""})
    data["save_as"] = "Outlook, titles as job titles"
    client.post(reverse("imports:map", args=[first.pk]), data)
    data_map = DataMap.objects.get()
    assert (data_map.target, data_map.created_by) == ("contacts", sales_manager)
    assert data_map.columns["Title"] == "job_title" and data_map.columns["Job Title"] == ""

    # Another file with the same headers, in another order: the map is applied by itself.
    reordered = [[row[index] for index in (6, 5, 4, 3, 2, 1, 0)] for row in OUTLOOK]
    upload(client, reordered, name="more.csv")
    second = ImportJob.objects.latest("pk")
    page = client.get(reverse("imports:map", args=[second.pk]))
    assert page.context["applied"] == data_map
    assert "The data map “Outlook, titles as job titles” is applied." in page.content.decode()
    form = page.context["form"]
    assert form[f"column_{form.headers.index('Title')}"].value() == "job_title"

    # The command line: --map NAME imports by it.
    path = tmp_path / "outlook.csv"
    path.write_bytes(csv_bytes(OUTLOOK))
    call_command(
        "import_data",
        "contacts",
        str(path),
        "--map",
        "Outlook, titles as job titles",
        "--user",
        sales_manager.username,
        stdout=open("/dev/null", "w"),
    )
    assert dict(Contact.objects.values_list("last_name", "job_title")) == {"Popescu": "Dr.", "Ionescu": "Mr."}


def test_a_data_map_of_that_name_by_someone_else_is_not_overwritten(client, sales_manager, media):
    DataMap.objects.create(name="Outlook", target="contacts", columns={"x": ""}, created_by=SalesManagerFactory())
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    data = column_post(client.get(reverse("imports:map", args=[job.pk])))
    data["save_as"] = "Outlook"
    response = client.post(reverse("imports:map", args=[job.pk]), data)
    assert "was saved by someone else" in response.content.decode()
    assert DataMap.objects.get().columns == {"x": ""}


def test_only_the_importer_who_uploaded_maps_the_file(client, sales_manager, salesperson, media):
    client.force_login(sales_manager)
    upload(client, OUTLOOK)
    job = ImportJob.objects.get()
    other = SalesManagerFactory()
    client.force_login(other)
    assert client.get(reverse("imports:map", args=[job.pk])).status_code == 404  # not one of theirs
    client.force_login(salesperson)
    assert client.get(reverse("imports:map", args=[job.pk])).status_code == 403


def test_import_now_keeps_the_one_step_upload(client, sales_manager, media, django_capture_on_commit_callbacks):
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, OUTLOOK, step=None)
    job = ImportJob.objects.get()
    assert response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == ImportState.COMPLETED and job.created_count == 2
    assert set(Contact.objects.values_list("job_title", flat=True)) == {"Director", "Buyer"}


def test_the_upload_page_offers_both_ways(client, sales_manager):
    client.force_login(sales_manager)
    html = client.get(reverse("imports:start")).content.decode()
    assert re.search(r'<button type="submit" class="btn btn-primary" name="step" value="map">', html)


def test_the_admin_imports_by_a_data_map_and_corrects_one(client, administrator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data_map = DataMap.objects.create(
        name="Firme",
        target="accounts",
        columns={"Company": "name", "Sector": "industry", "Contact": ""},
        values={"industry": {"IT": "software", "Textiles": "manufacturing"}},
        created_by=administrator,
    )
    client.force_login(administrator)
    payload = {
        "format": "0",
        "mode": "upsert",
        "data_map": data_map.pk,
        "import_file": SimpleUploadedFile("firme.csv", csv_bytes(ACCOUNTS)),
    }
    preview = client.post(reverse("admin:accounts_account_import"), payload)
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.context["form"].errors
    assert client.post(reverse("admin:accounts_account_process_import"), confirm.initial).status_code == 302
    imported = dict(Account.objects.exclude(name="Dacia Grup SA").values_list("name", "industry"))
    # A value the map does not name is read as without one: its Romanian label.
    assert imported == {
        "Textile Vest SRL": "manufacturing",
        "Ferma Verde SRL": "agriculture",
        "Soft Nord SRL": "software",
    }
    assert set(Account.objects.exclude(name="Dacia Grup SA").values_list("email", flat=True)) == {""}  # ignored
    assert ImportJob.objects.get().data_map == data_map

    # The data map's change page checks what is typed in it.
    url = reverse("admin:crm_datamap_change", args=[data_map.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Firme", "target": "accounts", "columns": '{"Company": "nume"}', "values": "{}"}
    )
    assert "These are not fields of this import: nume." in response.content.decode()
    data_map.refresh_from_db()
    assert data_map.columns["Company"] == "name"


@pytest.mark.parametrize("step", ["map", None])
def test_the_encoding_chosen_on_upload_is_the_one_read(
    client, sales_manager, media, step, django_capture_on_commit_callbacks
):
    """A Windows-1250 file read as Windows-1252, because the importer says so: Ş (0xAA) becomes ª."""
    data = "Account Name,City\r\nŞantier Nou SRL,Iaşi\r\n".encode("cp1250")
    client.force_login(sales_manager)
    payload = {
        "target": "accounts",
        "mode": "upsert",
        "encoding": "cp1252",
        "file": SimpleUploadedFile("santier.csv", data),
    }
    if step:
        payload["step"] = step
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:start"), payload)
        job = ImportJob.objects.get()
        assert job.encoding == "cp1252"
        if step:
            page = client.get(response.url)
            assert "ªantier Nou SRL" in page.content.decode()  # the first values, as chosen
            client.post(response.url, column_post(page))
            client.post(reverse("imports:review", args=[job.pk]))
    assert Account.objects.filter(name="ªantier Nou SRL").exists()


def test_the_encoding_recognised_when_none_is_chosen(client, sales_manager, media, django_capture_on_commit_callbacks):
    data = "Account Name,City\r\nŞantier Nou SRL,Iaşi\r\n".encode("cp1250")
    client.force_login(sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:start"),
            {"target": "accounts", "mode": "upsert", "file": SimpleUploadedFile("santier.csv", data)},
        )
    assert Account.objects.filter(name="Șantier Nou SRL").exists()  # comma-below, as stored


def test_the_review_shows_a_weak_encoding_guess_and_reads_the_file_again_as_chosen(
    client, sales_manager, media, django_capture_on_commit_callbacks
):
    data = csv_bytes([["Account Name", "City"], ["Šašek s.r.o.", "Plzeň"]], encoding="cp1250")  # too short to be sure
    client.force_login(sales_manager)
    client.post(
        reverse("imports:start"),
        {"target": "accounts", "mode": "upsert", "step": "map", "file": SimpleUploadedFile("firme.csv", data)},
    )
    job = ImportJob.objects.get()
    client.post(reverse("imports:map", args=[job.pk]), column_post(client.get(reverse("imports:map", args=[job.pk]))))
    review = client.get(reverse("imports:review", args=[job.pk]))
    notice = review.context["encoding"]
    assert notice["weak"] and not notice["chosen"] and notice["candidates"]
    assert "a guess: it could also be" in review.content.decode()
    # The importer reads it as Windows-1252 instead: the rows shown change, and the import reads it so.
    assert client.post(reverse("imports:review", args=[job.pk]), {"encoding": "cp1252"}).status_code == 302
    job.refresh_from_db()
    assert job.encoding == "cp1252" and job.state == ImportState.DRAFT
    review = client.get(reverse("imports:review", args=[job.pk]))
    city = next(column for column in review.context["review"]["columns"] if column["header"] == "City")
    assert city["cells"] == ["Plzeò"]  # ň (0xF2 in Windows-1250) is ò in Windows-1252
    assert "as chosen" in review.content.decode()
    refused = client.post(reverse("imports:review", args=[job.pk]), {"encoding": "ebcdic"}, follow=True)
    assert "is not an encoding this import knows" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:review", args=[job.pk]))
    assert list(Account.objects.exclude(name="Dacia Grup SA").values_list("city", flat=True)) == ["Plzeò"]


def test_street_lines_are_offered_joined_to_the_street(client, sales_manager, media):
    rows = [["Last Name", "Business Street", "Business Street 2"], ["Pop", "Str. Fabricii 1", "Bloc B"]]
    client.force_login(sales_manager)
    upload(client, rows)
    page = client.get(reverse("imports:map", args=[ImportJob.objects.get().pk]))
    form = page.context["form"]
    line_2 = form[f"column_{form.headers.index('Business Street 2')}"]
    assert line_2.value() == "street_2"
    assert ("street_2", "Street 2 (joined to Street)") in line_2.field.choices
    assert ("full_name", "Full Name (split into First Name, Last Name)") in line_2.field.choices


def test_a_column_with_more_values_than_listed_says_so(client, sales_manager, media):
    from crm.imports.wizard import MOST_VALUES

    rows = [["Company", "Sector"]] + [[f"Firma {index}", f"Sector {index}"] for index in range(MOST_VALUES + 5)]
    client.force_login(sales_manager)
    upload(client, rows, target="accounts")
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:map", args=[job.pk]))
    client.post(reverse("imports:map", args=[job.pk]), column_post(page, Sector="industry"))
    values = client.get(reverse("imports:values", args=[job.pk]))
    assert len(values.context["form"].fields) == MOST_VALUES
    assert f"The column has more values than the {MOST_VALUES} listed" in values.content.decode()
