"""The admin's Import (preview, then confirm) and Export for accounts and contacts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def admin_import(client, model, data, **fields):
    url = reverse(f"admin:{model}_import")
    payload = {"format": "0", "mode": "upsert", "import_file": SimpleUploadedFile("f.bin", data), **fields}
    return client.post(url, payload)


def test_admin_import_previews_then_confirms_through_the_import_path(client, administrator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(administrator)
    data = xlsx_bytes([["Nume cont", "Număr cont", "Oraș"], ["Dacia", "A-1", "Pitești"], ["Petrom", "P-1", "Ploiești"]])
    preview = admin_import(client, "accounts_account", data)
    assert preview.status_code == 200
    assert not Account.objects.exists()  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.context["form"].errors
    response = client.post(reverse("admin:accounts_account_process_import"), confirm.initial)
    assert response.status_code == 302
    assert sorted(Account.objects.values_list("name", "city")) == [("Dacia", "Pitești"), ("Petrom", "Ploiești")]
    job = ImportJob.objects.get()
    assert (job.source, job.created_count, job.created_by) == ("admin", 2, administrator)


def test_admin_import_preview_shows_row_errors_and_offers_no_confirm(client, administrator):
    client.force_login(administrator)
    data = csv_bytes([["Account Name", "Email"], ["Dacia", "nu-i email"]])
    preview = admin_import(client, "accounts_account", data)
    assert "confirm_form" not in preview.context
    assert "Enter a valid email address." in preview.content.decode()
    assert not Account.objects.exists()


def test_admin_import_refused_file_says_why(client, administrator):
    client.force_login(administrator)
    preview = admin_import(client, "contacts_contact", b"Last Name\r\n")
    assert "header row but no data rows" in preview.content.decode()


def test_admin_import_needs_the_import_permission(client, sales_manager, salesperson):
    from django.contrib.auth.models import Permission

    sales_manager.is_staff = True
    sales_manager.save()
    client.force_login(sales_manager)
    assert client.get(reverse("admin:accounts_account_import")).status_code == 200
    salesperson.is_staff = True
    salesperson.save()
    salesperson.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(salesperson)
    assert client.get(reverse("admin:accounts_account_import")).status_code == 403


def test_admin_import_page_lists_the_fields_in_the_readers_language(client, administrator, settings):
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    page = client.get(reverse("admin:accounts_account_import")).content.decode()
    assert "Nume cont" in page and "Număr cont" in page
    assert "Account Name" not in page


@pytest.mark.parametrize("format_index,reader", [("0", "xlsx"), ("1", "csv"), ("2", "xml")])
def test_admin_export_formats_use_the_importer_labels(client, administrator, format_index, reader):
    AccountFactory(name="=Formula SRL", account_number="A-1", owner=administrator)
    client.force_login(administrator)
    response = client.post(reverse("admin:accounts_account_export"), {"format": format_index, "resource": "0",
                                                                      "accountresource_name": "on",
                                                                      "accountresource_account_number": "on"})
    assert response.status_code == 200, response.content[:500]
    from crm.imports.readers import open_table

    table = open_table(io.BytesIO(response.content))
    assert table.headers == ["Account Name", "Account Number"]
    assert next(table.rows)[1] == ["'=Formula SRL", "A-1"]


def test_admin_export_writes_the_ticked_columns_in_the_importers_order(client, administrator):
    AccountFactory(name="Dacia SA", account_number="A-1", city="Pitești", owner=administrator)
    client.force_login(administrator)
    ticked = {"accountresource_city": "on", "accountresource_owner": "on", "accountresource_name": "on"}
    response = client.post(reverse("admin:accounts_account_export"), {"format": "1", "resource": "0", **ticked})
    assert response.status_code == 200, response.content[:500]
    from crm.imports.readers import open_table

    table = open_table(io.BytesIO(response.content))
    assert table.headers == ["Account Name", "City", "Owner"]
    assert next(table.rows)[1] == ["Dacia SA", "Pitești", administrator.username]


def test_admin_contact_change_keeps_the_one_account_rule(client, administrator):
    home = AccountFactory(name="Dacia SA", owner=administrator)
    other = AccountFactory(name="Petrom SA", owner=administrator)
    contact = ContactFactory(last_name="Pop", account=home, owner=administrator)
    client.force_login(administrator)
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"account": other.pk, "owner": administrator.pk, "last_name": "Pop"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already belongs to the account Dacia SA" in response.content.decode()
    contact.refresh_from_db()
    assert contact.account == home
    data["account"] = home.pk
    data["job_title"] = "Director"
    assert client.post(url, data).status_code == 302
    contact.refresh_from_db()
    assert (contact.job_title, contact.modified_by) == ("Director", administrator)
    assert Contact.objects.count() == 1
