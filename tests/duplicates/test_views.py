"""The pages: "Duplicate records found" on the record forms, Merge, its result and undo, and the Duplicates page."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Account
from accounts.services import account_create
from contacts.models import Contact
from contacts.services import contact_create
from crm.duplicates.models import DuplicateGroup, DuplicateScan, NotDuplicate, RecordMerge
from crm.duplicates.registry import kind_of
from crm.duplicates.scan import duplicates_scan_run, find_groups
from tests.factories import ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ACCOUNT = {"name": "GRUPUL CARPATI HOLDING SA", "relationship_type": "customer", "currency": "RON"}


@pytest.fixture
def carpati(salesperson):
    return account_create(actor=salesperson, name="Grupul Carpați Holding S.A.", city="Brașov")


def test_a_new_account_like_one_on_file_asks_first(client, salesperson, carpati):
    client.force_login(salesperson)
    response = client.post(reverse("accounts:create"), ACCOUNT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Duplicate records found" in page and "Grupul Carpați Holding S.A." in page
    assert "Same account name" in page and 'name="save_anyway"' in page
    assert Account.objects.count() == 1  # nothing saved until the user chooses
    response = client.post(reverse("accounts:create"), {**ACCOUNT, "save_anyway": "1"})
    assert response.status_code == 302
    assert Account.objects.filter(name=ACCOUNT["name"]).exists()


def test_an_edit_of_other_fields_is_not_interrupted(client, salesperson, carpati):
    twin = account_create(actor=salesperson, name="Grupul Carpati Holding")
    client.force_login(salesperson)
    form = client.get(reverse("accounts:edit", args=[twin.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({f"initial-{name}": value for name, value in data.items() if name != "version"})
    data.update(description="Sediul din Brașov", version=twin.version)
    response = client.post(reverse("accounts:edit", args=[twin.pk]), data)
    assert response.status_code == 302
    data.update(name="Grupul Carpați Holding SA", version=twin.version + 1)
    response = client.post(reverse("accounts:edit", args=[twin.pk]), data)
    assert response.status_code == 200 and "Duplicate records found" in response.content.decode()
    # On an edit each record found offers Merge with the one being edited.
    assert f"?records={twin.pk}&amp;records={carpati.pk}" in response.content.decode()


def test_a_new_contact_with_an_email_on_file_asks_first(client, salesperson):
    contact_create(actor=salesperson, first_name="Ana", last_name="Pop", email="ana.pop@dacia.ro")
    client.force_login(salesperson)
    data = {"first_name": "Ana", "last_name": "Popa", "email": "ANA.POP@dacia.ro", "preferred_contact_method": "any"}
    response = client.post(reverse("contacts:create"), data)
    assert response.status_code == 200 and "Same email" in response.content.decode()
    assert Contact.objects.count() == 1


def test_the_form_check_costs_a_fixed_number_of_queries(client, salesperson, carpati, django_assert_max_num_queries):
    client.force_login(salesperson)
    # The page's own (session, user, permissions...) and the check's: 2, and 5 more on PostgreSQL's fuzzy rule.
    limit = 12 + (5 if connection.vendor == "postgresql" else 0)
    with django_assert_max_num_queries(limit):
        client.post(reverse("accounts:create"), ACCOUNT)
    for number in range(20):
        account_create(actor=salesperson, name=f"Grupul Carpați Holding S.A. {number}")
        account_create(actor=salesperson, name="Grupul Carpati Holding")
    with django_assert_max_num_queries(limit):
        response = client.post(reverse("accounts:create"), ACCOUNT)
    assert response.content.decode().count("Same account name") == 10  # the first ten found


def test_merge_from_the_page_and_undo(client, salesperson, carpati):
    twin = account_create(actor=salesperson, name="GRUPUL CARPATI HOLDING", city="Sibiu")
    deal = OpportunityFactory(account=twin, owner=salesperson)
    client.force_login(salesperson)
    url = reverse("duplicates:merge", args=["accounts"])
    page = client.get(url, {"records": [carpati.pk, twin.pk]})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Master record" in text and "Brașov" in text and "Sibiu" in text
    response = client.post(
        url,
        {
            "records": [carpati.pk, twin.pk],
            "master": carpati.pk,
            "field_city": "subordinate",
            "field_name": "master",
            "master_version": carpati.version,
            "subordinate_version": twin.version,
        },
    )
    merge = RecordMerge.objects.get()
    assert response.status_code == 302 and response.url == reverse("duplicates:merge_done", args=[merge.pk])
    carpati.refresh_from_db()
    assert carpati.city == "Sibiu" and deal.__class__.objects.get(pk=deal.pk).account == carpati
    done = client.get(response.url).content.decode()
    assert "Undo the merge" in done and "Opportunities: 1" in done
    subordinate_page = client.get(reverse("accounts:detail", args=[twin.pk])).content.decode()
    assert "Merged into" in subordinate_page and carpati.get_absolute_url() in subordinate_page
    response = client.post(reverse("duplicates:merge_undo", args=[merge.pk]))
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into is None and deal.__class__.objects.get(pk=deal.pk).account == twin


def test_merge_page_refuses_what_it_cannot_do(client, salesperson, other_salesperson, carpati):
    theirs = account_create(actor=other_salesperson, name="Grupul Carpati")
    client.force_login(salesperson)
    url = reverse("duplicates:merge", args=["accounts"])
    assert client.get(url, {"records": [carpati.pk, theirs.pk]}).status_code == 403
    assert client.get(url, {"records": [carpati.pk]}).status_code == 404
    assert client.get(url, {"records": [carpati.pk, "x"]}).status_code == 404
    assert client.get(reverse("duplicates:merge", args=["nothing"]), {"records": [1, 2]}).status_code == 404
    # A stale version: refused on the form, nothing merged.
    twin = account_create(actor=salesperson, name="GRUPUL CARPATI")
    data = {"records": [carpati.pk, twin.pk], "master": carpati.pk, "master_version": 99, "subordinate_version": 1}
    response = client.post(url, data)
    assert response.status_code == 400 and "after you opened it" in response.content.decode()
    assert not RecordMerge.objects.exists()


def test_merge_two_rows_from_a_list(client, salesperson, carpati):
    twin = account_create(actor=salesperson, name="Grupul Carpati")
    third = account_create(actor=salesperson, name="Altceva")
    client.force_login(salesperson)
    bulk = reverse("lists:bulk", args=["accounts"])
    response = client.post(bulk, {"action": "merge", "selected": [carpati.pk, twin.pk]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("duplicates:merge", args=["accounts"]) + f"?records={carpati.pk}")
    response = client.post(bulk, {"action": "merge", "selected": [carpati.pk, twin.pk, third.pk]})
    assert response.status_code == 400 and "exactly two" in response.content.decode()


def test_the_duplicates_page_is_for_managers(client, salesperson, sales_manager):
    client.force_login(salesperson)
    assert client.get(reverse("duplicates:list")).status_code == 403
    assert client.post(reverse("duplicates:scan"), {"kind": "accounts"}).status_code == 403
    client.force_login(sales_manager)
    assert client.get(reverse("duplicates:list")).status_code == 200


def test_a_scan_lists_the_groups_and_not_a_duplicate_hides_one(client, sales_manager, salesperson, carpati):
    account_create(actor=salesperson, name="Grupul Carpati Holding")
    dacia = account_create(actor=salesperson, name="Dacia SRL", website="https://dacia.ro")
    account_create(actor=salesperson, name="Automobile Dacia", website="http://www.dacia.ro/modele")
    client.force_login(sales_manager)
    response = client.post(reverse("duplicates:scan"), {"kind": "accounts"})
    assert response.status_code == 302
    scan = DuplicateScan.objects.get()
    # A second start while the first is queued finds it.
    client.post(reverse("duplicates:scan"), {"kind": "accounts"})
    assert DuplicateScan.objects.count() == 1
    duplicates_scan_run(scan.pk)
    page = client.get(reverse("duplicates:list"), {"kind": "accounts"}).content.decode()
    assert "2 groups found" in page and "Same account name" in page and "Same website domain" in page
    group = next(group for group in DuplicateGroup.objects.all() if dacia.pk in group.record_ids)
    client.post(reverse("duplicates:group_dismiss", args=[group.pk]))
    assert NotDuplicate.objects.count() == 1
    # The next scan leaves the pair out.
    groups, scanned = find_groups(kind_of(Account))
    assert scanned == 4 and [g["rules"] for g in groups] == [["accounts.name"]]


def test_the_duplicates_page_costs_the_same_queries_at_two_sizes(
    client, sales_manager, salesperson, django_assert_max_num_queries
):
    def grow(count):
        for number in range(count):
            account = account_create(actor=salesperson, name=f"Compania {number} SRL")
            account_create(actor=salesperson, name=f"COMPANIA {number}")
            ContactFactory(account=account, owner=salesperson)

    grow(2)
    client.force_login(sales_manager)
    client.post(reverse("duplicates:scan"), {"kind": "accounts"})
    duplicates_scan_run(DuplicateScan.objects.get().pk)
    with django_assert_max_num_queries(14):
        small = client.get(reverse("duplicates:list"), {"kind": "accounts"})
    assert small.content.decode().count("Not a duplicate") == 2
    grow(30)
    DuplicateScan.objects.all().delete()
    client.post(reverse("duplicates:scan"), {"kind": "accounts"})
    duplicates_scan_run(DuplicateScan.objects.get().pk)
    with django_assert_max_num_queries(14):
        large = client.get(reverse("duplicates:list"), {"kind": "accounts"})
    assert large.content.decode().count("Not a duplicate") == 25  # one page
    assert "Contacts: 1" in large.content.decode()
