"""The contact pages: permissions per role, the form and its one-account rule, the Summary panels, query counts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from contacts.models import Contact
from crm.models import RecordStatus
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ROLE_USERS = ["salesperson", "sales_manager", "administrator"]


@pytest.fixture
def contact(salesperson):
    return ContactFactory(first_name="Ioana", last_name="Mureșan", job_title="Director vânzări", owner=salesperson)


def _urls(contact):
    return [
        ("get", reverse("contacts:list"), {}),
        ("get", reverse("contacts:create"), {}),
        ("post", reverse("contacts:create"), {"last_name": "X"}),
        ("get", reverse("contacts:detail", args=[contact.pk]), {}),
        ("get", reverse("contacts:edit", args=[contact.pk]), {}),
        ("post", reverse("contacts:edit", args=[contact.pk]), {"last_name": "X"}),
        ("get", reverse("contacts:delete", args=[contact.pk]), {}),
        ("post", reverse("contacts:delete", args=[contact.pk]), {}),
        ("post", reverse("contacts:set_status", args=[contact.pk]), {"status": "inactive"}),
        ("get", reverse("contacts:reassign", args=[contact.pk]), {}),
        ("post", reverse("contacts:reassign", args=[contact.pk]), {"owner": contact.owner_id}),
    ]


def _form_data(**overrides):
    data = {"first_name": "Andrei", "last_name": "Stănescu", "preferred_contact_method": "any"}
    data.update(overrides)
    return data


def test_anonymous_visitor_is_sent_to_sign_in_everywhere(client, contact):
    for method, url, data in _urls(contact):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_user_without_a_role_is_refused_everywhere(client, contact, user_without_role):
    client.force_login(user_without_role)
    for method, url, data in _urls(contact):
        assert getattr(client, method)(url, data).status_code == 403, url
    contact.refresh_from_db()
    assert (contact.last_name, contact.status) == ("Mureșan", RecordStatus.ACTIVE)
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("role", ROLE_USERS)
def test_every_role_reads_lists_and_edits_any_contact(client, request, role, other_salesperson):
    user = request.getfixturevalue(role)
    contact = ContactFactory(owner=other_salesperson)
    client.force_login(user)
    for url in [
        reverse("contacts:list"),
        reverse("contacts:create"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    edit = reverse("contacts:edit", args=[contact.pk])
    assert client.post(edit, _form_data(version=contact.version)).status_code == 302
    contact.refresh_from_db()
    assert (contact.last_name, contact.modified_by) == ("Stănescu", user)


# The list


def test_list_shows_the_columns_and_links(client, salesperson, contact):
    account = AccountFactory(name="Ursus Breweries SA", owner=salesperson)
    Contact.objects.filter(pk=contact.pk).update(account=account, email="ioana@ursus.ro", business_phone="0264 111")
    client.force_login(salesperson)
    html = client.get(reverse("contacts:list")).content.decode()
    for header in ["Name", "Job Title", "Account", "Email", "Business Phone", "Owner", "Status"]:
        assert re.search(rf">\s*{header}\s*<", html), header  # sortable or not
    assert f'href="{contact.get_absolute_url()}"' in html and f'href="{account.get_absolute_url()}"' in html
    assert "Ioana Mureșan" in html and "ioana@ursus.ro" in html and "0264 111" in html


def test_list_searches_by_name_email_and_account(client, salesperson, contact):
    ContactFactory(last_name="Georgescu", email="mihai@altfirma.ro", owner=salesperson,
                   account=AccountFactory(name="Altfirma SRL", owner=salesperson))
    client.force_login(salesperson)
    by_name = client.get(reverse("contacts:list"), {"q": "mureș"}).content.decode()
    assert "Ioana Mureșan" in by_name and "Georgescu" not in by_name
    by_account = client.get(reverse("contacts:list"), {"q": "Altfirma"}).content.decode()
    assert "Georgescu" in by_account and "Mureșan" not in by_account
    without_account = client.get(reverse("contacts:list"), {"has_account": "false"}).content.decode()
    assert "Mureșan" in without_account and "Georgescu" not in without_account


@pytest.mark.parametrize("rows", [1, 50])
def test_list_runs_a_fixed_number_of_queries(client, salesperson, django_assert_num_queries, rows):
    for _ in range(rows):
        ContactFactory(account=AccountFactory(owner=salesperson), owner=salesperson)
    client.force_login(salesperson)
    # session, user, user permissions, group permissions, the user's saved views of the list (crm.lists), count,
    # page of contacts with account and owner
    with django_assert_num_queries(7):
        response = client.get(reverse("contacts:list"))
    assert response.status_code == 200


# Create and edit


def test_create_without_account(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("contacts:create"), _form_data(email="andrei@firma.ro"))
    contact = Contact.objects.get()
    assert response.url == contact.get_absolute_url()
    assert (contact.account, contact.owner, contact.email) == (None, salesperson, "andrei@firma.ro")


def test_create_from_an_account_presets_it_and_returns_to_it(client, salesperson):
    account = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    next_url = account.get_absolute_url()
    page = client.get(reverse("contacts:create"), {"account": account.pk, "next": next_url})
    assert page.context["form"].initial["account"] == account.pk
    html = page.content.decode()
    # The account picker holds the account's number and shows its name.
    assert f'name="account" id="id_account_value" value="{account.pk}"' in html
    assert f'id="id_account_label" aria-live="polite" data-empty="None chosen">{escape(account.name)}<' in html
    assert f'name="next" value="{next_url}"' in html
    response = client.post(f"{reverse('contacts:create')}?next={next_url}", _form_data(account=account.pk))
    assert response.url == next_url
    assert Contact.objects.get().account == account


def test_create_ignores_a_next_pointing_elsewhere(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("contacts:create"), _form_data(next="https://evil.example/steal"))
    assert response.url == Contact.objects.get().get_absolute_url()


def test_create_shows_errors_beside_the_fields(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("contacts:create"), _form_data(last_name="", email="not-an-email"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"last_name", "email"}
    html = response.content.decode()
    assert 'id="id_last_name_error"' in html and 'id="id_email_error"' in html
    assert not Contact.objects.exists()


def test_edit_refuses_to_move_a_contact_to_another_account(client, salesperson):
    first = AccountFactory(name="Ursus Breweries SA", owner=salesperson)
    second = AccountFactory(name="Dacia Grup SA", owner=salesperson)
    contact = ContactFactory(first_name="Elena", last_name="Vasilescu", account=first, owner=salesperson)
    client.force_login(salesperson)
    response = client.post(
        reverse("contacts:edit", args=[contact.pk]),
        _form_data(first_name="Elena", last_name="Vasilescu Nouă", account=second.pk, version=contact.version),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["account"]
    assert errors == [
        "Elena Vasilescu already belongs to the account Ursus Breweries SA. A contact can belong to only one "
        "account: remove it from Ursus Breweries SA first."
    ]
    contact.refresh_from_db()
    assert (contact.account, contact.last_name) == (first, "Vasilescu")


def test_edit_can_give_a_free_contact_an_account_and_take_it_away(client, salesperson, contact):
    account = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    client.post(reverse("contacts:edit", args=[contact.pk]), _form_data(account=account.pk, version=contact.version))
    contact.refresh_from_db()
    assert contact.account == account
    client.post(reverse("contacts:edit", args=[contact.pk]), _form_data(account="", version=contact.version))
    contact.refresh_from_db()
    assert contact.account is None


# The Summary tab


def test_detail_shows_the_summary_tab_the_account_link_and_the_panels(client, salesperson, contact):
    account = AccountFactory(name="Ursus Breweries SA", owner=salesperson)
    Contact.objects.filter(pk=contact.pk).update(account=account)
    client.force_login(salesperson)
    html = client.get(contact.get_absolute_url()).content.decode()
    for label in ["Summary", "Recent Opportunities", "Recent Invoices", "Job Title", "Director vânzări"]:
        assert label in html, label
    assert f'<a href="{account.get_absolute_url()}">Ursus Breweries SA</a>' in html
    # The panel lists the recent opportunities; its switch leads to the recent invoices.
    assert 'href="?panel=invoices"' in html
    invoices = client.get(contact.get_absolute_url(), {"panel": "invoices"}).content.decode()
    # No opportunities or invoices yet: nothing more to see than the empty panels say.
    assert f'{reverse("opportunities:list")}?contact={contact.pk}"' not in html
    assert f'{reverse("invoices:list")}?contact={contact.pk}"' not in invoices
    assert f'{reverse("opportunities:create")}?contact={contact.pk}"' in html
    assert f'{reverse("invoices:create")}?contact={contact.pk}"' in invoices


def test_recent_panels_hold_this_contacts_records(client, salesperson, contact):
    for n in range(6):
        OpportunityFactory(account=None, contact=contact, topic=f"Oportunitate {n}", owner=salesperson)
        InvoiceFactory(account=None, contact=contact, name=f"Factura {n}", owner=salesperson,
                       invoice_date=datetime.date(2026, 2, n + 1))
    OpportunityFactory(topic="Alt client", owner=salesperson)
    client.force_login(salesperson)
    response = client.get(contact.get_absolute_url())
    assert response.context["opportunities"]["count"] == 6
    assert [o.topic for o in response.context["opportunities"]["items"]] == [
        f"Oportunitate {n}" for n in (5, 4, 3, 2, 1)
    ]
    assert [i.name for i in response.context["invoices"]["items"]] == [f"Factura {n}" for n in (5, 4, 3, 2, 1)]
    html = response.content.decode()
    invoices = client.get(contact.get_absolute_url(), {"panel": "invoices"}).content.decode()
    assert "See all 6 opportunities" in html and "See all 6 invoices" in invoices and "Alt client" not in html
    assert [(switch["key"], switch["count"]) for switch in response.context["panel_switches"]] == [
        ("opportunities", 6), ("invoices", 6)
    ]


@pytest.mark.parametrize("rows", [1, 50])
def test_detail_runs_a_fixed_number_of_queries(client, salesperson, contact, django_assert_num_queries, rows):
    account = AccountFactory(owner=salesperson)
    Contact.objects.filter(pk=contact.pk).update(account=account)
    for _ in range(rows):
        OpportunityFactory(account=account, contact=contact, owner=salesperson)
        InvoiceFactory(account=account, contact=contact, owner=salesperson)
    client.force_login(salesperson)
    # session, user, the contact with its joins, user permissions, group permissions,
    # opportunities top 5 and count, invoices top 5 and count
    with django_assert_num_queries(9):
        response = client.get(contact.get_absolute_url())
    assert response.status_code == 200


# Status, reassign, delete


def test_deactivate_and_activate(client, salesperson, contact):
    client.force_login(salesperson)
    url = reverse("contacts:set_status", args=[contact.pk])
    client.post(url, {"status": "inactive"})
    contact.refresh_from_db()
    assert contact.status == RecordStatus.INACTIVE
    client.post(url, {"status": "active"})
    contact.refresh_from_db()
    assert contact.status == RecordStatus.ACTIVE


def test_salesperson_reassigns_and_deletes_only_own_contacts(client, salesperson, other_salesperson, contact):
    theirs = ContactFactory(owner=other_salesperson)
    client.force_login(salesperson)
    assert client.get(reverse("contacts:reassign", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("contacts:delete", args=[theirs.pk])).status_code == 403
    html = client.get(theirs.get_absolute_url()).content.decode()
    assert reverse("contacts:delete", args=[theirs.pk]) not in html
    client.post(reverse("contacts:reassign", args=[contact.pk]), {"owner": other_salesperson.pk})
    contact.refresh_from_db()
    assert contact.owner == other_salesperson
    mine = ContactFactory(owner=salesperson)
    assert client.post(reverse("contacts:delete", args=[mine.pk])).url == reverse("contacts:list")
    assert not Contact.objects.filter(pk=mine.pk).exists()
    assert Contact.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("role", ["sales_manager", "administrator"])
def test_manager_and_administrator_reassign_and_delete_any_contact(client, request, other_salesperson, role):
    user = request.getfixturevalue(role)
    theirs = ContactFactory(owner=other_salesperson)
    client.force_login(user)
    client.post(reverse("contacts:reassign", args=[theirs.pk]), {"owner": user.pk})
    theirs.refresh_from_db()
    assert theirs.owner == user
    assert client.post(reverse("contacts:delete", args=[theirs.pk])).status_code == 302
    assert not Contact.objects.filter(pk=theirs.pk).exists()


def test_delete_is_refused_with_the_reason_while_the_contact_has_records(client, salesperson, contact):
    OpportunityFactory(contact=contact, owner=salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("contacts:delete", args=[contact.pk]), follow=True)
    assert response.redirect_chain[-1][0] == contact.get_absolute_url()
    assert "The contact Ioana Mureșan has 1 opportunities and 0 invoices" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_list_offers_export_with_the_current_filters(client, salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("contacts:list"), {"q": "Pop"}).text
    assert f'{reverse("contacts:export")}?q=Pop&amp;format=csv' in page


def test_details_and_related_tabs_of_a_contact(client, salesperson, contact, django_assert_max_num_queries):
    account = AccountFactory(name="Ursus Breweries SA", owner=salesperson)
    Contact.objects.filter(pk=contact.pk).update(account=account, city="Cluj-Napoca")
    OpportunityFactory(account=account, contact=contact, topic="Bere la halbă", owner=salesperson)
    OpportunityFactory(account=account, topic="Altcineva", owner=salesperson)
    client.force_login(salesperson)
    with django_assert_max_num_queries(12):
        details = client.get(reverse("contacts:details", args=[contact.pk]))
    rows = {row["label"]: row for section in details.context["detail_sections"] for row in section["rows"]}
    assert rows["Account"]["url"] == account.get_absolute_url() and rows["City"]["value"] == "Cluj-Napoca"
    with django_assert_max_num_queries(14):
        related = client.get(reverse("contacts:related", args=[contact.pk]))
    html = related.content.decode()
    assert "Bere la halbă" in html and "Altcineva" not in html
    assert [entry["key"] for entry in related.context["related_lists"]] == ["opportunities", "invoices"]
