"""The four list pages: yes/no filters that default to any, the result count, the sort shown, page links."""

import re

import pytest
from django.urls import reverse

from contacts.filters import ContactFilter
from crm.filters import AnyYesNoSelect
from crm.pagination import BoundedPaginator
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

# Per list: a factory for its records, the count's word (one, many) and a sortable column.
LISTS = {
    "accounts:list": (AccountFactory, ("account", "accounts"), "name"),
    "contacts:list": (ContactFactory, ("contact", "contacts"), "full_name"),
    "opportunities:list": (OpportunityFactory, ("opportunity", "opportunities"), "topic"),
    "invoices:list": (InvoiceFactory, ("invoice", "invoices"), "invoice_number"),
}
# Every yes/no filter of the lists.
YES_NO_FILTERS = [
    ("contacts:list", "has_account"),
    ("opportunities:list", "closed_this_year"),
    ("opportunities:list", "closing_this_month"),
    ("invoices:list", "overdue"),
    ("invoices:list", "invoiced_this_year"),
    ("invoices:list", "paid_this_year"),
]


def page(client, list_name, **params):
    response = client.get(reverse(list_name), params)
    assert response.status_code == 200
    return response.content.decode()


def select_html(html, name):
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


@pytest.mark.parametrize(("list_name", "name"), YES_NO_FILTERS)
def test_yes_no_filters_default_to_any(client, salesperson, list_name, name):
    client.force_login(salesperson)
    select = select_html(page(client, list_name), name)
    assert re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) == [
        ("", "Any"), ("true", "Yes"), ("false", "No"),
    ]
    assert '<option value="" selected>Any</option>' in select and "Unknown" not in select
    chosen = select_html(page(client, list_name, **{name: "false"}), name)
    assert '<option value="false" selected>No</option>' in chosen


def test_the_any_choice_keeps_every_row_and_yes_or_no_narrow(salesperson):
    with_account = ContactFactory(owner=salesperson, account=AccountFactory(owner=salesperson))
    without = ContactFactory(owner=salesperson, account=None)
    for value, expected in [("", {with_account, without}), ("unknown", {with_account, without}),
                            ("true", {with_account}), ("false", {without})]:
        filterset = ContactFilter({"has_account": value}, queryset=with_account._meta.model.objects.all())
        assert set(filterset.qs) == expected, value


def test_the_any_widget_renders_the_empty_choice_for_none_and_reads_yes_and_no():
    widget = AnyYesNoSelect()
    assert widget.format_value(None) == widget.format_value("unknown") == [""]
    assert (widget.format_value(True), widget.format_value("False")) == (["true"], ["false"])
    assert [widget.value_from_datadict({"x": value}, {}, "x") for value in ("", "true", "false")] == [None, True, False]


def test_a_changed_filter_applies_at_once_with_javascript_and_by_the_apply_button_without(client, salesperson):
    client.force_login(salesperson)
    html = page(client, "invoices:list", sort="-total_amount")
    form = re.search(r'<form method="get" class="filters"[^>]*>', html).group(0)
    assert 'hx-trigger="change' in form and 'hx-target="#results"' in form
    # The partial is the whole #results element: swapped in place of it, never nested inside it.
    assert 'hx-swap="outerHTML"' in form
    assert '<button type="submit" class="btn btn-outline-secondary">Apply</button>' in html
    # The sort chosen on the headers stays when a filter changes.
    assert '<input type="hidden" name="sort" value="-total_amount">' in html
    assert re.search(r'<script src="/static/js/record_list\.js" defer nonce="[^"]+"></script>', html)


@pytest.mark.parametrize("list_name", LISTS)
def test_the_result_count_is_shown_above_the_table(client, salesperson, list_name):
    factory, (one, many), _column = LISTS[list_name]
    client.force_login(salesperson)
    factory(owner=salesperson)
    html = page(client, list_name)
    assert f'<p class="result-count">1 {one}</p>' in html
    assert html.index('class="result-count"') < html.index("<table")
    factory.create_batch(2, owner=salesperson)
    assert f'<p class="result-count">3 {many}</p>' in page(client, list_name)
    # The htmx partial (a changed filter) carries the count too.
    partial = client.get(reverse(list_name), {"q": "zzz-no-match"}, headers={"HX-Request": "true"}).content.decode()
    assert f'<p class="result-count">0 {many}</p>' in partial


def test_a_capped_count_says_more_than_and_an_estimate_says_about(client, salesperson, monkeypatch):
    AccountFactory.create_batch(3, owner=salesperson)
    client.force_login(salesperson)
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    # Filtered: counted up to the deepest reachable row (2 pages of 1), then "more than".
    filtered = page(client, "accounts:list", per_page=1, status="active")
    assert '<p class="result-count">more than 2 accounts</p>' in filtered
    # Unfiltered and over the cap: the planner's estimate, grouped as the language writes numbers.
    monkeypatch.setattr("crm.pagination.estimated_rows", lambda queryset: 1234567)
    assert '<p class="result-count">about 1,234,567 accounts</p>' in page(client, "accounts:list", per_page=1)


@pytest.mark.parametrize("list_name", LISTS)
def test_the_sorted_header_shows_its_direction(client, salesperson, list_name):
    factory, _words, column = LISTS[list_name]
    factory(owner=salesperson)
    client.force_login(salesperson)
    for sort, direction, arrow in [(column, "ascending", "↑"), (f"-{column}", "descending", "↓")]:
        html = page(client, list_name, sort=sort)
        [header] = re.findall(r"<th [^>]*aria-sort=[^>]*>.*?</th>", html, re.S)
        assert f'aria-sort="{direction}"' in header
        assert f'<span class="sort-arrow" aria-hidden="true">{arrow}</span>' in header
    assert "aria-sort" not in page(client, list_name)


def page_links(html):
    """The pagination's links as (text, page number, extra attributes)."""
    nav = re.search(r'<nav class="pagination-nav" aria-label="Pages">.*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="\?[^"]*page=(\d+)[^"]*"([^>]*)>([^<]*)</a>', nav)
    # Bootstrap's page links: each has the class page-link beside the attributes that tell them apart.
    assert all('class="page-link"' in attributes for _number, attributes, _text in links)
    return [
        (text, int(number), attributes.replace('class="page-link"', "").strip()) for number, attributes, text in links
    ]


@pytest.mark.parametrize("list_name", LISTS)
def test_pagination_offers_first_previous_a_window_of_pages_next_and_last(client, salesperson, list_name):
    factory = LISTS[list_name][0]
    factory.create_batch(8, owner=salesperson)
    client.force_login(salesperson)
    assert page_links(page(client, list_name, per_page=1, page=4)) == [
        ("First", 1, ""),
        ("Previous", 3, 'rel="prev"'),
        ("2", 2, 'aria-label="Page 2"'),
        ("3", 3, 'aria-label="Page 3"'),
        ("4", 4, 'aria-current="page" aria-label="Page 4"'),
        ("5", 5, 'aria-label="Page 5"'),
        ("6", 6, 'aria-label="Page 6"'),
        ("Next", 5, 'rel="next"'),
        ("Last", 8, ""),
    ]
    first_page = page(client, list_name, per_page=1)
    assert [text for text, _number, _attributes in page_links(first_page)] == ["1", "2", "3", "Next", "Last"]
    assert '<li class="page-item previous disabled"><span class="page-link">Previous</span></li>' in first_page
    # django-tables2's own untranslated "next" and "previous" are gone.
    assert not re.search(r">\s*(next|previous)\s*<", first_page)


def test_pagination_never_offers_a_page_past_the_paginators_cap(client, salesperson, monkeypatch):
    AccountFactory.create_batch(6, owner=salesperson)
    monkeypatch.setattr(BoundedPaginator, "max_pages", 3)
    client.force_login(salesperson)
    links = page_links(page(client, "accounts:list", per_page=1, page=3, status="active"))
    assert max(number for _text, number, _attributes in links) == 3
    assert ("Last", 3, "") not in links  # on the last page: Next and Last are not links
    assert [text for text, _number, _attributes in links] == ["First", "Previous", "1", "2", "3"]


def test_one_page_shows_no_pagination(client, salesperson):
    AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    assert "pagination" not in page(client, "accounts:list")


@pytest.mark.parametrize("url_name", ["opportunities:list", "invoices:list"])
def test_the_currency_filter_offers_all_currencies_first(client, salesperson, url_name):
    client.force_login(salesperson)
    html = client.get(reverse(url_name)).content.decode()
    select = html[html.index('name="currency"'):]
    assert re.search(r'<option value=""( selected)?>All$', select[: select.index("</option>")])
    assert "---------" not in html
