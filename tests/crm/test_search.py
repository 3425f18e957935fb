"""Global search: every kind found by its fields, scoped to the user, in a fixed number of queries."""

from decimal import Decimal

import factory
import pytest
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm import search
from crm.search import MAX_QUERY_LENGTH, RESULTS_PER_KIND
from invoices.models import Invoice, InvoiceState
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def find(client, q, *, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("search:results"), {"q": q}, headers=headers)


def found(response):
    """{kind name: [result titles]} of a search response."""
    return {group.kind.name: [result.title for result in group.results] for group in response.context["groups"]}


@pytest.fixture
def signed_in(client, salesperson):
    client.force_login(salesperson)
    return client


# Each kind, by each of its fields


def test_accounts_are_found_by_name_number_email_and_main_phone(signed_in):
    AccountFactory(
        name="Carpați Tech SRL", account_number="ACC-000777", email="office@carpati.ro", main_phone="+40 721 555 010"
    )
    AccountFactory(name="Ursus Breweries SA", account_number="ACC-000888", email="info@ursus.ro", main_phone="0264 1")

    for q in ("carpați", "TECH", "acc-000777", "office@carpati", "+40 721 555"):
        assert found(find(signed_in, q)) == {"accounts": ["Carpați Tech SRL"]}, q


def test_the_account_line_shows_its_number_and_city_and_links_to_it(signed_in):
    account = AccountFactory(name="Carpați Tech SRL", account_number="ACC-000777", city="Brașov")
    [group] = find(signed_in, "carpați").context["groups"]
    [result] = group.results
    assert result.detail == "ACC-000777 · Brașov"
    assert result.url == reverse("accounts:detail", args=[account.pk])


def test_contacts_are_found_by_name_email_and_phones_with_their_account_and_email(signed_in):
    ursus = AccountFactory(name="Ursus Breweries SA")
    ContactFactory(
        first_name="Ioana",
        last_name="Vasilescu",
        email="ioana.v@ursus.ro",
        business_phone="0264 400 111",
        mobile_phone="0744 123 456",
        account=ursus,
    )
    ContactFactory(first_name="Mihai", last_name="Ionescu", email="mihai@adria.hr", mobile_phone="0755 000 000")

    for q in ("vasilescu", "Ioana", "ioana vasilescu", "ioana.v@", "0264 400", "0744 123 456"):
        assert found(find(signed_in, q)).get("contacts") == ["Ioana Vasilescu"], q
    [group] = [g for g in find(signed_in, "vasilescu").context["groups"] if g.kind.name == "contacts"]
    assert group.results[0].detail == "Ursus Breweries SA · ioana.v@ursus.ro"


def test_opportunities_are_found_by_topic_with_their_customer_and_amount(signed_in):
    account = AccountFactory(name="Adria Tech SA")
    OpportunityFactory(topic="Licențe CRM Nordic", account=account, estimated_revenue=Decimal("12500.00"))
    OpportunityFactory(topic="Mentenanță anuală", account=account)

    response = find(signed_in, "nordic")
    assert found(response) == {"opportunities": ["Licențe CRM Nordic"]}
    [group] = response.context["groups"]
    assert group.results[0].detail.startswith("Adria Tech SA · 12,500.00 ")


def test_invoices_are_found_by_number_and_name_with_their_number_and_status(signed_in):
    InvoiceFactory(invoice_number="FCT-00042", name="Abonament Nordic")
    InvoiceFactory(invoice_number="FCT-00043", name="Servicii")

    assert found(find(signed_in, "fct-00042")) == {"invoices": ["Abonament Nordic"]}
    response = find(signed_in, "abonament")
    assert found(response) == {"invoices": ["Abonament Nordic"]}
    assert response.context["groups"][0].results[0].detail == f"FCT-00042 · {InvoiceState.ACTIVE.label}"


def test_one_query_finds_every_kind_grouped_in_order(signed_in):
    account = AccountFactory(name="Nordic Steel SRL")
    ContactFactory(last_name="Nordic", account=account)
    OpportunityFactory(topic="Nordic pipeline", account=account)
    InvoiceFactory(name="Nordic invoice", account=account)

    assert list(found(find(signed_in, "nordic"))) == ["accounts", "contacts", "opportunities", "invoices"]


def test_every_word_must_match_and_the_diacritics_typed_are_kept(signed_in):
    AccountFactory(name="Carpați Tech SRL")
    AccountFactory(name="Carpați Foods SRL")
    # The lists' search does not fold diacritics (no unaccent index), so neither does the global one.
    assert found(find(signed_in, "carpați tech")) == {"accounts": ["Carpați Tech SRL"]}
    assert found(find(signed_in, "carpati")) == {}


def test_a_name_starting_with_the_query_comes_first(signed_in):
    AccountFactory(name="Compania Tech")
    AccountFactory(name="Tech Solutions")
    assert found(find(signed_in, "tech"))["accounts"] == ["Tech Solutions", "Compania Tech"]


def test_a_phone_is_matched_without_its_country_code_and_the_whole_number_comes_first(signed_in):
    AccountFactory(name="Abroad SRL", main_phone="+44 721 555 010")
    AccountFactory(name="Zarand SRL", main_phone="+40 721 555 010")
    AccountFactory(name="Other SRL", main_phone="+40 721 000 010")
    assert search.search_terms("+40 721 555 010") == ["721 555 010"]
    assert search.search_terms("+40 72") == ["+40 72"]
    assert found(find(signed_in, "+40 721 555 010")) == {"accounts": ["Zarand SRL", "Abroad SRL"]}


# More than a group shows


def test_a_kind_shows_its_first_results_and_a_link_to_its_list_searched_when_there_are_more(signed_in):
    AccountFactory.create_batch(RESULTS_PER_KIND + 1, name=factory.Sequence(lambda n: f"Alfa {n:03}"))
    response = find(signed_in, "alfa")
    [group] = response.context["groups"]
    assert len(group.results) == RESULTS_PER_KIND
    assert group.more
    assert group.list_url == reverse("accounts:list") + "?q=alfa"
    assert f'href="{reverse("accounts:list")}?q=alfa"' in response.text


def test_without_more_a_kind_shows_its_count_not_see_all(signed_in):
    AccountFactory.create_batch(2, name=factory.Sequence(lambda n: f"Alfa {n:03}"))
    response = find(signed_in, "alfa")
    assert not response.context["groups"][0].more
    assert "2 matches" in response.text
    assert "See all" not in response.text


# Who sees what


def test_a_kind_the_user_may_not_read_is_left_out(client):
    AccountFactory(name="Nordic Steel SRL")
    ContactFactory(first_name="Ana", last_name="Nordic")
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(user)
    assert found(find(client, "nordic")) == {"contacts": ["Ana Nordic"]}


def test_a_user_in_no_role_finds_nothing(client, user_without_role):
    AccountFactory(name="Nordic Steel SRL")
    client.force_login(user_without_role)
    response = find(client, "nordic")
    assert response.status_code == 200
    assert found(response) == {}
    assert "Nordic Steel" not in response.text


def test_signing_in_is_required(client):
    response = find(client, "nordic")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Queries


@pytest.mark.parametrize("htmx", [False, True])
def test_a_search_runs_a_fixed_number_of_queries_with_1_and_30_matches(
    signed_in, salesperson, django_assert_max_num_queries, htmx
):
    counts = []
    for total in (1, 30):
        for model in (Opportunity, Invoice, Contact, Account):
            model.objects.all().delete()
        accounts = AccountFactory.create_batch(total, name=factory.Sequence(lambda n: f"Nordic {n:03}"))
        for account in accounts:
            ContactFactory(last_name="Nordic", account=account)
            OpportunityFactory(topic="Nordic deal", account=account, contact=None)
            InvoiceFactory(name="Nordic invoice", account=account)
        # 1-2 session and user, 3-4 the user's and the role's permissions, 5-8 one per kind.
        with django_assert_max_num_queries(8) as captured:
            response = find(signed_in, "nordic", htmx=htmx)
        assert response.status_code == 200
        assert len(response.context["groups"]) == 4
        counts.append(len(captured))
    assert counts[0] == counts[1]


# The page and the dropdown


def test_htmx_gets_the_dropdown_and_a_browser_the_full_page(signed_in):
    account = AccountFactory(name="Nordic Steel SRL")
    partial = find(signed_in, "nordic", htmx=True)
    assert "<html" not in partial.text
    assert 'role="listbox"' in partial.text
    assert f'role="option" aria-selected="false" id="global-search-accounts-1" href="{account.get_absolute_url()}"' in (
        partial.text
    )
    page = find(signed_in, "nordic")
    assert "<html" in page.text
    assert 'role="listbox"' not in page.text
    assert f'href="{account.get_absolute_url()}"' in page.text


def test_an_empty_query_shows_a_prompt_not_every_record(signed_in):
    AccountFactory(name="Nordic Steel SRL")
    page = find(signed_in, "   ")
    assert page.status_code == 200
    assert page.context["groups"] == []
    assert "data-search-prompt" in page.text
    assert "Nordic Steel" not in page.text
    assert find(signed_in, "", htmx=True).text.strip() == ""


@pytest.mark.parametrize("q", ["n", "no", "n o r d", "+40 72", "__"])
def test_a_query_no_index_can_serve_asks_for_more(signed_in, django_assert_max_num_queries, q):
    AccountFactory(name="Nordic Steel SRL", main_phone="+40 72 000")
    for htmx in (True, False):
        # Session, user and the permissions the page's site map reads: no search at all (a rare
        # two-letter word would read every row of every kind).
        with django_assert_max_num_queries(4):
            response = find(signed_in, q, htmx=htmx)
        assert response.context["groups"] == []
        assert "Type at least 3 letters or digits in a row." in response.text


def test_short_words_narrow_a_query_that_has_a_long_one(signed_in):
    AccountFactory(name="Nordic Steel SA")
    AccountFactory(name="Nordic Steel SRL")
    assert found(find(signed_in, "nordic sa")) == {"accounts": ["Nordic Steel SA"]}


@pytest.mark.parametrize(
    "q",
    [
        "x" * 10_000,
        "nordic\x00steel",
        "%",
        "_",
        "ste%",
        "nor_ic",
        "nor%ic",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "\\",
        "a " * 500,
        "9" * 40,
    ],
)
def test_a_long_or_hostile_query_is_handled(signed_in, q):
    AccountFactory(name="Nordic Steel SRL")
    for htmx in (False, True):
        response = find(signed_in, q, htmx=htmx)
        assert response.status_code == 200
        assert len(response.context["query"]) <= MAX_QUERY_LENGTH
        assert "<script>alert" not in response.text
        # Wildcards are matched literally: "%" finds no account.
        assert "Nordic Steel" not in response.text


def test_a_nul_byte_is_dropped_from_the_query(signed_in):
    AccountFactory(name="Nordic Steel SRL")
    assert found(find(signed_in, "nor\x00dic")) == {"accounts": ["Nordic Steel SRL"]}


# The box


def test_the_box_is_a_labelled_search_form_that_works_without_javascript(rf: RequestFactory, salesperson):
    request = rf.get("/")
    request.user = salesperson
    html = render_to_string("search/search_box.html", request=request)
    assert 'role="search"' in html
    assert f'method="get" action="{reverse("search:results")}"' in html
    assert '<label class="visually-hidden" for="global-search-q">' in html
    assert 'class="form-control form-control-sm"' in html
    assert f'hx-get="{reverse("search:results")}"' in html
    assert 'hx-trigger="keyup changed delay:250ms, search"' in html
    assert 'aria-controls="global-search-listbox"' in html
    assert "js/search.js" in html


def test_the_top_bar_box_keeps_the_query_on_the_results_page(signed_in):
    html = find(signed_in, "nordic").text
    assert 'id="global-search-q" name="q" class="form-control form-control-sm" value="nordic"' in html


def test_the_registry_holds_the_four_kinds():
    search.autodiscover()
    assert list(search.KINDS) == ["accounts", "contacts", "opportunities", "invoices"]


def test_the_search_feature_imports_no_app():
    import ast
    from pathlib import Path

    apps = {"accounts", "contacts", "opportunities", "invoices"}
    for path in Path(search.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & apps, (path.name, names)


# PostgreSQL: the trigram indexes serve every field of every kind

TRIGRAM_INDEXES = {
    "accounts": {"account_name_trgm", "account_account_number_trgm", "account_email_trgm", "account_main_phone_trgm"},
    "contacts": {
        "contact_first_name_trgm",
        "contact_last_name_trgm",
        "contact_email_trgm",
        "contact_business_phone_trgm",
        "contact_mobile_phone_trgm",
    },
    "opportunities": {"opportunity_topic_trgm"},
    "invoices": {"invoice_invoice_number_trgm", "invoice_name_trgm"},
}


@pytest.mark.postgres
@pytest.mark.parametrize("kind_name", list(TRIGRAM_INDEXES))
def test_each_kind_is_searched_through_its_trigram_indexes(salesperson, kind_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    search.autodiscover()
    kind = search.KINDS[kind_name]
    salesperson.has_perm("accounts.view_account")  # the permissions cached: only the kind's query is captured
    with connection.cursor() as cursor:
        # Tiny test tables, where a full scan is always cheapest: forbid it to see that an index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    with CaptureQueriesContext(connection) as queries:
        kind.find(salesperson, "nordic")
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in TRIGRAM_INDEXES[kind_name]:
        assert f"Bitmap Index Scan on {index}" in plan, plan
