"""Duplicate detection in the admin: the "Duplicate records found" check of the account and contact forms,
the rules' on/off switches, and the merges, pairs and jobs that are only listed."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.duplicates.models import DuplicateRule, DuplicateScan, NotDuplicate, RecordMerge
from crm.duplicates.registry import sync_rules
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ACCOUNT_ADD = reverse("admin:accounts_account_add")
CONTACT_ADD = reverse("admin:contacts_contact_add")
RULES = reverse("admin:duplicates_duplicaterule_changelist")


@pytest.fixture(autouse=True)
def rules(db):
    sync_rules()  # the rows migrate gives every registered rule, active


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def form_data(client, url, **values):
    """The admin form's fields as the page shows them (their initial values), with ``values`` typed in."""
    form = client.get(url).context["adminform"].form
    data = {field.name: field.value() for field in form if field.value() is not None}
    data.update(values)
    return data


def page_of(response):
    return response.content.decode()


def test_adding_an_account_like_a_stored_one_is_refused_until_save_anyway(admin_client, administrator):
    stored = AccountFactory(name="GRUPUL CARPATI HOLDING SA", owner=administrator)
    data = form_data(admin_client, ACCOUNT_ADD, name="Grupul Carpați Holding S.A.", owner=administrator.pk)

    response = admin_client.post(ACCOUNT_ADD, data)

    assert response.status_code == 200
    page = page_of(response)
    assert "Duplicate records found" in page
    assert "GRUPUL CARPATI HOLDING SA" in page
    assert reverse("admin:accounts_account_change", args=[stored.pk]) in page
    assert "Same account name" in page
    form = response.context["adminform"].form
    assert [candidate.record for candidate in form.duplicates] == [stored]
    assert not form["save_anyway"].is_hidden  # the box is offered with the records it is about
    assert Account.objects.count() == 1

    response = admin_client.post(ACCOUNT_ADD, {**data, "save_anyway": "on"})

    assert response.status_code == 302
    assert Account.objects.count() == 2
    saved = Account.objects.exclude(pk=stored.pk).get()
    assert (saved.name, saved.name_key) == ("Grupul Carpați Holding S.A.", stored.name_key)


def test_the_add_form_hides_save_anyway_until_duplicates_are_found(admin_client):
    form = admin_client.get(ACCOUNT_ADD).context["adminform"].form

    assert "save_anyway" in form.fields
    assert form["save_anyway"].is_hidden


def test_an_account_unlike_the_stored_ones_is_added_at_once(admin_client, administrator):
    AccountFactory(name="GRUPUL CARPATI HOLDING SA", owner=administrator)
    data = form_data(admin_client, ACCOUNT_ADD, name="Dacia SA", owner=administrator.pk)

    assert admin_client.post(ACCOUNT_ADD, data).status_code == 302
    assert Account.objects.filter(name="Dacia SA").exists()


def test_an_edit_that_changes_no_rule_field_is_not_interrupted(admin_client, administrator):
    AccountFactory(name="GRUPUL CARPATI HOLDING SA", owner=administrator)
    twin = AccountFactory(name="Grupul Carpați Holding S.A.", owner=administrator)
    url = reverse("admin:accounts_account_change", args=[twin.pk])
    data = form_data(admin_client, url, description="Client din 2019", owner=administrator.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.description == "Client din 2019"


def test_an_edit_that_changes_a_rule_field_is_checked(admin_client, administrator):
    AccountFactory(name="GRUPUL CARPATI HOLDING SA", owner=administrator)
    other = AccountFactory(name="Dacia SA", owner=administrator)
    url = reverse("admin:accounts_account_change", args=[other.pk])
    data = form_data(admin_client, url, name="Grupul Carpați Holding", owner=administrator.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Duplicate records found" in page_of(response)
    other.refresh_from_db()
    assert other.name == "Dacia SA"


def test_a_contact_with_the_same_email_is_refused(admin_client, administrator):
    stored = ContactFactory(first_name="Ana", last_name="Ionescu", email="ana.ionescu@example.ro", owner=administrator)
    data = form_data(
        admin_client,
        CONTACT_ADD,
        first_name="Ana-Maria",
        last_name="Ionescu-Pop",
        email="Ana.Ionescu@Example.RO",
        owner=administrator.pk,
    )

    response = admin_client.post(CONTACT_ADD, data)

    assert response.status_code == 200
    page = page_of(response)
    assert "Duplicate records found" in page
    assert "Same email" in page
    assert reverse("admin:contacts_contact_change", args=[stored.pk]) in page
    assert Contact.objects.count() == 1

    assert admin_client.post(CONTACT_ADD, {**data, "save_anyway": "on"}).status_code == 302
    assert Contact.objects.count() == 2


def test_the_contact_change_form_still_works(admin_client, administrator):
    contact = ContactFactory(last_name="Pop", owner=administrator)
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    page = admin_client.get(url)
    assert 'name="save_anyway"' in page_of(page)

    data = form_data(admin_client, url, job_title="Director", owner=administrator.pk)
    assert admin_client.post(url, data).status_code == 302
    contact.refresh_from_db()
    assert contact.job_title == "Director"


def test_the_candidates_names_are_escaped(admin_client, administrator):
    AccountFactory(name="<b>Carpați</b> SRL", owner=administrator)
    data = form_data(admin_client, ACCOUNT_ADD, name="<b>Carpați</b> SA", owner=administrator.pk)

    page = page_of(admin_client.post(ACCOUNT_ADD, data))

    assert "Duplicate records found" in page
    assert "&lt;b&gt;Carpați&lt;/b&gt; SRL" in page
    assert "<b>Carpați</b> SRL" not in page


def test_a_rule_turned_off_in_the_list_no_longer_interrupts(admin_client, administrator):
    AccountFactory(name="GRUPUL CARPATI HOLDING SA", owner=administrator)
    # The same name, and (on PostgreSQL) the similar name: both rules that find these two alike.
    rules = list(DuplicateRule.objects.filter(key__in=["accounts.name", "accounts.similar_name"]).order_by("pk"))
    data = {"form-TOTAL_FORMS": str(len(rules)), "form-INITIAL_FORMS": str(len(rules)), "_save": "Save"}
    for index, rule in enumerate(rules):
        data[f"form-{index}-id"] = str(rule.pk)  # "form-N-active" not posted: the box is unticked

    response = admin_client.post(RULES, data)

    assert response.status_code == 302
    assert {rule.key for rule in DuplicateRule.objects.filter(active=False)} == {rule.key for rule in rules}
    assert DuplicateRule.objects.get(key="accounts.name").active is False
    data = form_data(admin_client, ACCOUNT_ADD, name="Grupul Carpați Holding S.A.", owner=administrator.pk)
    assert admin_client.post(ACCOUNT_ADD, data).status_code == 302
    assert Account.objects.count() == 2


def test_the_rule_actions_turn_rules_off_and_on(admin_client):
    keys = ["accounts.name", "accounts.website"]
    selected = list(DuplicateRule.objects.filter(key__in=keys).values_list("pk", flat=True))

    admin_client.post(RULES, {"action": "turn_off", "_selected_action": selected})
    assert set(DuplicateRule.objects.filter(key__in=keys).values_list("active", flat=True)) == {False}
    assert DuplicateRule.objects.filter(active=False).count() == 2

    admin_client.post(RULES, {"action": "turn_on", "_selected_action": selected})
    assert not DuplicateRule.objects.filter(active=False).exists()


def test_the_rule_list_and_form(admin_client):
    page = page_of(admin_client.get(RULES))
    assert "Same account name" in page
    assert 'name="form-0-active"' in page
    rule = DuplicateRule.objects.get(key="contacts.email")
    form = admin_client.get(reverse("admin:duplicates_duplicaterule_change", args=[rule.pk])).context["adminform"]
    assert list(form.form.fields) == ["active"]  # name, model and key are read-only


def test_rules_are_neither_added_nor_deleted(administrator):
    request = RequestFactory().get("/")
    request.user = administrator
    rule_admin = site.get_model_admin(DuplicateRule)
    assert not rule_admin.has_add_permission(request)
    assert not rule_admin.has_delete_permission(request, DuplicateRule.objects.first())
    assert "delete_selected" not in rule_admin.get_actions(request)


def test_merges_and_jobs_are_only_listed_and_not_duplicates_can_be_deleted(admin_client, administrator):
    request = RequestFactory().get("/")
    request.user = administrator
    for model in (RecordMerge, DuplicateScan):
        model_admin = site.get_model_admin(model)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    not_duplicate_admin = site.get_model_admin(NotDuplicate)
    assert not not_duplicate_admin.has_add_permission(request)
    assert not not_duplicate_admin.has_change_permission(request)
    assert not_duplicate_admin.has_delete_permission(request)

    assert admin_client.get(reverse("admin:duplicates_recordmerge_add")).status_code == 403
    for name in ("recordmerge", "notduplicate", "duplicatescan"):
        assert admin_client.get(reverse(f"admin:duplicates_{name}_changelist")).status_code == 200


def test_a_not_duplicate_pair_is_taken_back_in_the_admin(admin_client, administrator):
    first, second = AccountFactory(owner=administrator), AccountFactory(owner=administrator)
    pair = NotDuplicate.objects.create(
        model="accounts.account",
        first_id=min(first.pk, second.pk),
        second_id=max(first.pk, second.pk),
        decided_by=administrator,
    )

    response = admin_client.post(reverse("admin:duplicates_notduplicate_delete", args=[pair.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not NotDuplicate.objects.exists()


def test_the_lists_take_any_search_and_filter(admin_client, administrator):
    master, subordinate = AccountFactory(owner=administrator), AccountFactory(owner=administrator)
    merge = RecordMerge.objects.create(
        model="accounts.account", master_id=master.pk, subordinate_id=subordinate.pk, merged_by=administrator
    )
    merges = reverse("admin:duplicates_recordmerge_changelist")
    for query in ({"q": str(master.pk)}, {"q": "'; x"}, {"undone_at__isnull": "True"}, {"model__exact": "x"}):
        assert admin_client.get(merges, query).status_code == 200
    assert str(master.pk) in page_of(admin_client.get(merges, {"q": str(master.pk)}))
    change = admin_client.get(reverse("admin:duplicates_recordmerge_change", args=[merge.pk]))
    assert change.status_code == 200
    assert not change.context["adminform"].form.fields  # seen, not changed
    assert admin_client.get(reverse("admin:duplicates_notduplicate_changelist"), {"q": "abc"}).status_code == 200
