"""Record pickers: the search behind them, the field's validation, and form pages that never list every record."""

import factory
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.forms import AccountForm
from contacts.forms import ContactForm
from crm.pickers import CANDIDATES, MAX_RESULTS, SOURCES, RecordChoiceField
from invoices.forms import InvoiceForm
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def pick(client, source, **params):
    return client.get(reverse("crm:pick", args=[source]), params, headers={"HX-Request": "true"})


def options(response):
    """The (number, label) of each match in a picker's list, in order."""
    return [(result["pk"], result["label"]) for result in response.context["results"]]


# The search view


def test_accounts_match_a_word_anywhere_in_the_name_or_the_start_of_the_number_or_email(client, salesperson):
    carpati = AccountFactory(name="Carpați Tech SRL", account_number="CT-001", email="office@carpati.ro")
    tech = AccountFactory(name="Adria Tech SA", account_number="AD-7", email="info@adria.hr")
    AccountFactory(name="Ursus Breweries SA", account_number="US-CT-9", email="ct@ursus.ro")
    client.force_login(salesperson)

    assert options(pick(client, "accounts", q="tech")) == [(tech.pk, "Adria Tech SA"), (carpati.pk, "Carpați Tech SRL")]
    # Numbers and emails match from their start: "CT" finds CT-001 and ct@ursus.ro, not US-CT-9 by its number.
    assert [label for _pk, label in options(pick(client, "accounts", q="ct-"))] == ["Carpați Tech SRL"]
    assert [label for _pk, label in options(pick(client, "accounts", q="office@"))] == ["Carpați Tech SRL"]
    # Every word must match: "tech carp" is the one account with both.
    assert [label for _pk, label in options(pick(client, "accounts", q="tech carp"))] == ["Carpați Tech SRL"]


def test_the_list_of_matches_is_buttons_carrying_the_number_and_label(client, salesperson):
    account = AccountFactory(name="Carpați Tech SRL", account_number="CT-001", city="Brașov")
    client.force_login(salesperson)
    response = pick(client, "accounts", q="carp")
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # htmx gets only the list
    assert f'data-value="{account.pk}" data-label="Carpați Tech SRL"' in html
    assert "CT-001 · Brașov" in html


def test_no_more_than_max_results_are_returned_with_a_note_to_narrow(client, salesperson):
    AccountFactory.create_batch(MAX_RESULTS + 1, name=factory.Sequence(lambda n: f"Alfa {n:03}"))
    client.force_login(salesperson)
    response = pick(client, "accounts", q="alfa")
    labels = [label for _pk, label in options(response)]
    assert len(labels) == MAX_RESULTS
    assert labels == sorted(labels)
    assert response.context["more"] is True
    assert "type more to narrow the search" in response.text


def test_a_word_matching_more_than_the_candidates_shows_some_in_order_and_says_to_narrow(
    client, salesperson, monkeypatch
):
    monkeypatch.setattr("crm.pickers.CANDIDATES", 5)
    AccountFactory.create_batch(4, name=factory.Sequence(lambda n: f"Beta Nord {n:03}"))
    AccountFactory.create_batch(4, name=factory.Sequence(lambda n: f"Beta Sud {n:03}"))
    client.force_login(salesperson)
    response = pick(client, "accounts", q="beta")
    labels = [label for _pk, label in options(response)]
    assert len(labels) == 5 and labels == sorted(labels)
    assert response.context["more"] is True
    # Narrowed below the cap, the list is exact and says nothing more.
    response = pick(client, "accounts", q="beta sud")
    assert len(options(response)) == 4 and response.context["more"] is False


def test_an_empty_search_lists_nothing(client, salesperson):
    AccountFactory()
    client.force_login(salesperson)
    response = pick(client, "accounts", q="  ")
    assert response.context["results"] == []


def test_contacts_match_first_and_last_name_and_email_and_can_be_narrowed_to_an_account(client, salesperson):
    ursus = AccountFactory(name="Ursus Breweries SA")
    elena = ContactFactory(first_name="Elena", last_name="Vasilescu", email="elena@ursus.ro", account=ursus)
    ContactFactory(first_name="Elena", last_name="Marin", email="e.marin@example.ro")
    client.force_login(salesperson)

    assert options(pick(client, "contacts", q="elena vasil")) == [(elena.pk, "Elena Vasilescu")]
    assert len(options(pick(client, "contacts", q="elena"))) == 2
    assert options(pick(client, "contacts", q="elena", account=ursus.pk)) == [(elena.pk, "Elena Vasilescu")]
    assert "Ursus Breweries SA · elena@ursus.ro" in pick(client, "contacts", q="vasilescu").text


def test_opportunities_match_the_topic(client, salesperson):
    opportunity = OpportunityFactory(topic="Licențe ERP 2027")
    OpportunityFactory(topic="Servicii cloud")
    client.force_login(salesperson)
    assert options(pick(client, "opportunities", q="erp")) == [(opportunity.pk, "Licențe ERP 2027")]


def test_exclude_leaves_one_record_out(client, salesperson):
    first = AccountFactory(name="Alfa Unu")
    second = AccountFactory(name="Alfa Doi")
    client.force_login(salesperson)
    assert options(pick(client, "accounts", q="alfa", exclude=first.pk)) == [(second.pk, "Alfa Doi")]


def test_without_javascript_the_search_is_a_page_showing_each_record_number(client, salesperson):
    account = AccountFactory(name="Carpați Tech SRL")
    client.force_login(salesperson)
    response = client.get(reverse("crm:pick", args=["accounts"]), {"q": "carp"})
    assert response.status_code == 200
    assert "<html" in response.text
    assert f"<td>{account.pk}</td><td>Carpați Tech SRL</td>" in response.text


def test_the_search_needs_the_read_permission_and_a_sign_in(client, user_without_role):
    AccountFactory(name="Carpați Tech SRL")
    assert pick(client, "accounts", q="carp").status_code == 302
    client.force_login(user_without_role)
    for source in ("accounts", "contacts", "opportunities"):
        assert pick(client, source, q="a").status_code == 403


def test_an_unknown_source_is_not_found(client, salesperson):
    client.force_login(salesperson)
    assert pick(client, "users", q="admin").status_code == 404


def test_a_search_runs_a_fixed_number_of_queries(client, salesperson, django_assert_max_num_queries):
    ursus = AccountFactory(name="Ursus Breweries SA")
    ContactFactory.create_batch(30, first_name="Elena", account=ursus)
    client.force_login(salesperson)
    pick(client, "contacts", q="elena")
    # Session, user, the user's and the role's permissions; the matching ids, then those in order with their account.
    with django_assert_max_num_queries(6):
        response = pick(client, "contacts", q="elena")
    assert len(response.context["results"]) == MAX_RESULTS


# The field


def contact_form_data(**extra):
    return {"first_name": "Mihai", "last_name": "Ionescu", "preferred_contact_method": "any", **extra}


def test_a_chosen_number_is_validated_with_one_query_and_gives_the_record(salesperson, django_assert_num_queries):
    account = AccountFactory()
    form = ContactForm(contact_form_data(account=str(account.pk)), user=salesperson)
    with django_assert_num_queries(1):
        chosen = form.fields["account"].clean(str(account.pk))
    assert chosen == account


@pytest.mark.parametrize("value", ["999999", "abc", "-1"])
def test_an_unknown_or_malformed_number_is_refused_beside_the_field(client, salesperson, value):
    client.force_login(salesperson)
    response = client.post(reverse("contacts:create"), contact_form_data(account=value))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["account"] == [
        f"There is no account number {value} you can choose here. Search by name and pick one."
    ]
    assert 'id="id_account_error"' in response.text
    # The form shows no record for a number it refused.
    assert 'data-empty="None chosen">None chosen<' in response.text


def test_a_user_who_may_not_read_accounts_cannot_choose_one(client):
    account = AccountFactory()
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_contact", "view_contact"]))
    form = ContactForm(contact_form_data(account=str(account.pk)), user=user)
    assert not form.is_valid()
    assert "account" in form.errors


def test_the_primary_contact_is_chosen_among_the_accounts_own_contacts(client, salesperson):
    account = AccountFactory(owner=salesperson)
    own = ContactFactory(account=account)
    other = ContactFactory(account=AccountFactory())
    form = AccountForm(instance=account, user=salesperson)
    field = form.fields["primary_contact"]
    assert field.search_url() == f"{reverse('crm:pick', args=['contacts'])}?account={account.pk}"
    data = {"name": account.name, "relationship_type": account.relationship_type, "currency": "RON",
            "version": account.version}
    assert AccountForm({**data, "primary_contact": own.pk}, instance=account, user=salesperson).is_valid()
    refused = AccountForm({**data, "primary_contact": other.pk}, instance=account, user=salesperson)
    assert not refused.is_valid()
    assert refused.errors["primary_contact"] == [
        f"There is no contact number {other.pk} you can choose here. Search by name and pick one."
    ]


def test_one_forms_narrowing_does_not_carry_over_to_the_next_form(salesperson):
    first, second = AccountFactory(), AccountFactory()
    ContactFactory(account=first)
    own = ContactFactory(account=second)
    AccountForm(instance=first, user=salesperson)
    form = AccountForm(instance=second, user=salesperson)
    assert list(form.fields["primary_contact"].queryset) == [own]
    assert form.fields["primary_contact"].search_url().endswith(f"?account={second.pk}")
    assert AccountForm.base_fields["primary_contact"].params == {}


def test_an_account_cannot_be_its_own_parent(salesperson):
    account = AccountFactory()
    data = {"name": account.name, "relationship_type": account.relationship_type, "currency": "RON"}
    form = AccountForm({**data, "parent_account": account.pk}, instance=account, user=salesperson)
    assert not form.is_valid()
    assert "parent_account" in form.errors
    assert form.fields["parent_account"].search_url().endswith(f"?exclude={account.pk}")


def test_an_opportunity_alone_still_gives_the_invoice_its_customer(salesperson):
    opportunity = OpportunityFactory(contact=ContactFactory())
    form = InvoiceForm(
        {"name": "Din oportunitate", "opportunity": opportunity.pk, "invoice_date": "2026-01-01",
         "currency": "RON", "status_reason": "new"},
        user=salesperson,
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["account"], form.cleaned_data["contact"]) == (opportunity.account, opportunity.contact)


def test_the_field_is_the_picker_for_every_record_field():
    for form_class, names in (
        (ContactForm, ["account"]),
        (InvoiceForm, ["account", "contact", "opportunity"]),
    ):
        for name in names:
            assert isinstance(form_class().fields[name], RecordChoiceField)
    account = AccountFactory()
    form = AccountForm(instance=account)
    assert isinstance(form.fields["parent_account"], RecordChoiceField)
    assert isinstance(form.fields["primary_contact"], RecordChoiceField)


# Form pages at two sizes


# Session, user, permissions, the prefilled record, one label per filled picker, and what the page shows.
FORM_PAGE_QUERIES = 6


def form_page(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, len(captured)


@pytest.mark.parametrize("area", ["contacts", "opportunities", "invoices"])
def test_a_new_record_form_runs_the_same_queries_with_1_and_300_records_and_lists_none(client, salesperson, area):
    chosen = AccountFactory(name="Aleasă SRL")
    ContactFactory(account=chosen, first_name="Ioana", last_name="Aleasă")
    OpportunityFactory(account=chosen, topic="Oportunitate aleasă")
    client.force_login(salesperson)
    url = reverse(f"{area}:create")
    client.get(url, {"account": chosen.pk})  # warm the session and the content types
    small, small_count = form_page(client, url, {"account": chosen.pk})
    others = AccountFactory.create_batch(300)
    ContactFactory.create_batch(300)
    OpportunityFactory.create_batch(5)
    large, large_count = form_page(client, url, {"account": chosen.pk})
    assert small_count == large_count <= FORM_PAGE_QUERIES
    assert "Aleasă SRL" in large.text  # the chosen account's name
    assert not any(escape(other.name) in large.text for other in others)
    assert "Popescu" not in large.text  # no contact of the 300 is listed
    assert f'name="account" id="id_account_value" value="{chosen.pk}"' in large.text


def test_the_account_form_runs_the_same_queries_with_1_and_300_accounts_and_contacts(client, salesperson):
    account = AccountFactory(name="Mare SRL", owner=salesperson)
    primary = ContactFactory(account=account, first_name="Ioana", last_name="Principală")
    account.primary_contact = primary
    account.save()
    client.force_login(salesperson)
    url = reverse("accounts:edit", args=[account.pk])
    client.get(url)
    small, small_count = form_page(client, url)
    ContactFactory.create_batch(300, account=account)
    AccountFactory.create_batch(300)
    large, large_count = form_page(client, url)
    assert small_count == large_count <= FORM_PAGE_QUERIES
    assert "Ioana Principală" in large.text
    assert "Popescu" not in large.text and "Compania" not in large.text
    assert f'<option value="{primary.pk}"' not in large.text


def test_a_prefilled_invoice_shows_the_opportunity_account_and_contact_names(client, salesperson):
    contact = ContactFactory(first_name="Ioana", last_name="Aleasă")
    opportunity = OpportunityFactory(topic="Oportunitate aleasă", account=AccountFactory(name="Aleasă SRL"),
                                     contact=contact)
    client.force_login(salesperson)
    response = client.get(reverse("invoices:create"), {"opportunity": opportunity.pk})
    for name, label in (("opportunity", "Oportunitate aleasă"), ("account", "Aleasă SRL"),
                        ("contact", "Ioana Aleasă")):
        assert f'id="id_{name}_label" aria-live="polite" data-empty="None chosen">{label}<' in response.text


# On PostgreSQL, the search is one the trigram indexes serve.

TRIGRAM_INDEXES = {
    # The names the prod branch's migration gives them (crm/migrations/0003_search_trigram_indexes.py).
    "accounts": [
        ("accounts_account", column, f"account_{column}_trgm") for column in ("name", "account_number", "email")
    ],
    "contacts": [
        ("contacts_contact", column, f"contact_{column}_trgm") for column in ("first_name", "last_name", "email")
    ],
    "opportunities": [("opportunities_opportunity", "topic", "opportunity_topic_trgm")],
}


@pytest.mark.postgres
@pytest.mark.parametrize("source", sorted(TRIGRAM_INDEXES))
def test_on_postgresql_the_search_reads_the_trigram_indexes(salesperson, source):
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column, name in TRIGRAM_INDEXES[source]:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )
        # The test tables are tiny, where reading everything is cheapest; forbid full scans and btree walks
        # (index-only ones too: the (topic, id) sort index covers the query) to see that the indexes can serve
        # the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    picker = SOURCES[source]
    candidates = picker.search(picker.selector(user=salesperson), "carp tech").order_by().values("pk")
    explained = candidates[:CANDIDATES].explain()
    for _table, _column, name in TRIGRAM_INDEXES[source]:
        assert name in explained, explained
