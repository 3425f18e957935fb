"""A record's Timeline: its activities, those its app rolls up, and its changes, newest first, in pages."""

import datetime

import pytest
from django.utils import timezone

from accounts.services import account_update
from crm.activities import services
from crm.activities.models import Activity, ActivityKind
from crm.activities.selectors import TimelineFilter, record_timeline
from crm.history.selectors import record_changes
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def page(user, record, **filters):
    entries, _following = record_timeline(
        user=user, record=record, filters=TimelineFilter(**filters), changes=record_changes(user, record)
    )
    return entries


def activities_of(entries):
    return [
        (entry.item.subject or entry.item.description, entry.rolled_up_from)
        for entry in entries
        if entry.source == "activity"
    ]


def test_an_account_rolls_up_its_contacts_opportunities_and_invoices(salesperson):
    account, other = AccountFactory(), AccountFactory()
    contact = ContactFactory(account=account)
    opportunity = OpportunityFactory(account=account)
    invoice = InvoiceFactory(account=account)
    ActivityFactory(account=account, subject="own")
    ActivityFactory(account=None, contact=contact, subject="about the contact")
    ActivityFactory(account=None, opportunity=opportunity, subject="about the opportunity")
    ActivityFactory(account=None, invoice=invoice, subject="about the invoice")
    ActivityFactory(account=other, subject="another account's")
    ActivityFactory(account=None, contact=ContactFactory(account=other), subject="another account's contact")
    shown = activities_of(page(salesperson, account))
    assert sorted(shown) == sorted(
        [
            ("own", ""),
            ("about the contact", "contact"),
            ("about the opportunity", "opportunity"),
            ("about the invoice", "invoice"),
        ]
    )


def test_the_roll_up_follows_a_contact_to_its_new_account(salesperson):
    first, second = AccountFactory(), AccountFactory()
    contact = ContactFactory(account=first)
    ActivityFactory(account=None, contact=contact, subject="call notes")
    assert activities_of(page(salesperson, first)) == [("call notes", "contact")]
    contact.account = second
    contact.save()
    assert activities_of(page(salesperson, first)) == []
    assert activities_of(page(salesperson, second)) == [("call notes", "contact")]


def test_an_opportunity_shows_its_contacts_activities(salesperson):
    contact = ContactFactory()
    opportunity = OpportunityFactory(contact=contact)
    ActivityFactory(account=None, opportunity=opportunity, subject="demo")
    ActivityFactory(account=None, contact=contact, subject="contact call")
    assert sorted(activities_of(page(salesperson, opportunity))) == [("contact call", "contact"), ("demo", "")]


def test_newest_first_with_the_changes_between(salesperson):
    account = AccountFactory(owner=salesperson)
    services.note_create(regarding=account, text="first note", actor=salesperson)
    account_update(account=account, actor=salesperson, city="Iași")
    services.note_create(regarding=account, text="second note", actor=salesperson)
    entries = page(salesperson, account)
    sources = [(entry.source, getattr(entry.item, "description", "") or entry.item.kind) for entry in entries]
    assert sources == [("activity", "second note"), ("change", "updated"), ("activity", "first note")]
    # The activities' own changes are not listed again beside them.
    assert all(entry.item.record_type != "activity" for entry in entries if entry.source == "change")


def test_filters_by_kind_state_and_text(salesperson):
    account = AccountFactory()
    ActivityFactory(account=account, subject="Ofertă licențe")
    done = ActivityFactory(account=account, kind=ActivityKind.PHONE_CALL, subject="Apel Popescu")
    services.activity_complete(activity=done, actor=salesperson)
    services.note_create(regarding=account, text="Vor reducere la licențe", actor=salesperson)
    assert [e.item.subject for e in page(salesperson, account, kind=ActivityKind.PHONE_CALL)] == ["Apel Popescu"]
    assert [e.item.subject for e in page(salesperson, account, state="open")] == ["Ofertă licențe"]
    closed = page(salesperson, account, state="closed")
    assert {e.item.kind for e in closed} == {ActivityKind.PHONE_CALL, ActivityKind.NOTE}
    found = page(salesperson, account, q="licențe")
    assert {e.item.kind for e in found} == {ActivityKind.TASK, ActivityKind.NOTE}
    assert all(e.source == "change" for e in page(salesperson, account, kind="change"))


def test_pages_go_through_every_entry_once(salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    moment = timezone.now()
    made = []
    for index in range(25):
        # Same instants on purpose, in both sources: a page ends between entries of one instant.
        at = moment - datetime.timedelta(seconds=index // 3)
        made.append(ActivityFactory(account=account, subject=f"a{index}").pk)
        made.append(ActivityFactory(account=None, contact=contact, subject=f"c{index}").pk)
        Activity.objects.filter(pk__in=made[-2:]).update(created_at=at)
    seen, cursor, pages = [], None, 0
    while True:
        entries, cursor = record_timeline(
            user=salesperson, record=account, cursor=cursor, size=7, filters=TimelineFilter(kind=ActivityKind.TASK)
        )
        seen.extend(entry.item.pk for entry in entries)
        pages += 1
        if cursor is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert pages == 8
    times = [Activity.objects.get(pk=pk).created_at for pk in seen]
    assert times == sorted(times, reverse=True)


def test_a_user_who_cannot_read_activities_sees_none(user_without_role, salesperson):
    account = AccountFactory()
    ActivityFactory(account=account)
    entries, _ = record_timeline(user=user_without_role, record=account)
    assert entries == []
    assert len(record_timeline(user=salesperson, record=account)[0]) == 1
