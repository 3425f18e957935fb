"""Activity rules held by the database and by Activity.clean()."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.activities.models import Activity, ActivityKind, ActivityParty, ActivityState, SendState
from tests.constraints import violates
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_regards_exactly_one_record_in_the_database():
    activity = ActivityFactory()
    with violates("activity_regards_one_record"):
        Activity.objects.filter(pk=activity.pk).update(contact=ContactFactory())
    with violates("activity_regards_one_record"):
        Activity.objects.filter(pk=activity.pk).update(account=None)


def test_kind_state_and_priority_are_among_their_choices_in_the_database():
    activity = ActivityFactory()
    with violates("activity_kind_valid"):
        Activity.objects.filter(pk=activity.pk).update(kind="fax")
    with violates("activity_state_valid"):
        Activity.objects.filter(pk=activity.pk).update(state="paused", completed_at=timezone.now())
    with violates("activity_priority_valid"):
        Activity.objects.filter(pk=activity.pk).update(priority="urgent")


def test_a_note_is_never_open_in_the_database():
    note = ActivityFactory(
        kind=ActivityKind.NOTE, description="x", state=ActivityState.COMPLETED, completed_at=timezone.now()
    )
    with violates("activity_note_not_open"):
        Activity.objects.filter(pk=note.pk).update(state=ActivityState.OPEN, completed_at=None)


def test_closed_on_is_set_exactly_when_closed_in_the_database():
    activity = ActivityFactory()
    with violates("activity_closed_on_when_closed"):
        Activity.objects.filter(pk=activity.pk).update(state=ActivityState.COMPLETED)
    with violates("activity_closed_on_when_closed"):
        Activity.objects.filter(pk=activity.pk).update(completed_at=timezone.now())


def test_the_end_is_not_before_the_start_in_the_database():
    start = timezone.now()
    activity = ActivityFactory(kind=ActivityKind.APPOINTMENT, due_at=start)
    with violates("activity_ends_after_start"):
        Activity.objects.filter(pk=activity.pk).update(ends_at=start - datetime.timedelta(minutes=1))


def test_clean_names_what_is_missing():
    account = AccountFactory()
    with pytest.raises(ValidationError) as caught:
        Activity(kind=ActivityKind.TASK, account=account, owner=account.owner).full_clean()
    assert caught.value.error_dict["subject"][0].code == "subject_required"
    with pytest.raises(ValidationError) as caught:
        Activity(kind=ActivityKind.NOTE, account=account, owner=account.owner).full_clean()
    assert caught.value.error_dict["description"][0].code == "note_empty"
    with pytest.raises(ValidationError) as caught:
        Activity(kind=ActivityKind.APPOINTMENT, subject="Demo", account=account, owner=account.owner).full_clean()
    assert caught.value.error_dict["due_at"][0].code == "start_required"
    with pytest.raises(ValidationError) as caught:
        Activity(kind=ActivityKind.TASK, subject="Ofertă", owner=account.owner).full_clean()
    assert caught.value.error_dict["__all__"][0].code == "regarding"


def test_regarding_is_the_linked_record():
    contact = ContactFactory()
    activity = ActivityFactory(account=None, contact=contact)
    assert activity.regarding == contact


def test_the_party_and_sending_constraints():
    activity = ActivityFactory(kind=ActivityKind.EMAIL)
    ActivityParty.objects.create(activity=activity, role="to", email="a@x.ro")
    if connection.vendor == "postgresql":
        with violates("activity_party_unique"):
            ActivityParty.objects.create(activity=activity, role="to", email="a@x.ro")
    else:  # SQLite names the unique constraint's columns, not its name
        with pytest.raises(IntegrityError, match="activityparty.activity_id"), transaction.atomic():
            ActivityParty.objects.create(activity=activity, role="to", email="a@x.ro")
    with violates("activity_party_role_valid"):
        ActivityParty.objects.create(activity=activity, role="bcc", email="b@x.ro")
    with violates("activity_party_has_email"):
        ActivityParty.objects.create(activity=activity, role="cc", email="")
    with violates("activity_send_state_valid"):
        ActivityFactory(kind=ActivityKind.TASK, send_state=SendState.QUEUED)
