"""The Figures and Change history panels of accounts and contacts: access, content, links, query counts."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import account_figures
from accounts.services import account_create, account_update
from contacts.services import contact_attach_to_account, contact_create
from crm.figures import add_links
from crm.history.context import recording
from crm.history.models import Via
from invoices.filters import InvoiceFilter
from invoices.selectors import invoice_list
from opportunities.filters import OpportunityFilter
from opportunities.selectors import opportunity_list
from opportunities.services import opportunity_close_as_won, opportunity_create
from tests.factories import AccountFactory, InvoiceFactory, OpportunityFactory, UserFactory
from tests.history.book import make_book

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def book(salesperson):
    return make_book(salesperson)


@pytest.mark.parametrize("name", ["accounts:figures", "accounts:timeline"])
def test_account_panels_access(client, book, name, salesperson, sales_manager, administrator):
    url = reverse(name, args=[book["a"].pk])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for user in (salesperson, sales_manager, administrator):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(UserFactory(username="no.role"))
    assert client.get(url).status_code == 403
    client.force_login(salesperson)
    assert client.get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["contacts:figures", "contacts:timeline"])
def test_contact_panels_access(client, book, name, salesperson):
    url = reverse(name, args=[book["k"].pk])
    assert client.get(url).status_code == 302
    client.force_login(salesperson)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(username="no.role"))
    assert client.get(url).status_code == 403


def test_figures_panel_is_a_partial_for_htmx_and_a_page_otherwise(client, book, sales_manager):
    client.force_login(sales_manager)
    url = reverse("accounts:figures", args=[book["a"].pk])
    partial = client.get(url, **HTMX).text
    assert partial.lstrip().startswith('<section class="card panel" id="account-figures"')
    assert "<html" not in partial
    page = client.get(url).text
    assert "<html" in page and 'id="account-figures"' in page


def test_figures_are_localized(client, book, sales_manager):
    client.force_login(sales_manager)
    url = reverse("accounts:figures", args=[book["a"].pk])
    assert "11,833.33" in client.get(url, **HTMX).text  # open pipeline in RON
    client.cookies["django_language"] = "ro"
    assert "11.833,33" in client.get(url, **HTMX).text


def test_hierarchy_and_child_accounts_switch(client, book, sales_manager):
    client.force_login(sales_manager)
    url = reverse("accounts:figures", args=[book["a"].pk])
    own = client.get(url, **HTMX).text
    assert "Alfa Cluj SRL" in own and "Include child accounts" in own
    assert f"account={book['a'].pk}" in own
    with_children = client.get(url + "?children=1", **HTMX).text
    assert "12,833.33" in with_children  # A, its child and grandchild
    assert f"account_tree={book['a'].pk}" in with_children
    assert "This account only" in with_children
    child = client.get(reverse("accounts:figures", args=[book["c1"].pk]), **HTMX).text
    assert "Parent account" in child and "Alfa Holding SA" in child


def test_each_figure_links_to_the_list_of_exactly_the_records_it_counts(book, sales_manager, rf):
    request = rf.get("/")
    request.user = sales_manager
    for include_children in (False, True):
        figures = account_figures(account=book["a"], user=sales_manager, include_children=include_children)
        scope = {"account_tree" if include_children else "account": book["a"].pk}
        for line in add_links(figures.lines, scope=scope):
            for figure, link in line.links.items():
                path, query = urlsplit(link).path, dict(parse_qsl(urlsplit(link).query))
                if path == reverse("opportunities:list"):
                    records = OpportunityFilter(query, queryset=opportunity_list(user=sales_manager), request=request)
                    amount_field = {"open": "estimated_revenue", "won": "actual_revenue", "lost": "estimated_revenue"}
                else:
                    records = InvoiceFilter(query, queryset=invoice_list(user=sales_manager), request=request)
                    amount_field = dict.fromkeys(("invoiced", "paid", "outstanding", "overdue"), "total_amount")
                assert records.is_valid(), records.errors
                rows = list(records.qs)
                assert len(rows) == getattr(line, f"{figure}_count"), (line.currency, figure)
                total = sum((getattr(row, amount_field[figure]) or 0 for row in rows), Decimal("0"))
                assert total == getattr(line, f"{figure}_amount"), (line.currency, figure)


def make_account_with(size, owner):
    account = AccountFactory(owner=owner)
    AccountFactory.create_batch(size, owner=owner, parent_account=account)
    for currency in ("RON", "EUR"):
        OpportunityFactory.create_batch(size, account=account, owner=owner, currency=currency)
        InvoiceFactory.create_batch(size, account=account, owner=owner, currency=currency, total_amount=0)
    return account


@pytest.mark.parametrize("children", ["", "?children=1"])
def test_figures_panel_query_count_does_not_grow_with_data(client, salesperson, children):
    client.force_login(salesperson)
    counts = []
    for size in (1, 40):
        account = make_account_with(size, salesperson)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("accounts:figures", args=[account.pk]) + children, **HTMX)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"] for q in queries.captured_queries]
    # session, user, user and group permissions, account, two levels of the hierarchy walk (with children),
    # opportunities, invoices, children shown, children counted
    assert counts[1] <= (11 if children else 9)


def test_contact_figures_panel(client, book, sales_manager):
    client.force_login(sales_manager)
    text = client.get(reverse("contacts:figures", args=[book["k"].pk]), **HTMX).text
    assert 'id="contact-figures"' in text
    assert "1,200.00" in text
    assert f"contact={book['k'].pk}" in text


# The timeline


def test_account_timeline_newest_first_with_its_records_and_contacts(client, salesperson, sales_manager):
    account = account_create(actor=salesperson, name="Dacia SA")
    contact = contact_create(actor=salesperson, last_name="Pop")
    contact_attach_to_account(contact=contact, account=account, actor=salesperson)
    opportunity = opportunity_create(actor=salesperson, topic="Flotă", account=account, estimated_revenue=10)
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("12345.5"), actor=salesperson)
    other = account_create(actor=salesperson, name="Petrom SA")
    opportunity_create(actor=salesperson, topic="Nu apare", account=other)
    client.force_login(sales_manager)
    text = client.get(reverse("accounts:timeline", args=[account.pk]), **HTMX).text
    kinds = [chunk.split('"')[0] for chunk in text.split('data-kind="')[1:]]
    assert kinds == ["won", "created", "contact_attached", "created"]
    assert "Nu apare" not in text
    assert "12,345.50" in text  # actual revenue, localized
    assert "Closed as won" in text and "Contact attached" in text


def test_timeline_filters_by_kind_and_pages(client, salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    for number in range(25):
        account_update(account=account, actor=salesperson, description=f"Versiunea {number}")
    client.force_login(salesperson)
    url = reverse("accounts:timeline", args=[account.pk])
    first = client.get(url, **HTMX).text
    assert first.count('class="timeline-entry"') == 20
    assert "Versiunea 24" in first and "Page 1 of 2" in first
    second = client.get(url + "?page=2", **HTMX).text
    assert second.count('class="timeline-entry"') == 6  # 5 updates and the creation
    assert 'data-kind="created"' in second
    created_only = client.get(url + "?kind=created", **HTMX).text
    assert created_only.count('class="timeline-entry"') == 1
    assert client.get(url + "?kind=nonsense", **HTMX).status_code == 200  # an unknown kind shows everything


def test_an_import_job_is_one_entry(client, salesperson):
    account = account_create(actor=salesperson, name="Dacia SA")
    with recording(via=Via.IMPORT, import_job_id=7):
        account_update(account=account, actor=salesperson, city="Pitești")
        contact_create(actor=salesperson, last_name="Pop", account=account)
        opportunity_create(actor=salesperson, topic="Flotă", account=account)
    account_update(account=account, actor=salesperson, city="Mioveni")
    client.force_login(salesperson)
    text = client.get(reverse("accounts:timeline", args=[account.pk]), **HTMX).text
    kinds = [chunk.split('"')[0] for chunk in text.split('data-kind="')[1:]]
    assert kinds == ["updated", "import", "created"]
    assert "Import job 7" in text and "3 changes" in text


def test_contact_timeline_and_record_types_the_user_may_not_read(client, salesperson):
    from django.contrib.auth.models import Permission

    contact = contact_create(actor=salesperson, last_name="Pop")
    opportunity_create(actor=salesperson, topic="Flotă", contact=contact)
    from tests.history.book import invoice

    invoice(salesperson, contact=contact, amount="10", invoice_date="2026-01-01")
    reader = UserFactory(username="reader")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_contact"), Permission.objects.get(codename="view_opportunity")
    )
    client.force_login(reader)
    text = client.get(reverse("contacts:timeline", args=[contact.pk]), **HTMX).text
    assert "Opportunity" in text and "Flotă" in text
    assert "Factură 10" not in text  # no right to read invoices


def test_timeline_query_count_does_not_grow_with_history(client, salesperson):
    client.force_login(salesperson)
    counts = []
    for size in (1, 30):
        account = account_create(actor=salesperson, name=f"Cont {size}")
        for number in range(size):
            account_update(account=account, actor=salesperson, description=f"v{number}")
            opportunity_create(actor=salesperson, topic=f"O{number}", account=account, estimated_revenue=1)
        with recording(via=Via.IMPORT, import_job_id=size):
            for number in range(size):
                account_update(account=account, actor=salesperson, city=f"Oraș {number}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("accounts:timeline", args=[account.pk]), **HTMX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # session, user, user and group permissions, account, count, page
    assert counts[1] <= 7
