"""No lost updates: every save names the version it read, and a save over a newer change is refused."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from accounts.services import account_set_status, account_update
from contacts.models import Contact
from contacts.services import contact_update
from crm.history.models import ChangeEvent
from crm.imports.engine import ImportOptions, run_import
from crm.imports.readers import open_table
from crm.services import RecordChanged
from invoices.services import invoice_update
from opportunities.services import opportunity_close_as_won, opportunity_update
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, SalesManagerFactory
from tests.imports.conftest import csv_bytes
from tests.invoices.helpers import invoice_post_data, line
from tests.invoices.test_views import make_invoice

pytestmark = pytest.mark.django_db


def copy_of(record):
    """A second user's copy of the record, read now."""
    return type(record).objects.get(pk=record.pk)


def test_a_save_over_a_newer_change_is_refused_and_writes_nothing(salesperson, sales_manager):
    account = AccountFactory(main_phone="021 000 0000", city="Cluj-Napoca")
    first, second = copy_of(account), copy_of(account)
    account_update(account=first, actor=sales_manager, main_phone="021 111 1111")
    with pytest.raises(RecordChanged) as refused:
        account_update(account=second, actor=salesperson, city="Iași")
    assert refused.value.code == "record_changed"
    assert sales_manager.get_full_name() in refused.value.messages[0]
    stored = copy_of(account)
    assert (stored.main_phone, stored.city, stored.version) == ("021 111 1111", "Cluj-Napoca", 2)


def test_a_service_given_a_stale_version_refuses(salesperson):
    account = AccountFactory()
    account_update(account=copy_of(account), actor=salesperson, name="Renamed SRL")
    with pytest.raises(RecordChanged):
        account_update(account=copy_of(account), actor=salesperson, name="Again SRL", version=1)
    saved = account_update(account=copy_of(account), actor=salesperson, name="Again SRL", version=2)
    assert (saved.name, saved.version) == ("Again SRL", 3)


def test_a_save_writes_only_the_fields_that_changed(salesperson):
    account = AccountFactory(city="Cluj-Napoca", main_phone="021")
    stale = copy_of(account)
    # A write that does not go through the services (a bulk fix-up in SQL) leaves the version alone.
    Account.objects.filter(pk=account.pk).update(city="Brașov")
    account_update(account=stale, actor=salesperson, main_phone="022")
    stored = copy_of(account)
    assert (stored.main_phone, stored.city) == ("022", "Brașov")
    event = ChangeEvent.objects.filter(record_id=account.pk).latest("pk")
    assert set(event.changes) == {"main_phone"}


def test_status_changes_and_workflows_check_the_version(salesperson, sales_manager):
    account = AccountFactory(owner=salesperson)
    stale = copy_of(account)
    account_update(account=copy_of(account), actor=sales_manager, city="Sibiu")
    with pytest.raises(RecordChanged):
        account_set_status(account=stale, status="inactive", actor=salesperson)
    opportunity = OpportunityFactory(owner=salesperson)
    stale = copy_of(opportunity)
    opportunity_update(opportunity=copy_of(opportunity), actor=sales_manager, probability=70)
    with pytest.raises(RecordChanged):
        opportunity_close_as_won(opportunity=stale, actual_revenue=Decimal("5"), actor=salesperson)
    assert copy_of(opportunity).is_open


def test_a_workflow_brings_the_callers_copy_to_the_new_version(salesperson):
    opportunity = OpportunityFactory(owner=salesperson)
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("5"), actor=salesperson)
    assert opportunity.version == 2 and not opportunity.is_open


def test_invoice_lines_are_part_of_the_invoice_version(salesperson, sales_manager):
    invoice = make_invoice(salesperson)
    stale = copy_of(invoice)
    invoice_update(invoice=copy_of(invoice), actor=sales_manager, lines=[
        {"description": "Găzduire", "quantity": Decimal("3"), "unit_price": Decimal("1500.00"),
         "discount": Decimal("0"), "tax_rate": Decimal("19")},
    ])
    with pytest.raises(RecordChanged):
        invoice_update(invoice=stale, actor=salesperson, lines=[
            {"description": "Găzduire", "quantity": Decimal("1"), "unit_price": Decimal("1500.00"),
             "discount": Decimal("0"), "tax_rate": Decimal("19")},
        ])
    assert list(invoice.lines.values_list("quantity", flat=True)) == [Decimal("3")]


def _account_form(account, **overrides):
    """The account's edit form as a browser posts it: each field, the value it was opened with, the version."""
    fields = {"name": account.name, "relationship_type": account.relationship_type, "currency": account.currency,
              "main_phone": account.main_phone, "city": account.city}
    data = {**fields, **{f"initial-{name}": value for name, value in fields.items()}, "version": account.version}
    data.update(overrides)
    return data


def test_the_edit_form_shows_who_changed_the_record_and_both_values(client, salesperson):
    manager = SalesManagerFactory(first_name="Maria", last_name="Ionescu")
    account = AccountFactory(name="Petrom SA", main_phone="021 000 0000", city="Cluj-Napoca")
    client.force_login(salesperson)
    opened = _account_form(account)  # what the salesperson's form holds when they open it
    account_update(account=copy_of(account), actor=manager, main_phone="021 111 1111")

    response = client.post(reverse("accounts:edit", args=[account.pk]), {**opened, "city": "Iași"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "was changed by Maria Ionescu" in html
    # Only the city is the user's change, and the manager did not touch it: no field was changed by both.
    assert response.context["form"].conflict == []
    assert copy_of(account).city == "Cluj-Napoca"
    # The form now shows the manager's phone, and carries it as the value it was opened with, and the version.
    assert 'value="021 111 1111"' in html and f'name="version" value="{copy_of(account).version}"' in html
    form = response.context["form"]
    again = client.post(reverse("accounts:edit", args=[account.pk]), form.data)
    assert again.status_code == 302
    stored = copy_of(account)
    # Saving again keeps the user's city and the manager's phone.
    assert (stored.city, stored.main_phone, stored.version) == ("Iași", "021 111 1111", 3)


def test_a_field_both_changed_is_listed_and_saving_again_keeps_the_users(client, salesperson, sales_manager):
    account = AccountFactory(name="Petrom SA", main_phone="021 000 0000", city="Ploiești")
    client.force_login(salesperson)
    opened = _account_form(account)
    account_update(account=copy_of(account), actor=sales_manager, city="Câmpina", main_phone="021 222 2222")
    response = client.post(reverse("accounts:edit", args=[account.pk]), {**opened, "city": "Iași"})
    assert response.context["form"].conflict == [{"label": "City", "theirs": "Câmpina", "mine": "Iași"}]
    client.post(reverse("accounts:edit", args=[account.pk]), response.context["form"].data)
    stored = copy_of(account)
    assert (stored.city, stored.main_phone) == ("Iași", "021 222 2222")


def test_an_edit_form_without_a_version_is_refused(client, salesperson):
    contact = ContactFactory(last_name="Pop")
    client.force_login(salesperson)
    response = client.post(
        reverse("contacts:edit", args=[contact.pk]),
        {"first_name": "Ana", "last_name": "Pop Nou", "preferred_contact_method": "any"},
    )
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    assert copy_of(contact).last_name == "Pop"


def test_invoice_edit_form_refuses_lines_changed_by_someone_else(client, salesperson, sales_manager):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    opened_version = invoice.version
    invoice_update(invoice=copy_of(invoice), actor=sales_manager, name="Changed by the manager")
    response = client.post(
        reverse("invoices:edit", args=[invoice.pk]),
        invoice_post_data(
            invoice_number=invoice.invoice_number, account=invoice.account_id, version=opened_version,
            initial_forms=1, lines=[line(description="Găzduire", quantity="9", unit_price="1500.00")],
        ),
    )
    assert response.status_code == 200
    assert "was changed by" in response.content.decode()
    rows = {row["label"]: row for row in response.context["form"].conflict}
    assert rows["Line items"]["mine"] == "Găzduire × 9 @ 1500.00"
    assert list(invoice.lines.values_list("quantity", flat=True)) != [Decimal("9")]
    assert copy_of(invoice).name == "Changed by the manager"


@pytest.mark.parametrize(
    "command",
    [
        "status",
        "reassign",
        "close_won",
        "reopen",
        "mark_paid",
        "cancel",
        "remove_contact",
        "delete_account",
        "delete_contact",
        "delete_opportunity",
        "delete_invoice",
    ],
)
def test_commands_posted_from_a_stale_page_are_refused(client, sales_manager, command):
    client.force_login(sales_manager)
    other = SalesManagerFactory()
    if command in ("status", "reassign"):
        record = AccountFactory()
        url = reverse("accounts:set_status" if command == "status" else "accounts:reassign", args=[record.pk])
        data = {"status": "inactive"} if command == "status" else {"owner": other.pk}
    elif command in ("close_won", "reopen"):
        record = OpportunityFactory()
        if command == "reopen":
            opportunity_close_as_won(opportunity=record, actual_revenue=Decimal("1"), actor=sales_manager)
        url = reverse(f"opportunities:{command}", args=[record.pk])
        data = {"actual_revenue": "10", "close_date": "2026-11-30"}
    elif command.startswith("delete_"):
        kind = command.removeprefix("delete_")
        if kind == "account":
            record = AccountFactory()
            ContactFactory(account=record)  # detached by a delete: must stay attached when the delete is refused
        elif kind == "contact":
            record = ContactFactory(account=AccountFactory())
        elif kind == "opportunity":
            record = OpportunityFactory()
        else:
            record = make_invoice(sales_manager)
        url = reverse(f"{record._meta.app_label}:delete", args=[record.pk])
        data = {}
    elif command in ("mark_paid", "cancel"):
        record = make_invoice(sales_manager)
        url = reverse(f"invoices:{command}", args=[record.pk])
        data = {"paid_date": "2026-11-30"}
    else:
        account = AccountFactory()
        record = ContactFactory(account=account)
        url = reverse("accounts:contact_remove", args=[account.pk, record.pk])
        data = {}
    shown = record.version
    type(record).objects.filter(pk=record.pk).update(description="Changed meanwhile", version=shown + 1)
    before = type(record).objects.values().get(pk=record.pk)
    related_before = _related_rows(record)
    response = client.post(url, {**data, "version": shown}, follow=True)
    assert "after you opened it. Nothing was done" in response.content.decode()
    assert type(record).objects.values().get(pk=record.pk) == before
    assert _related_rows(record) == related_before


def _related_rows(record):
    """The rows a command may change beside the record itself: an account's contacts, an invoice's lines."""
    if isinstance(record, Account):
        return list(record.contacts.values("pk", "account_id", "version"))
    if hasattr(record, "lines"):
        return list(record.lines.values())
    return []


def test_the_admin_refuses_a_stale_change_form(client, administrator):
    contact = ContactFactory(last_name="Pop")
    client.force_login(administrator)
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    form = client.get(url).context["adminform"].form
    assert form["version"].value() == contact.version
    contact_update(contact=copy_of(contact), actor=administrator, last_name="Pop-Manager")
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"first_name": contact.first_name, "last_name": "Pop-Admin", "owner": contact.owner_id,
                 "preferred_contact_method": "any", "status": "active", "version": 1})
    response = client.post(url, data, follow=True)
    assert "after you opened it" in response.content.decode()
    assert copy_of(contact).last_name == "Pop-Manager"


def test_an_import_update_raises_the_version(sales_manager):
    contact = ContactFactory(email="ana@example.ro", job_title="")
    table = open_table(io.BytesIO(csv_bytes([["Email", "Last Name", "Job Title"], ["ana@example.ro", "Pop", "CFO"]])))
    run_import(table=table, options=ImportOptions(target="contacts"), actor=sales_manager)
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.job_title, stored.version) == ("CFO", contact.version + 1)


def test_side_effects_on_other_records_say_who_changed_them(salesperson, sales_manager):
    from accounts.services import account_delete

    parent = AccountFactory(owner=sales_manager)
    child = AccountFactory(parent_account=parent)
    contact = ContactFactory(account=parent)
    account_delete(account=parent, actor=sales_manager)
    for record in (copy_of(child), copy_of(contact)):
        assert (record.version, record.modified_by) == (2, sales_manager)


@pytest.mark.parametrize("kind", ["account", "contact", "opportunity", "invoice"])
def test_the_delete_dialog_and_confirmation_page_post_the_version_shown(client, sales_manager, kind):
    """The version a delete is checked against comes from the page: the Summary's dialog and the no-JS page."""
    client.force_login(sales_manager)
    factories = {"account": AccountFactory, "contact": ContactFactory, "opportunity": OpportunityFactory}
    record = factories[kind]() if kind in factories else make_invoice(sales_manager)
    delete_url = reverse(f"{record._meta.app_label}:delete", args=[record.pk])
    for page in (record.get_absolute_url(), delete_url):
        html = client.get(page).content.decode()
        forms = [
            found
            for found in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
            if f'action="{delete_url}"' in found or (page == delete_url and "btn-outline-danger" in found)
        ]
        assert forms, page
        assert all(f'name="version" value="{record.version}"' in found for found in forms), page
