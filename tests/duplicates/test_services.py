"""The duplicate check, "Not a duplicate", merges and their undo, through the services every path uses."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_create, account_merge, account_update
from contacts.models import Contact
from contacts.services import contact_create, contact_merge
from crm.activities.models import Activity, ActivityParty
from crm.duplicates.merge import MASTER, SUBORDINATE, merge_undo
from crm.duplicates.models import DuplicateRule, NotDuplicate, RecordMerge
from crm.duplicates.registry import kind_of
from crm.duplicates.services import duplicates_find, not_duplicate_mark
from crm.history.models import ChangeEvent, ChangeKind
from crm.imports.models import ImportJob, ImportJobRecord
from crm.models import RecordStatus
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    InvoiceFactory,
    OpportunityFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


def matched(record, user, **kwargs):
    return {candidate.record.pk: candidate.matched for candidate in duplicates_find(record, user=user, **kwargs)}


# The check


def test_each_account_rule_finds_its_duplicate(salesperson):
    stored = account_create(
        actor=salesperson,
        name="Grupul Carpați Holding S.A.",
        account_number="GCH-001",
        website="https://www.carpati-holding.ro/despre",
        main_phone="+40 21 234 5678",
    )
    AccountFactory(name="Altceva SRL")
    assert matched(Account(name="GRUPUL CARPATI HOLDING SA"), salesperson) == {stored.pk: "Same account name"}
    assert matched(Account(name="X", account_number="gch-001"), salesperson) == {stored.pk: "Same account number"}
    assert matched(Account(name="X", website="carpati-holding.ro"), salesperson) == {stored.pk: "Same website domain"}
    assert matched(Account(name="X", main_phone="021.234.56.78"), salesperson) == {stored.pk: "Same main phone"}
    everything = Account(name="Grupul Carpaţi Holding", website="http://carpati-holding.ro", main_phone="0040212345678")
    assert matched(everything, salesperson) == {stored.pk: "Same account name, Same website domain, Same main phone"}
    assert matched(Account(name="Grupul Carpați Logistic SRL"), salesperson) == {}


def test_each_contact_rule_finds_its_duplicate(salesperson):
    account = AccountFactory()
    stored = contact_create(
        actor=salesperson,
        first_name="Ioana",
        last_name="Ștefănescu",
        email="Ioana.Stefanescu@Dacia.ro",
        mobile_phone="0722 123 456",
        account=account,
    )
    assert matched(Contact(last_name="X", email="ioana.stefanescu@dacia.ro"), salesperson) == {stored.pk: "Same email"}
    # A mobile number given as another contact's business phone is the same phone.
    assert matched(Contact(last_name="X", business_phone="+40722123456"), salesperson) == {
        stored.pk: "Same mobile or business phone"
    }
    same_name = Contact(first_name="IOANA", last_name="Stefanescu", account=account)
    assert matched(same_name, salesperson) == {stored.pk: "Same name on the same account"}
    # The same name on another account, or on none, is another person.
    assert matched(Contact(first_name="Ioana", last_name="Stefanescu", account=AccountFactory()), salesperson) == {}
    assert matched(Contact(first_name="Ioana", last_name="Stefanescu"), salesperson) == {}


def test_a_rule_turned_off_finds_nothing(salesperson):
    stored = account_create(actor=salesperson, name="Electrica Furnizare SA")
    assert stored.pk in matched(Account(name="S.C. Electrica Furnizare S.A."), salesperson)
    DuplicateRule.objects.filter(key="accounts.name").update(active=False)
    # PostgreSQL's fuzzy rule still finds the name alike, as a possible duplicate; off too, nothing.
    if connection.vendor == "postgresql":
        assert matched(Account(name="S.C. Electrica Furnizare S.A."), salesperson) == {
            stored.pk: "Similar account name"
        }
    DuplicateRule.objects.filter(key="accounts.similar_name").update(active=False)
    assert matched(Account(name="S.C. Electrica Furnizare S.A."), salesperson) == {}


def test_an_edit_is_checked_only_by_the_rules_of_the_fields_it_changed(salesperson):
    first = account_create(actor=salesperson, name="Dacia SRL", city="Pitești")
    second = account_create(actor=salesperson, name="Dacia S.R.L.", city="Mioveni")
    second.city = "Colibași"
    assert matched(second, salesperson, changed=["city"]) == {}
    assert matched(second, salesperson, changed=["name"]) == {first.pk: "Same account name"}
    # The record itself is never its own duplicate.
    assert second.pk not in matched(second, salesperson)


def test_not_a_duplicate_is_remembered_and_merged_records_are_left_out(salesperson):
    first = account_create(actor=salesperson, name="Ursus Breweries SA")
    second = account_create(actor=salesperson, name="URSUS BREWERIES")
    assert matched(second, salesperson) == {first.pk: "Same account name"}
    assert not_duplicate_mark(records=[second, first], actor=salesperson) == 1
    assert not_duplicate_mark(records=[first, second], actor=salesperson) == 0  # already remembered
    assert NotDuplicate.objects.get().first_id == min(first.pk, second.pk)
    assert matched(second, salesperson) == {}
    assert matched(first, salesperson) == {}
    third = account_create(actor=salesperson, name="Ursus Breweries S.A.")
    assert set(matched(third, salesperson)) == {first.pk, second.pk}
    account_merge(master=first, subordinate=second, fields=[], actor=salesperson)
    assert set(matched(third, salesperson)) == {first.pk}


def test_the_check_costs_the_same_queries_at_any_size(salesperson, django_assert_num_queries):
    for number in range(3):
        account_create(actor=salesperson, name=f"Hidroelectrica {number} SA", website=f"https://h{number}.ro")
    probe = Account(name="Hidroelectrica 1", website="h2.ro", main_phone="021 234 5678", account_number="A-1")
    salesperson.has_perm("accounts.view_account")  # the user's permissions, read once a request
    # The rules switched off (1), the candidates by every exact rule at once (1); on PostgreSQL the fuzzy
    # rule, in a savepoint (2), sets its threshold and time (1), asks the trigram index (1) and puts the
    # statement timeout back (1).
    expected = 2 + (5 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(expected):
        found = duplicates_find(probe, user=salesperson)
    assert len(found) >= 2
    for number in range(3, 30):
        account_create(actor=salesperson, name=f"Hidroelectrica {number} SA", website=f"https://h{number}.ro")
    with django_assert_num_queries(expected):
        duplicates_find(probe, user=salesperson)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="The fuzzy rule uses PostgreSQL's trigram indexes.")
def test_the_fuzzy_rule_finds_names_alike_as_possible_duplicates(salesperson, settings):
    alike = account_create(actor=salesperson, name="Transilvania Logistic Group")
    account_create(actor=salesperson, name="Banca Comercială Română")
    found = duplicates_find(Account(name="Transilvania Logistics Grup"), user=salesperson)
    assert [(candidate.record.pk, candidate.possible) for candidate in found] == [(alike.pk, True)]
    assert found[0].matched == "Similar account name" and 0.6 <= found[0].similarity < 1
    settings.CRM_DUPLICATE_SIMILARITY = 0.95
    assert duplicates_find(Account(name="Transilvania Logistics Grup"), user=salesperson) == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has exact rules only.")
def test_sqlite_uses_the_exact_rules_only(salesperson):
    account_create(actor=salesperson, name="Transilvania Logistic Group")
    assert duplicates_find(Account(name="Transilvania Logistics Grup"), user=salesperson) == []


# Merge


def _linked_account(owner, **fields):
    account = account_create(actor=owner, **fields)
    contact = contact_create(actor=owner, last_name=f"Pop {fields['name']}", account=account)
    account_update(account=account, actor=owner, primary_contact=contact)
    opportunity = OpportunityFactory(account=account, contact=contact, owner=owner)
    invoice = InvoiceFactory(account=account, contact=contact, owner=owner)
    child = account_create(actor=owner, name=f"{fields['name']} Filiala", parent_account=account)
    activity = ActivityFactory(account=account, owner=owner)
    account.refresh_from_db()
    return account, contact, opportunity, invoice, child, activity


def test_an_account_merge_moves_everything_and_writes_history(salesperson):
    master, master_contact, *_ = _linked_account(salesperson, name="Altex România SRL", account_number="ALT-1")
    subordinate, contact, opportunity, invoice, child, activity = _linked_account(
        salesperson,
        name="ALTEX ROMANIA S.R.L.",
        account_number="ALT-2",
        city="Piatra Neamț",
        website="https://altex.ro",
    )
    job = ImportJob.objects.create(target="accounts", file_name="conturi.csv", created_by=salesperson)
    link = ImportJobRecord.objects.create(
        job=job, target="accounts", object_id=subordinate.pk, action="created", written_at=timezone.now()
    )
    merge = account_merge(
        master=master,
        subordinate=subordinate,
        fields={"city": SUBORDINATE, "website": SUBORDINATE, "account_number": SUBORDINATE, "name": MASTER},
        actor=salesperson,
    )
    master.refresh_from_db()
    subordinate.refresh_from_db()
    assert (master.name, master.city, master.website, master.account_number) == (
        "Altex România SRL",
        "Piatra Neamț",
        "https://altex.ro",
        "ALT-2",
    )
    assert master.website_key == "altex.ro"  # the keys follow the values taken
    assert master.primary_contact == master_contact
    assert (subordinate.status, subordinate.merged_into, subordinate.account_number) == (
        RecordStatus.INACTIVE,
        master,
        "",
    )
    assert subordinate.primary_contact is None
    assert Contact.objects.get(pk=contact.pk).account == master
    assert Opportunity.objects.get(pk=opportunity.pk).account == master
    assert Invoice.objects.get(pk=invoice.pk).account == master
    assert Account.objects.get(pk=child.pk).parent_account == master
    assert Activity.objects.get(pk=activity.pk).account == master
    link.refresh_from_db()
    assert link.object_id == master.pk
    assert merge.master_before == {"city": "", "website": "", "account_number": "ALT-1"}
    # History: both accounts, and every moved record.
    assert ChangeEvent.objects.get(record_type="account", record_id=subordinate.pk, kind=ChangeKind.MERGED).changes[
        "merged_into"
    ] == [None, {"id": master.pk, "label": "Altex România SRL"}]
    merged = ChangeEvent.objects.get(record_type="account", record_id=master.pk, kind=ChangeKind.MERGED)
    assert merged.changes["city"] == ["", "Piatra Neamț"] and merged.changes["merged_record"][1] == str(subordinate)
    for record_type, pk, field in (
        ("contact", contact.pk, "account"),
        ("opportunity", opportunity.pk, "account"),
        ("invoice", invoice.pk, "account"),
        ("account", child.pk, "parent_account"),
        ("activity", activity.pk, "account"),
    ):
        event = ChangeEvent.objects.filter(record_type=record_type, record_id=pk).latest("pk")
        assert event.changes[field][1] == {"id": master.pk, "label": "Altex România SRL"}, record_type


def test_who_may_merge(salesperson, other_salesperson, sales_manager):
    own = account_create(actor=salesperson, name="Bosch GmbH")
    own_too = account_create(actor=salesperson, name="Bosch G.m.b.H.")
    theirs = account_create(actor=other_salesperson, name="BOSCH")
    with pytest.raises(PermissionDenied):
        account_merge(master=own, subordinate=theirs, fields=[], actor=salesperson)
    account_merge(master=own, subordinate=own_too, fields=[], actor=salesperson)
    account_merge(master=own, subordinate=theirs, fields=[], actor=sales_manager)
    assert Account.objects.filter(merged_into=own).count() == 2


def test_a_merge_is_refused_when_it_cannot_be_done(salesperson):
    master = account_create(actor=salesperson, name="Renault SAS")
    subordinate = account_create(actor=salesperson, name="Renault")
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        account_merge(master=master, subordinate=master, fields=[], actor=salesperson)
    with pytest.raises(ValidationError, match="cannot be merged"):
        account_merge(master=master, subordinate=subordinate, fields=["created_at"], actor=salesperson)
    stale = Account.objects.get(pk=subordinate.pk)
    account_update(account=subordinate, actor=salesperson, city="Mioveni")
    with pytest.raises(ValidationError, match="after you opened it"):
        account_merge(master=master, subordinate=stale, fields=[], actor=salesperson)
    child = account_create(actor=salesperson, name="Renault Filiala", parent_account=subordinate)
    with pytest.raises(ValidationError, match="is a child account of"):
        account_merge(master=child, subordinate=subordinate, fields=[], actor=salesperson)
    account_merge(master=master, subordinate=Account.objects.get(pk=subordinate.pk), fields=[], actor=salesperson)
    from accounts.services import account_set_status

    with pytest.raises(ValidationError, match="undo the merge to have it back"):
        account_set_status(account=Account.objects.get(pk=subordinate.pk), status="active", actor=salesperson)
    with pytest.raises(ValidationError, match="already been merged"):
        account_merge(master=master, subordinate=Account.objects.get(pk=subordinate.pk), fields=[], actor=salesperson)
    assert RecordMerge.objects.count() == 1


def test_merging_contacts_on_two_accounts_asks_which_account(salesperson):
    first_account, second_account = AccountFactory(name="Dacia"), AccountFactory(name="Renault")
    master = contact_create(actor=salesperson, first_name="Ana", last_name="Pop", account=first_account)
    subordinate = contact_create(
        actor=salesperson, first_name="Ana", last_name="Pop", account=second_account, email="ana@renault.ro"
    )
    account_update(account=second_account, actor=salesperson, primary_contact=subordinate)
    opportunity = OpportunityFactory(account=second_account, contact=subordinate, owner=salesperson)
    activity = ActivityFactory(account=None, contact=subordinate, owner=salesperson)
    party = ActivityParty.objects.create(activity=activity, role="to", email="ana@renault.ro", contact=subordinate)
    with pytest.raises(ValidationError, match="A contact belongs to one account"):
        contact_merge(master=master, subordinate=subordinate, fields=["email"], actor=salesperson)
    contact_merge(
        master=master,
        subordinate=Contact.objects.get(pk=subordinate.pk),
        fields={"account": SUBORDINATE, "email": SUBORDINATE},
        actor=salesperson,
    )
    master.refresh_from_db()
    subordinate.refresh_from_db()
    assert (master.account, master.email) == (second_account, "ana@renault.ro")
    assert (subordinate.account, subordinate.merged_into, subordinate.status) == (None, master, RecordStatus.INACTIVE)
    # The subordinate was the account's primary contact; the master, now on that account, is.
    assert Account.objects.get(pk=second_account.pk).primary_contact == master
    assert Opportunity.objects.get(pk=opportunity.pk).contact == master
    assert Activity.objects.get(pk=activity.pk).contact == master
    assert ActivityParty.objects.get(pk=party.pk).contact == master


# Undo


def test_undo_puts_back_exactly_what_was_moved(salesperson):
    master, *_ = _linked_account(salesperson, name="Petrom SA", account_number="P-1")
    subordinate, contact, opportunity, invoice, child, activity = _linked_account(
        salesperson, name="PETROM", account_number="P-2", city="Ploiești"
    )
    primary = subordinate.primary_contact_id
    merge = account_merge(master=master, subordinate=subordinate, fields=["city", "account_number"], actor=salesperson)
    kept = merge_undo(merge=merge, kind=kind_of(Account), actor=salesperson)
    assert kept == []
    master.refresh_from_db()
    subordinate.refresh_from_db()
    assert (master.city, master.account_number) == ("", "P-1")
    assert (subordinate.status, subordinate.merged_into, subordinate.account_number) == (
        RecordStatus.ACTIVE,
        None,
        "P-2",
    )
    assert subordinate.primary_contact_id == primary
    for model, pk, field in (
        (Contact, contact.pk, "account"),
        (Opportunity, opportunity.pk, "account"),
        (Invoice, invoice.pk, "account"),
        (Account, child.pk, "parent_account"),
        (Activity, activity.pk, "account"),
    ):
        assert getattr(model.objects.get(pk=pk), f"{field}_id") == subordinate.pk, model
    assert ChangeEvent.objects.filter(kind=ChangeKind.MERGE_UNDONE).count() == 2
    with pytest.raises(ValidationError, match="already been undone"):
        merge_undo(merge=merge, kind=kind_of(Account), actor=salesperson)


def test_undo_keeps_what_others_changed_since_and_lists_it(salesperson, sales_manager):
    master = account_create(actor=salesperson, name="Brico Depot Romania SRL")
    subordinate, contact, opportunity, *_ = _linked_account(salesperson, name="Brico Depot", city="Cluj")
    merge = account_merge(master=master, subordinate=subordinate, fields=["city"], actor=salesperson)
    # After the merge someone edits the moved contact and the master's city.
    moved = Contact.objects.get(pk=contact.pk)
    from contacts.services import contact_update

    contact_update(contact=moved, actor=sales_manager, job_title="Director")
    account_update(account=Account.objects.get(pk=master.pk), actor=sales_manager, city="Turda")
    kept = merge_undo(merge=merge, kind=kind_of(Account), actor=salesperson)
    assert kept == [
        f"{contact.last_name} was changed after the merge and stays as it is (account).",
        "The master's city was changed after the merge and keeps its new value.",
        # It was the subordinate's primary contact, and stayed with the master.
        "The subordinate's primary contact could not be given back: "
        "The primary contact must be one of this account's contacts.",
    ]
    assert Contact.objects.get(pk=contact.pk).account == master  # changed since: stays
    assert Opportunity.objects.get(pk=opportunity.pk).account == subordinate  # untouched: back
    assert Account.objects.get(pk=master.pk).city == "Turda"


def test_undo_is_refused_after_its_time(salesperson, settings):
    master = account_create(actor=salesperson, name="Hidroelectrica S.A.")
    subordinate = account_create(actor=salesperson, name="Hidroelectrica")
    merge = account_merge(master=master, subordinate=subordinate, fields=[], actor=salesperson)
    RecordMerge.objects.filter(pk=merge.pk).update(merged_at=timezone.now() - datetime.timedelta(hours=25))
    merge.refresh_from_db()
    with pytest.raises(ValidationError, match="can no longer be"):
        merge_undo(merge=merge, kind=kind_of(Account), actor=salesperson)
    other = SalespersonFactory()
    settings.CRM_MERGE_UNDO_HOURS = 48
    with pytest.raises(PermissionDenied):
        merge_undo(merge=merge, kind=kind_of(Account), actor=other)


def test_a_contact_leaving_its_account_in_a_merge_is_no_longer_its_primary_contact(salesperson):
    dacia, renault = AccountFactory(name="Dacia"), AccountFactory(name="Renault")
    master = contact_create(actor=salesperson, first_name="Ana", last_name="Pop", account=dacia)
    account_update(account=dacia, actor=salesperson, primary_contact=master)
    subordinate = contact_create(actor=salesperson, first_name="Ana", last_name="Pop", account=renault)
    merge = contact_merge(master=master, subordinate=subordinate, fields={"account": SUBORDINATE}, actor=salesperson)
    dacia.refresh_from_db()
    assert dacia.primary_contact is None
    dacia.full_clean()  # the account is valid: no primary contact who is not one of its contacts
    assert Contact.objects.get(pk=master.pk).account == renault
    assert merge_undo(merge=merge, kind=kind_of(Contact), actor=salesperson) == []
    dacia.refresh_from_db()
    assert dacia.primary_contact_id == master.pk and Contact.objects.get(pk=master.pk).account == dacia


def test_undo_leaves_the_masters_chosen_primary_contact_with_it(salesperson):
    master = account_create(actor=salesperson, name="Ursus SA")
    subordinate, contact, *_ = _linked_account(salesperson, name="URSUS")
    merge = account_merge(master=master, subordinate=subordinate, fields=[], actor=salesperson)
    moved = Contact.objects.get(pk=contact.pk)
    # Since the merge the master made the contact that came with the subordinate its primary contact.
    account_update(account=Account.objects.get(pk=master.pk), actor=salesperson, primary_contact=moved)
    kept = merge_undo(merge=merge, kind=kind_of(Account), actor=salesperson)
    assert Contact.objects.get(pk=contact.pk).account_id == master.pk
    assert Account.objects.get(pk=master.pk).primary_contact_id == contact.pk
    assert any(contact.last_name in line for line in kept)
    subordinate.refresh_from_db()
    assert subordinate.merged_into is None and subordinate.primary_contact is None
    assert any("primary contact could not be given back" in line for line in kept)
