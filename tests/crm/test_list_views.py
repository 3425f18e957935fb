"""List views (crm.lists): each list's system views, personal saved views and the column chooser."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.lists import get_list, registered
from crm.lists.services import saved_view_create, saved_view_delete, saved_view_update
from crm.models import RecordStatus, SavedView
from invoices.models import InvoiceState, InvoiceStatusReason
from opportunities.models import OpportunityState, OpportunityStatusReason
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def names(response):
    """The records listed, leaving out the accounts the opportunity and invoice factories make on the side."""
    listed = {str(row.record) for row in response.context["table"].page.object_list}
    return {name for name in listed if not name.startswith("Compania")}


def shown(client, list_name, **params):
    response = client.get(reverse(list_name), params)
    assert response.status_code == 200
    return names(response)


@pytest.fixture
def records(salesperson, other_salesperson):
    """Per list, records that tell its system views apart, named by what they are."""
    me, them = salesperson, other_salesperson
    for owner, who in [(me, "Mine"), (them, "Theirs")]:
        for status in RecordStatus.values:
            AccountFactory(name=f"{who} {status}", owner=owner, status=status)
            ContactFactory(first_name=who, last_name=status, owner=owner, status=status)
    today = timezone.localdate()
    OpportunityFactory(topic="Mine open", owner=me)
    OpportunityFactory(topic="Theirs open", owner=them)
    OpportunityFactory(
        topic="Mine won",
        owner=me,
        state=OpportunityState.WON,
        status_reason=OpportunityStatusReason.WON,
        actual_close_date=today,
    )
    OpportunityFactory(
        topic="Theirs lost",
        owner=them,
        state=OpportunityState.LOST,
        status_reason=OpportunityStatusReason.CANCELED,
        actual_close_date=today,
    )
    week_ago = today - datetime.timedelta(days=7)
    InvoiceFactory(invoice_number="MINE-ACTIVE", name="", owner=me, due_date=today + datetime.timedelta(days=30))
    InvoiceFactory(invoice_number="THEIRS-LATE", name="", owner=them, invoice_date=week_ago, due_date=week_ago)
    InvoiceFactory(
        invoice_number="THEIRS-PAID",
        name="",
        owner=them,
        state=InvoiceState.PAID,
        status_reason=InvoiceStatusReason.COMPLETE,
        paid_date=today,
    )
    InvoiceFactory(
        invoice_number="MINE-CANCELED",
        name="",
        owner=me,
        state=InvoiceState.CANCELED,
        status_reason=InvoiceStatusReason.CANCELED,
    )


ALL_ACCOUNTS = {"Mine active", "Mine inactive", "Theirs active", "Theirs inactive"}
ALL_OPPORTUNITIES = {"Mine open", "Theirs open", "Mine won", "Theirs lost"}
ALL_INVOICES = {"MINE-ACTIVE", "THEIRS-LATE", "THEIRS-PAID", "MINE-CANCELED"}

SYSTEM_VIEWS = [
    ("accounts:list", "all", ALL_ACCOUNTS),
    ("accounts:list", "my_active", {"Mine active"}),
    ("accounts:list", "active", {"Mine active", "Theirs active"}),
    ("accounts:list", "inactive", {"Mine inactive", "Theirs inactive"}),
    ("contacts:list", "all", ALL_ACCOUNTS),
    ("contacts:list", "my_active", {"Mine active"}),
    ("contacts:list", "active", {"Mine active", "Theirs active"}),
    ("contacts:list", "inactive", {"Mine inactive", "Theirs inactive"}),
    ("opportunities:list", "all", ALL_OPPORTUNITIES),
    ("opportunities:list", "my_open", {"Mine open"}),
    ("opportunities:list", "open", {"Mine open", "Theirs open"}),
    ("opportunities:list", "closed", {"Mine won", "Theirs lost"}),
    ("opportunities:list", "won", {"Mine won"}),
    ("opportunities:list", "lost", {"Theirs lost"}),
    ("invoices:list", "all", ALL_INVOICES),
    ("invoices:list", "my_active", {"MINE-ACTIVE"}),
    ("invoices:list", "active", {"MINE-ACTIVE", "THEIRS-LATE"}),
    ("invoices:list", "overdue", {"THEIRS-LATE"}),
    ("invoices:list", "paid", {"THEIRS-PAID"}),
    ("invoices:list", "canceled", {"MINE-CANCELED"}),
]


@pytest.mark.parametrize(("list_name", "view", "expected"), SYSTEM_VIEWS)
def test_each_system_view_shows_its_records(client, salesperson, records, list_name, view, expected):
    client.force_login(salesperson)
    assert shown(client, list_name, view=view) == expected


def test_every_list_declares_the_dynamics_views_and_defaults_to_all_records(client, salesperson, records):
    assert set(registered()) == {"accounts", "contacts", "opportunities", "invoices"}
    names = {key: [str(view.name) for view in record_list.system_views] for key, record_list in registered().items()}
    assert names["accounts"][:4] == ["All Accounts", "My Active Accounts", "Active Accounts", "Inactive Accounts"]
    assert {"My Active Contacts", "Active Contacts", "Inactive Contacts"} <= set(names["contacts"])
    assert {"My Open Opportunities", "Open Opportunities", "Closed Opportunities"} <= set(names["opportunities"])
    assert {"My Active Invoices", "Paid Invoices", "Canceled Invoices"} <= set(names["invoices"])
    client.force_login(salesperson)
    # Today's default stays: every record, in every status.
    assert shown(client, "accounts:list") == ALL_ACCOUNTS
    assert shown(client, "opportunities:list") == ALL_OPPORTUNITIES


def test_the_selector_is_a_dropdown_of_real_links_naming_the_view_shown(client, salesperson, records):
    client.force_login(salesperson)
    html = client.get(reverse("accounts:list"), {"view": "my_active"}).content.decode()
    toggle = re.search(
        r'<a class="btn btn-outline-secondary dropdown-toggle" id="view-selector"[^>]*>(.*?)</a>', html, re.S
    )
    assert 'data-bs-toggle="dropdown"' in toggle.group(0) and 'href="/lists/accounts/views/?query=' in toggle.group(0)
    assert "My Active Accounts" in toggle.group(1) and "filters changed" not in toggle.group(1)
    for key in ("all", "my_active", "active", "inactive"):
        assert f'href="?view={key}"' in html
    assert '<a class="dropdown-item active" href="?view=my_active" aria-current="true">My Active Accounts</a>' in html
    # The filter bar shows the view's values, and keeps the view when a filter changes.
    assert '<option value="mine" selected>' in html
    assert '<input type="hidden" name="view" value="my_active">' in html


def test_a_filter_changed_after_choosing_a_view_replaces_the_views_value(client, salesperson, records):
    client.force_login(salesperson)
    assert shown(client, "accounts:list", view="my_active", status="inactive") == {"Mine inactive"}
    # An emptied filter ("All" statuses) is a change too: the view's status no longer applies.
    assert shown(client, "accounts:list", view="my_active", status="") == {"Mine active", "Mine inactive"}
    html = client.get(reverse("accounts:list"), {"view": "my_active", "status": "inactive"}).content.decode()
    assert "(filters changed)" in html


def test_an_unknown_view_falls_back_to_the_default_with_a_message(client, salesperson, records):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"), {"view": "nope"})
    assert response.status_code == 200
    assert names(response) == ALL_ACCOUNTS
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["There is no such view; this is the default view."]


def test_a_view_sorts_by_its_default_unless_a_header_was_chosen(client, salesperson):
    today = timezone.localdate()
    for days, topic in [(30, "Later"), (3, "Sooner")]:
        OpportunityFactory(topic=topic, owner=salesperson, estimated_close_date=today + datetime.timedelta(days=days))
    client.force_login(salesperson)
    rows = client.get(reverse("opportunities:list"), {"view": "open"}).context["table"].page.object_list
    assert [row.record.topic for row in rows] == ["Sooner", "Later"]
    rows = (
        client.get(reverse("opportunities:list"), {"view": "open", "sort": "topic"}).context["table"].page.object_list
    )
    assert [row.record.topic for row in rows] == ["Later", "Sooner"]


# Saved views


def save_view(client, name, **params):
    return client.post(
        reverse("lists:views", args=["accounts"]), {"name": name, "query": urlencode(params, doseq=True)}
    )


def test_save_view_as_keeps_filters_sort_and_columns_and_applies_them(client, salesperson, records):
    client.force_login(salesperson)
    response = save_view(
        client,
        "Inactive by name",
        status="inactive",
        sort="-name",
        columns=["name", "city", "owner"],
        q="",
        scope="all",
        page="3",
    )
    saved = SavedView.objects.get()
    assert (saved.user, saved.list_key, saved.name) == (salesperson, "accounts", "Inactive by name")
    # Only what the FilterSet reads, empty and neutral values dropped; the page is not kept.
    assert (saved.filters, saved.sort, saved.columns) == ({"status": "inactive"}, "-name", ["name", "city", "owner"])
    assert response.status_code == 302 and response.url == f"/accounts/?view={saved.pk}"
    page = client.get(response.url)
    table = page.context["table"]
    assert [row.record.name for row in table.page.object_list] == ["Theirs inactive", "Mine inactive"]
    assert [column.name for column in table.columns if column.name != "selected"] == ["name", "city", "owner"]
    html = page.content.decode()
    assert f'<a class="dropdown-item active" href="?view={saved.pk}" aria-current="true">Inactive by name</a>' in html
    # The column chooser shows the choice; the name column is always shown.
    assert re.search(
        r'<input class="form-check-input" type="checkbox" name="columns" value="city" id="column-city" checked>', html
    )
    assert re.search(
        r'<input class="form-check-input" type="checkbox" name="columns" value="status" id="column-status">', html
    )
    assert '<input type="hidden" name="columns" value="name">' in html


def test_the_column_chooser_hides_the_unchecked_columns_and_keeps_the_filters(client, salesperson, records):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"), {"status": "active", "columns": ["name", "status"]})
    assert [column.name for column in response.context["table"].columns if column.name != "selected"] == [
        "name",
        "status",
    ]
    html = response.content.decode()
    assert '<input type="hidden" name="status" value="active">' in html  # in the chooser's form
    # A column that is not the table's is ignored: every column shows.
    response = client.get(reverse("accounts:list"), {"columns": ["name", "password"]})
    assert "city" in [column.name for column in response.context["table"].columns]


def test_a_saved_view_is_refused_what_its_list_cannot_show(client, salesperson):
    client.force_login(salesperson)
    for params in [{"status": "bogus"}, {"sort": "owner"}, {"columns": ["name", "secret"]}, {"nope": "1"}]:
        response = save_view(client, "Bad", **params)
        assert response.status_code == 400, params
        assert "This list cannot show that." in response.content.decode()
    assert not SavedView.objects.exists()


def test_view_names_are_unique_per_user_and_list_whatever_the_case(client, salesperson, other_salesperson):
    client.force_login(salesperson)
    assert save_view(client, "Mine", scope="mine").status_code == 302
    response = save_view(client, "  MINE ", status="active")
    assert response.status_code == 400 and "You already have a view with this name." in response.content.decode()
    # Another user, or another list, may use the name.
    saved_view_create(actor=other_salesperson, list_key="accounts", name="Mine", filters={})
    saved_view_create(actor=salesperson, list_key="contacts", name="Mine", filters={})
    assert SavedView.objects.count() == 3


def test_rename_replace_and_delete_a_saved_view(client, salesperson):
    saved = saved_view_create(actor=salesperson, list_key="accounts", name="Old", filters={"status": "active"})
    client.force_login(salesperson)
    url = reverse("lists:view_update", args=["accounts", saved.pk])
    assert client.post(url, {f"view-{saved.pk}-name": "New"}).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "New" and saved.filters == {"status": "active"}
    assert client.post(url, {"replace": "1", "query": "status=inactive&sort=city"}).status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.filters, saved.sort) == ("New", {"status": "inactive"}, "city")
    delete_url = reverse("lists:view_delete", args=["accounts", saved.pk])
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and "Delete the view New?" in confirm.content.decode()
    assert SavedView.objects.filter(pk=saved.pk).exists()
    assert client.post(delete_url).status_code == 302
    assert not SavedView.objects.filter(pk=saved.pk).exists()


def test_another_users_view_is_not_found(client, salesperson, other_salesperson):
    theirs = saved_view_create(actor=other_salesperson, list_key="accounts", name="Theirs", filters={})
    client.force_login(salesperson)
    assert client.get(reverse("accounts:list"), {"view": theirs.pk}).status_code == 404
    # A view of another list is not found on this one either.
    mine = saved_view_create(actor=salesperson, list_key="contacts", name="Contacts", filters={})
    assert client.get(reverse("accounts:list"), {"view": mine.pk}).status_code == 404
    update = reverse("lists:view_update", args=["accounts", theirs.pk])
    assert client.post(update, {f"view-{theirs.pk}-name": "Taken"}).status_code == 404
    assert client.get(reverse("lists:view_delete", args=["accounts", theirs.pk])).status_code == 404
    assert client.post(reverse("lists:view_delete", args=["accounts", theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert "Theirs" not in client.get(reverse("lists:views", args=["accounts"])).content.decode()
    assert client.get(reverse("lists:views", args=["nolist"])).status_code == 404


def test_the_services_refuse_another_users_view(salesperson, other_salesperson):
    theirs = saved_view_create(actor=other_salesperson, list_key="accounts", name="Theirs", filters={})
    with pytest.raises(PermissionDenied):
        saved_view_update(saved_view=theirs, actor=salesperson, name="Mine now")
    with pytest.raises(PermissionDenied):
        saved_view_delete(saved_view=theirs, actor=salesperson)
    with pytest.raises(ValidationError):
        saved_view_create(actor=salesperson, list_key="nolist", name="X", filters={})
    saved_view_delete(saved_view=theirs, actor=other_salesperson)
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [
        {"filters": {"status": "bogus"}},
        {"filters": {"owner_id__gt": "0"}},
        {"filters": ["status", "active"]},
        {"filters": {"status": 7}},
        {"sort": "password"},
        {"columns": "name"},
        {"columns": ["name", "nope"]},
    ],
)
def test_a_tampered_saved_view_falls_back_to_the_default_view_with_a_message(client, salesperson, records, tampered):
    saved = saved_view_create(actor=salesperson, list_key="accounts", name="Tampered", filters={"status": "inactive"})
    SavedView.objects.filter(pk=saved.pk).update(**tampered)
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"), {"view": saved.pk})
    assert response.status_code == 200
    assert names(response) == ALL_ACCOUNTS
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The view Tampered can no longer be shown as it was saved; this is the default view."
    ]


def test_the_views_page_works_without_javascript(client, salesperson):
    saved = saved_view_create(actor=salesperson, list_key="accounts", name="Mine", filters={"scope": "mine"})
    client.force_login(salesperson)
    html = client.get(reverse("lists:views", args=["accounts"]), {"query": "status=active"}).content.decode()
    assert 'href="/accounts/?view=my_active"' in html and f'href="/accounts/?view={saved.pk}"' in html
    assert '<input type="hidden" name="query" value="status=active">' in html
    assert 'action="/accounts/"' in html  # the column chooser


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_with_a_saved_view_runs_a_fixed_number_of_queries(
    client, salesperson, django_assert_num_queries, rows
):
    for _ in range(rows):
        AccountFactory(owner=salesperson, status=RecordStatus.INACTIVE)
    saved = saved_view_create(
        actor=salesperson,
        list_key="accounts",
        name="Inactive",
        filters={"status": "inactive"},
        columns=["name", "city"],
    )
    saved_view_create(actor=salesperson, list_key="accounts", name="Other", filters={})
    client.force_login(salesperson)
    # session, user, user permissions, group permissions, the user's saved views (the one asked for among them),
    # count, page of accounts
    with django_assert_num_queries(7):
        response = client.get(reverse("accounts:list"), {"view": saved.pk})
    assert len(response.context["table"].page.object_list) == rows


def test_the_registry_checks_what_a_view_holds():
    accounts = get_list("accounts")
    assert accounts.clean_filters({"status": "active", "scope": "all", "q": ""}) == {"status": "active"}
    with pytest.raises(ValueError):
        accounts.clean_filters({"status": "bogus"})
    assert accounts.clean_columns(["city", "name"]) == ["name", "city"]
    assert accounts.clean_sort("-city") == "-city"
    with pytest.raises(ValueError):
        accounts.clean_sort("status")  # not sortable


def test_a_changed_filter_fetches_the_results_without_the_saved_views(client, salesperson, django_assert_num_queries):
    AccountFactory(owner=salesperson)
    saved_view_create(actor=salesperson, list_key="accounts", name="Mine", filters={"scope": "mine"})
    client.force_login(salesperson)
    # session, user, user permissions, group permissions, count, page: the menu of views is not in the partial.
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:list"), {"status": "active"}, headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="results">')
