"""The account pages: permissions per role, forms, the Summary panels and their query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.models import RecordStatus
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

ROLE_USERS = ["salesperson", "sales_manager", "administrator"]


@pytest.fixture
def account(salesperson):
    return AccountFactory(name="Dacia Grup SA", account_number="ACC-1", owner=salesperson)


def _urls(account, contact):
    """Every account URL with the method that uses it."""
    return [
        ("get", reverse("accounts:list"), {}),
        ("get", reverse("accounts:create"), {}),
        ("post", reverse("accounts:create"), {"name": "X"}),
        ("get", reverse("accounts:detail", args=[account.pk]), {}),
        ("get", reverse("accounts:edit", args=[account.pk]), {}),
        ("post", reverse("accounts:edit", args=[account.pk]), {"name": "X"}),
        ("get", reverse("accounts:delete", args=[account.pk]), {}),
        ("post", reverse("accounts:delete", args=[account.pk]), {}),
        ("post", reverse("accounts:set_status", args=[account.pk]), {"status": "inactive"}),
        ("get", reverse("accounts:reassign", args=[account.pk]), {}),
        ("post", reverse("accounts:reassign", args=[account.pk]), {"owner": account.owner_id}),
        ("get", reverse("accounts:contact_add", args=[account.pk]), {}),
        ("post", reverse("accounts:contact_add", args=[account.pk]), {"contact": contact.pk}),
        ("post", reverse("accounts:contact_remove", args=[account.pk, contact.pk]), {}),
    ]


def test_anonymous_visitor_is_sent_to_sign_in_everywhere(client, account):
    contact = ContactFactory(account=account)
    for method, url, data in _urls(account, contact):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    assert Account.objects.filter(pk=account.pk, status=RecordStatus.ACTIVE).exists()


def test_user_without_a_role_is_refused_everywhere(client, account, user_without_role):
    contact = ContactFactory(account=account)
    client.force_login(user_without_role)
    for method, url, data in _urls(account, contact):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    account.refresh_from_db()
    contact.refresh_from_db()
    assert (account.name, account.status, contact.account_id) == ("Dacia Grup SA", RecordStatus.ACTIVE, account.pk)
    assert Account.objects.count() == 1


@pytest.mark.parametrize("role", ROLE_USERS)
def test_every_role_reads_lists_and_edits_any_account(client, request, role):
    user = request.getfixturevalue(role)
    account = AccountFactory(name="Petrom SA", owner=SalespersonFactory())
    client.force_login(user)
    for url in [
        reverse("accounts:list"),
        reverse("accounts:create"),
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("accounts:contact_add", args=[account.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("accounts:edit", args=[account.pk]), {"name": "Petrom SA Nou", "currency": "RON",
                                                                          "relationship_type": "customer",
                                                                          "version": account.version})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Petrom SA Nou"
    assert account.modified_by == user


# The list


def test_list_shows_the_columns_and_links_to_the_record(client, salesperson, account):
    primary = ContactFactory(first_name="Ioana", last_name="Mureșan", account=account)
    Account.objects.filter(pk=account.pk).update(primary_contact=primary, main_phone="+40 21 000 1111")
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"))
    html = response.content.decode()
    for header in ["Account Name", "Account Number", "Main Phone", "City", "Primary contact", "Owner", "Status"]:
        assert header in html
    assert f'href="{account.get_absolute_url()}"' in html
    assert f'href="{primary.get_absolute_url()}"' in html
    assert "ACC-1" in html and "+40 21 000 1111" in html and "Ioana Mureșan" in html
    assert "Accounts" in html


def test_list_searches_filters_and_sorts(client, salesperson, account):
    AccountFactory(name="Zeta Soft SRL", owner=SalespersonFactory(), status=RecordStatus.INACTIVE, city="Iași")
    client.force_login(salesperson)
    found = client.get(reverse("accounts:list"), {"q": "zeta"}).content.decode()
    assert "Zeta Soft SRL" in found and "Dacia Grup SA" not in found
    mine = client.get(reverse("accounts:list"), {"scope": "mine"}).content.decode()
    assert "Dacia Grup SA" in mine and "Zeta Soft SRL" not in mine
    inactive = client.get(reverse("accounts:list"), {"status": "inactive"}).content.decode()
    assert "Zeta Soft SRL" in inactive and "Dacia Grup SA" not in inactive
    descending = client.get(reverse("accounts:list"), {"sort": "-name"}).content.decode()
    assert descending.index("Zeta Soft SRL") < descending.index("Dacia Grup SA")


def test_list_answers_htmx_with_the_results_only(client, salesperson, account):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"), {"q": "Dacia"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Dacia Grup SA" in html and "<nav" not in html


@pytest.mark.parametrize("rows", [1, 50])
def test_list_runs_a_fixed_number_of_queries(client, salesperson, django_assert_num_queries, rows):
    for _ in range(rows):
        account = AccountFactory(owner=salesperson)
        contact = ContactFactory(account=account, owner=salesperson)
        Account.objects.filter(pk=account.pk).update(primary_contact=contact)
    client.force_login(salesperson)
    # session, user, user permissions, group permissions, the user's saved views of the list (crm.lists), count,
    # page of accounts with owner and primary contact
    with django_assert_num_queries(7):
        response = client.get(reverse("accounts:list"))
    assert response.status_code == 200


# Create and edit


def _form_data(**overrides):
    data = {"name": "Bitdefender SRL", "relationship_type": "customer", "currency": "RON"}
    data.update(overrides)
    return data


def test_create_saves_through_the_service_with_the_user_as_owner(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("accounts:create"), _form_data(account_number="BD-1", city="București"))
    account = Account.objects.get()
    assert response.status_code == 302 and response.url == account.get_absolute_url()
    assert (account.owner, account.created_by, account.city) == (salesperson, salesperson, "București")


def test_create_form_offers_no_primary_contact(client, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:create"))
    assert "primary_contact" not in response.context["form"].fields
    assert "Account Name" in response.content.decode()


def test_create_shows_errors_beside_the_fields(client, salesperson, account):
    client.force_login(salesperson)
    response = client.post(reverse("accounts:create"), _form_data(name="", account_number="acc-1"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors
    assert form.errors["account_number"] == ["An account with this account number already exists."]
    html = response.content.decode()
    assert 'id="id_account_number_error"' in html and 'id="id_name_error"' in html
    assert Account.objects.count() == 1


def test_edit_refuses_a_parent_cycle(client, salesperson, account):
    child = AccountFactory(parent_account=account, owner=salesperson)
    client.force_login(salesperson)
    response = client.post(
        reverse("accounts:edit", args=[account.pk]), _form_data(parent_account=child.pk, version=account.version)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent_account"] == ["An account cannot be its own parent or ancestor."]
    account.refresh_from_db()
    assert account.parent_account is None


def test_edit_offers_only_this_accounts_contacts_as_primary_contact(client, salesperson, account):
    own = ContactFactory(account=account)
    stranger = ContactFactory(account=AccountFactory())
    client.force_login(salesperson)
    form = client.get(reverse("accounts:edit", args=[account.pk])).context["form"]
    assert list(form.fields["primary_contact"].queryset) == [own]
    assert account not in form.fields["parent_account"].queryset
    edit = reverse("accounts:edit", args=[account.pk])
    refused = client.post(edit, _form_data(primary_contact=stranger.pk, version=account.version))
    assert "primary_contact" in refused.context["form"].errors
    client.post(edit, _form_data(primary_contact=own.pk, version=account.version))
    account.refresh_from_db()
    assert account.primary_contact == own


# The Summary tab


def test_detail_shows_the_summary_tab_and_its_panels(client, salesperson, account):
    contact = ContactFactory(first_name="Radu", last_name="Ionescu", job_title="Director", account=account)
    client.force_login(salesperson)
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    for label in ["Summary", "Details", "Related", "Contacts", "More commands", "New Contact", "Add Existing Contact",
                  "Recent Opportunities", "Recent Invoices", "Remove from account"]:
        assert label in html, label
    # The customer panel lists the contacts; its switches lead to the recent opportunities and invoices.
    assert 'href="?panel=opportunities"' in html and 'href="?panel=invoices"' in html
    assert "New Opportunity" not in html
    for panel, command in [("opportunities", "New Opportunity"), ("invoices", "New Invoice")]:
        switched = client.get(reverse("accounts:detail", args=[account.pk]), {"panel": panel}).content.decode()
        assert command in switched and "More commands" not in switched, panel
    assert "Radu Ionescu" in html and "Director" in html
    new_contact = f"{reverse('contacts:create')}?account={account.pk}&amp;next=/accounts/{account.pk}/"
    assert new_contact in html
    assert f'href="{reverse("accounts:contact_add", args=[account.pk])}"' in html
    assert f'action="{reverse("accounts:contact_remove", args=[account.pk, contact.pk])}"' in html
    # No opportunities or invoices yet: nothing more to see than the empty panels say.
    opportunities = client.get(reverse("accounts:detail", args=[account.pk]), {"panel": "opportunities"})
    invoices = client.get(reverse("accounts:detail", args=[account.pk]), {"panel": "invoices"})
    opportunities, invoices = opportunities.content.decode(), invoices.content.decode()
    assert f'{reverse("opportunities:list")}?account={account.pk}"' not in opportunities
    assert f'{reverse("invoices:list")}?account={account.pk}"' not in invoices
    assert f'{reverse("opportunities:create")}?account={account.pk}"' in opportunities
    assert f'{reverse("invoices:create")}?account={account.pk}"' in invoices
    assert "The 5 most recently updated opportunities." in opportunities
    assert "The 5 latest invoices by invoice date." in invoices


def test_recent_panels_show_the_newest_five_and_the_count(client, salesperson, account):
    opportunities = [
        OpportunityFactory(account=account, topic=f"Oportunitate {n}", owner=salesperson) for n in range(7)
    ]
    # The oldest one is touched last, so it becomes the most recently updated.
    opportunities[0].save()
    for n in range(7):
        InvoiceFactory(
            account=account, name=f"Factura {n}", owner=salesperson, invoice_date=datetime.date(2026, 1, n + 1)
        )
    OpportunityFactory(topic="Alt cont")
    client.force_login(salesperson)
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    recent = response.context["opportunities"]
    assert recent["count"] == 7
    assert [o.topic for o in recent["items"]] == ["Oportunitate 0", "Oportunitate 6", "Oportunitate 5",
                                                  "Oportunitate 4", "Oportunitate 3"]
    invoices = response.context["invoices"]
    assert invoices["count"] == 7
    assert [i.name for i in invoices["items"]] == [f"Factura {n}" for n in (6, 5, 4, 3, 2)]
    opportunities_panel = client.get(
        reverse("accounts:detail", args=[account.pk]), {"panel": "opportunities"}
    ).content.decode()
    invoices_panel = client.get(reverse("accounts:detail", args=[account.pk]), {"panel": "invoices"}).content.decode()
    assert "See all 7 opportunities" in opportunities_panel and "See all 7 invoices" in invoices_panel
    assert "Oportunitate 1<" not in opportunities_panel and "Alt cont" not in opportunities_panel
    # Each switch shows its count whichever list the panel shows.
    assert response.context["panel_switches"] == [
        {"key": "contacts", "label": "Contacts", "count": 0, "current": True},
        {"key": "opportunities", "label": "Recent Opportunities", "count": 7, "current": False},
        {"key": "invoices", "label": "Recent Invoices", "count": 7, "current": False},
    ]


def test_contacts_panel_is_paged_and_answers_htmx_with_the_panel(client, salesperson, account):
    for n in range(12):
        ContactFactory(account=account, last_name=f"Contact{n:02d}", owner=salesperson)
    client.force_login(salesperson)
    first = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Contact09" in first and "Contact10" not in first and "Page 1 of 2" in first
    assert 'href="?contacts_page=2"' in first
    second = client.get(
        reverse("accounts:detail", args=[account.pk]), {"contacts_page": 2},
        headers={"HX-Request": "true", "HX-Target": "contacts-panel"},
    ).content.decode()
    assert second.lstrip().startswith('<section class="card panel card-table" id="contacts-panel"')
    assert "Contact10" in second and "Contact11" in second and "Contact09" not in second
    assert "Recent Opportunities" not in second


def test_detail_of_an_unknown_account_is_404(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("accounts:detail", args=[999])).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_detail_runs_a_fixed_number_of_queries(client, salesperson, account, django_assert_num_queries, rows):
    contacts = ContactFactory.create_batch(rows, account=account, owner=salesperson)
    parent = AccountFactory(owner=salesperson)
    Account.objects.filter(pk=account.pk).update(primary_contact=contacts[0], parent_account=parent)
    for contact in contacts:
        OpportunityFactory(account=account, contact=contact, owner=salesperson)
        InvoiceFactory(account=account, contact=contact, owner=salesperson)
    client.force_login(salesperson)
    # session, user, the account with its joins, user permissions, group permissions,
    # contacts count and page, opportunities top 5 and count, invoices top 5 and count
    with django_assert_num_queries(11):
        response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200


# Add Existing Contact, Remove from account


def test_add_existing_contact_searches_by_name_and_email(client, salesperson, account):
    ContactFactory(first_name="Elena", last_name="Vasilescu", email="elena@firma.ro")
    ContactFactory(first_name="Mihai", last_name="Georgescu", email="mihai@altfirma.ro")
    client.force_login(salesperson)
    url = reverse("accounts:contact_add", args=[account.pk])
    by_name = client.get(url, {"q": "vasil"}).content.decode()
    assert "Elena Vasilescu" in by_name and "Mihai Georgescu" not in by_name
    by_email = client.get(url, {"q": "altfirma"}, headers={"HX-Request": "true"}).content.decode()
    assert by_email.lstrip().startswith('<div id="lookup-results"')
    assert "Mihai Georgescu" in by_email and "Elena" not in by_email


def test_add_existing_contact_attaches_a_free_contact(client, salesperson, account):
    contact = ContactFactory(first_name="Elena", last_name="Vasilescu")
    client.force_login(salesperson)
    response = client.post(reverse("accounts:contact_add", args=[account.pk]), {"contact": contact.pk}, follow=True)
    contact.refresh_from_db()
    assert contact.account == account
    assert response.redirect_chain[-1][0] == account.get_absolute_url()
    assert "Elena Vasilescu was added to the account Dacia Grup SA." in response.content.decode()


def test_add_existing_contact_refuses_a_contact_of_another_account(client, salesperson, account):
    other = AccountFactory(name="Ursus Breweries SA")
    contact = ContactFactory(first_name="Elena", last_name="Vasilescu", account=other)
    client.force_login(salesperson)
    response = client.post(reverse("accounts:contact_add", args=[account.pk]), {"contact": contact.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Elena Vasilescu already belongs to the account Ursus Breweries SA." in html
    # The error links the other account.
    assert f'<a class="alert-link" href="{other.get_absolute_url()}">Open Ursus Breweries SA</a>' in html
    contact.refresh_from_db()
    assert contact.account == other


def test_add_existing_contact_shows_the_account_of_a_taken_contact_instead_of_add(client, salesperson, account):
    other = AccountFactory(name="Ursus Breweries SA")
    taken = ContactFactory(first_name="Elena", last_name="Vasilescu", account=other)
    free = ContactFactory(first_name="Elena", last_name="Zamfir")
    client.force_login(salesperson)
    html = client.get(reverse("accounts:contact_add", args=[account.pk]), {"q": "elena"}).content.decode()
    # The free contact comes first, with its Add button; the taken one names its account, linked, and why.
    assert html.index("Elena Zamfir") < html.index("Elena Vasilescu")
    assert f'<input type="hidden" name="contact" value="{free.pk}">' in html
    assert f'<input type="hidden" name="contact" value="{taken.pk}">' not in html
    assert f'Already on <a href="{other.get_absolute_url()}">Ursus Breweries SA</a>' in html
    assert "A contact can belong to only one account." in html


def test_add_existing_contact_from_the_dialog_answers_htmx(client, salesperson, account):
    free = ContactFactory(first_name="Elena", last_name="Zamfir")
    taken = ContactFactory(first_name="Ion", last_name="Pop", account=AccountFactory(name="Ursus Breweries SA"))
    client.force_login(salesperson)
    url = reverse("accounts:contact_add", args=[account.pk])
    added = client.post(url, {"contact": free.pk}, headers={"HX-Request": "true"})
    assert added.status_code == 204 and added["HX-Redirect"] == account.get_absolute_url()
    # A refusal (the contact was taken meanwhile) is shown in the dialog: htmx swaps only a 200.
    refused = client.post(url, {"contact": taken.pk, "q": "pop"}, headers={"HX-Request": "true"})
    html = refused.content.decode()
    assert refused.status_code == 200 and html.lstrip().startswith('<div id="lookup-results"')
    assert "Ion Pop already belongs to the account Ursus Breweries SA." in html
    free.refresh_from_db(), taken.refresh_from_db()
    assert free.account == account and taken.account.name == "Ursus Breweries SA"


def test_the_account_page_holds_the_lookup_dialog_for_those_who_may_change_it(client, salesperson, account):
    client.force_login(salesperson)
    html = client.get(account.get_absolute_url()).content.decode()
    assert 'id="add-existing-contact"' in html and 'data-bs-target="#add-existing-contact"' in html


def test_remove_from_account_keeps_the_contact_without_account(client, salesperson, account):
    contact = ContactFactory(account=account)
    Account.objects.filter(pk=account.pk).update(primary_contact=contact)
    client.force_login(salesperson)
    response = client.post(reverse("accounts:contact_remove", args=[account.pk, contact.pk]))
    assert response.status_code == 302 and response.url == account.get_absolute_url()
    contact.refresh_from_db()
    account.refresh_from_db()
    assert contact.account is None and account.primary_contact is None


def test_remove_from_account_with_htmx_returns_the_panel(client, salesperson, account):
    contact = ContactFactory(account=account, last_name="Plecat")
    ContactFactory(account=account, last_name="Rămas")
    client.force_login(salesperson)
    response = client.post(
        reverse("accounts:contact_remove", args=[account.pk, contact.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card panel card-table" id="contacts-panel"')
    assert "Rămas" in html and "was removed from the account" in html
    assert not Contact.objects.filter(pk=contact.pk, account=account).exists()


def test_remove_a_contact_of_another_account_is_404(client, salesperson, account):
    contact = ContactFactory(account=AccountFactory())
    client.force_login(salesperson)
    assert client.post(reverse("accounts:contact_remove", args=[account.pk, contact.pk])).status_code == 404
    contact.refresh_from_db()
    assert contact.account is not None


def test_remove_from_account_without_javascript_asks_first(client, salesperson, account):
    contact = ContactFactory(account=account, first_name="Radu", last_name="Ionescu")
    client.force_login(salesperson)
    url = reverse("accounts:contact_remove", args=[account.pk, contact.pk])
    html = client.get(f"{url}?contacts_page=2").text
    assert f"Remove Radu Ionescu from the account {account.name}?" in html
    assert '<form method="post" class="card confirm-page">' in html
    assert f'name="version" value="{contact.version}"' in html and 'name="contacts_page" value="2"' in html
    assert f'href="{account.get_absolute_url()}">Back</a>' in html
    contact.refresh_from_db()
    assert contact.account == account
    response = client.post(url, {"version": contact.version, "contacts_page": 2})
    assert response.status_code == 302 and response.url == account.get_absolute_url()
    contact.refresh_from_db()
    assert contact.account is None


def test_remove_from_account_keeps_the_row_version_check(client, salesperson, account):
    contact = ContactFactory(account=account)
    client.force_login(salesperson)
    url = reverse("accounts:contact_remove", args=[account.pk, contact.pk])
    client.post(url, {"version": contact.version + 1}, follow=True)
    contact.refresh_from_db()
    assert contact.account == account


def test_remove_from_account_opens_a_dialog_in_the_panel(client, salesperson, account):
    contact = ContactFactory(account=account)
    client.force_login(salesperson)
    html = client.get(account.get_absolute_url()).text
    url = reverse("accounts:contact_remove", args=[account.pk, contact.pk])
    assert f'href="{url}?contacts_page=1" data-confirm="confirm-remove-{contact.pk}"' in html
    assert f'<dialog id="confirm-remove-{contact.pk}" class="confirm-dialog"' in html
    assert f'hx-post="{url}" hx-target="#contacts-panel"' in html
    assert "js/confirm.js" in html


# Status, reassign, delete


def test_deactivate_and_activate(client, salesperson, account):
    client.force_login(salesperson)
    url = reverse("accounts:set_status", args=[account.pk])
    html = client.get(url).text  # without JavaScript, Deactivate asks first
    assert f"Deactivate {account.name}?" in html and 'name="status" value="inactive"' in html
    account.refresh_from_db()
    assert account.status == RecordStatus.ACTIVE
    assert 'data-confirm="confirm-deactivate"' in client.get(account.get_absolute_url()).text
    client.post(url, {"status": "inactive"})
    account.refresh_from_db()
    assert account.status == RecordStatus.INACTIVE
    html = client.get(account.get_absolute_url()).content.decode()
    assert "Activate" in html
    client.post(url, {"status": "active"})
    account.refresh_from_db()
    assert account.status == RecordStatus.ACTIVE
    client.post(url, {"status": "archived"})
    account.refresh_from_db()
    assert account.status == RecordStatus.ACTIVE


def test_salesperson_reassigns_and_deletes_only_own_accounts(client, salesperson, other_salesperson, account):
    theirs = AccountFactory(owner=other_salesperson)
    client.force_login(salesperson)
    assert client.get(reverse("accounts:reassign", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("accounts:reassign", args=[theirs.pk]), {"owner": salesperson.pk}).status_code == 403
    assert client.post(reverse("accounts:delete", args=[theirs.pk])).status_code == 403
    html = client.get(theirs.get_absolute_url()).content.decode()
    assert reverse("accounts:delete", args=[theirs.pk]) not in html
    assert reverse("accounts:reassign", args=[theirs.pk]) not in html
    response = client.post(reverse("accounts:reassign", args=[account.pk]), {"owner": other_salesperson.pk})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.owner == other_salesperson
    theirs.refresh_from_db()
    assert theirs.owner == other_salesperson
    mine = AccountFactory(owner=salesperson)
    assert client.get(reverse("accounts:delete", args=[mine.pk])).status_code == 200
    assert client.post(reverse("accounts:delete", args=[mine.pk])).url == reverse("accounts:list")
    assert not Account.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("role", ["sales_manager", "administrator"])
def test_manager_and_administrator_reassign_and_delete_any_account(client, request, other_salesperson, role):
    user = request.getfixturevalue(role)
    theirs = AccountFactory(owner=other_salesperson)
    client.force_login(user)
    client.post(reverse("accounts:reassign", args=[theirs.pk]), {"owner": user.pk})
    theirs.refresh_from_db()
    assert theirs.owner == user
    other = AccountFactory(owner=other_salesperson)
    contact = ContactFactory(account=other)
    assert client.post(reverse("accounts:delete", args=[other.pk])).status_code == 302
    assert not Account.objects.filter(pk=other.pk).exists()
    contact.refresh_from_db()
    assert contact.account is None


def test_delete_is_refused_with_the_reason_while_the_account_has_records(client, salesperson, account):
    OpportunityFactory(account=account)
    InvoiceFactory(account=account)
    client.force_login(salesperson)
    response = client.post(reverse("accounts:delete", args=[account.pk]), follow=True)
    assert response.redirect_chain[-1][0] == account.get_absolute_url()
    assert (
        "The account Dacia Grup SA has 1 opportunities and 1 invoices, so it cannot be deleted. "
        "Deactivate it instead." in response.content.decode()
    )
    assert Account.objects.filter(pk=account.pk).exists()


def test_reassign_offers_only_active_users(client, salesperson, account):
    gone = SalespersonFactory(is_active=False)
    client.force_login(salesperson)
    response = client.post(reverse("accounts:reassign", args=[account.pk]), {"owner": gone.pk})
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    account.refresh_from_db()
    assert account.owner == salesperson


def test_links_carry_large_ids_unformatted(client, salesperson):
    """Ids past a thousand stay plain digits in query strings (no thousands separator)."""
    account = AccountFactory(pk=1234567, owner=salesperson, annual_revenue=Decimal("63800000.00"))
    client.force_login(salesperson)
    page = client.get(reverse("accounts:detail", args=[account.pk])).text
    assert "?account=1234567" in page
    assert "1,234,567" not in page
    assert "63,800,000.00 RON" in page


def test_list_offers_export_with_the_current_filters_and_import_only_to_managers(client, salesperson, sales_manager):
    client.force_login(salesperson)
    page = client.get(reverse("accounts:list"), {"q": "Petrom"}).text
    assert f'{reverse("accounts:export")}?q=Petrom&amp;format=xlsx' in page
    assert reverse("imports:start") not in page
    client.force_login(sales_manager)
    assert f'{reverse("imports:start")}?target=accounts' in client.get(reverse("accounts:list")).text


def test_a_panel_switch_with_htmx_answers_with_the_customer_panel_only(client, salesperson, account):
    OpportunityFactory(account=account, topic="Servere noi", owner=salesperson)
    client.force_login(salesperson)
    html = client.get(
        reverse("accounts:detail", args=[account.pk]),
        {"panel": "opportunities"},
        headers={"HX-Request": "true", "HX-Target": "customer-panel"},
    ).content.decode()
    assert html.lstrip().startswith('<div class="customer-panel" id="customer-panel">')
    assert "Servere noi" in html and "<h1>" not in html
    assert 'class="nav-link active" aria-current="true" href="?panel=opportunities"' in html


def test_an_unknown_panel_shows_the_contacts(client, salesperson, account):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:detail", args=[account.pk]), {"panel": "<script>"})
    assert response.status_code == 200 and response.context["panel"] == "contacts"


def test_details_tab_lists_every_field_in_its_section(client, salesperson, account):
    parent = AccountFactory(owner=salesperson, name="Grupul Carpați")
    Account.objects.filter(pk=account.pk).update(
        parent_account=parent, annual_revenue=Decimal("1234567.5"), industry="retail", city="Brașov"
    )
    client.force_login(salesperson)
    response = client.get(reverse("accounts:details", args=[account.pk]))
    assert response.status_code == 200
    sections = {
        section["title"]: {row["label"]: row for row in section["rows"]}
        for section in response.context["detail_sections"]
    }
    # The form's sections, then the record's status and history.
    assert list(sections) == ["Account information", "Address", "Details", "Status and history"]
    assert sections["Account information"]["Parent account"]["url"] == parent.get_absolute_url()
    assert sections["Account information"]["Industry"]["value"] == "Retail"
    assert sections["Address"]["City"]["value"] == "Brașov"
    assert sections["Details"]["Annual revenue"]["value"] == f"1,234,567.50 {account.currency}"
    assert sections["Status and history"]["Owner"]["value"] == salesperson.get_full_name()
    html = response.content.decode()
    assert f'class="nav-link active" aria-current="page" href="/accounts/{account.pk}/details/"' in html


def test_related_tab_lists_contacts_opportunities_invoices_in_full(client, salesperson, account):
    ContactFactory.create_batch(30, account=account, owner=salesperson)
    ContactFactory(last_name="Altundeva")
    OpportunityFactory(account=account, topic="Servere noi", owner=salesperson)
    InvoiceFactory(account=account, name="Găzduire", owner=salesperson)
    client.force_login(salesperson)
    response = client.get(reverse("accounts:related", args=[account.pk]))
    related = {entry["key"]: entry["table"] for entry in response.context["related_lists"]}
    assert list(related) == ["contacts", "opportunities", "invoices"]
    assert related["contacts"].paginator.count == 30 and len(related["contacts"].page.object_list) == 25
    html = response.content.decode()
    assert "Altundeva" not in html and "Servere noi" in html and "Găzduire" in html
    # Each list pages on its own.
    second = client.get(reverse("accounts:related", args=[account.pk]), {"contacts-page": 2})
    contacts = {entry["key"]: entry["table"] for entry in second.context["related_lists"]}["contacts"]
    assert len(contacts.page.object_list) == 5


@pytest.mark.parametrize("tab", ["details", "related"])
@pytest.mark.parametrize("rows", [1, 30])
def test_details_and_related_tabs_run_a_fixed_number_of_queries(
    client, salesperson, account, django_assert_max_num_queries, tab, rows
):
    ContactFactory.create_batch(rows, account=account, owner=salesperson)
    OpportunityFactory.create_batch(rows, account=account, owner=salesperson)
    client.force_login(salesperson)
    with django_assert_max_num_queries(14):
        assert client.get(reverse(f"accounts:{tab}", args=[account.pk])).status_code == 200


def test_details_and_related_tabs_are_scoped_like_the_summary(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("accounts:details", args=[999])).status_code == 404
    assert client.get(reverse("accounts:related", args=[999])).status_code == 404
