"""The activity workflows: who may, what each allows, and the change history each writes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.activities import services
from crm.activities.models import Activity, ActivityKind, ActivityState
from crm.history.models import ChangeEvent, ChangeKind, RecordType
from crm.services import RecordChanged
from tests.factories import AccountFactory, ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def events(activity):
    return list(
        ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, record_id=activity.pk)
        .order_by("occurred_at", "pk")
        .values_list("kind", flat=True)
    )


def test_a_note_is_written_closed_with_its_history(salesperson):
    account = AccountFactory()
    note = services.note_create(regarding=account, text="Called, they want a quote by Friday.", actor=salesperson)
    assert (note.kind, note.state, note.account_id, note.owner_id) == (
        ActivityKind.NOTE,
        ActivityState.COMPLETED,
        account.pk,
        salesperson.pk,
    )
    assert note.completed_at is not None
    assert events(note) == [ChangeKind.CREATED]
    event = ChangeEvent.objects.get(record_type=RecordType.ACTIVITY, record_id=note.pk)
    assert event.account_id == account.pk and event.actor_id == salesperson.pk


def test_a_task_about_an_opportunity(salesperson):
    opportunity = OpportunityFactory()
    task = services.activity_create(
        kind=ActivityKind.TASK, regarding=opportunity, actor=salesperson, subject="Send the quote", priority="high"
    )
    assert task.opportunity_id == opportunity.pk and task.account_id is None
    assert task.state == ActivityState.OPEN and task.completed_at is None


def test_a_task_needs_a_subject(salesperson):
    with pytest.raises(ValidationError) as caught:
        services.activity_create(kind=ActivityKind.TASK, regarding=AccountFactory(), actor=salesperson, subject=" ")
    assert caught.value.error_dict["subject"][0].code == "subject_required"
    assert not Activity.objects.exists()


def test_only_form_fields_are_set_through_create(salesperson):
    with pytest.raises(ValueError, match="state"):
        services.activity_create(
            kind=ActivityKind.TASK, regarding=AccountFactory(), actor=salesperson, subject="x", state="completed"
        )


def test_complete_cancel_reopen_and_their_history(salesperson):
    task = ActivityFactory(owner=salesperson)
    services.activity_complete(activity=task, actor=salesperson)
    task.refresh_from_db()
    assert task.state == ActivityState.COMPLETED and task.completed_at is not None
    with pytest.raises(ValidationError) as caught:
        services.activity_complete(activity=task, actor=salesperson)
    assert caught.value.code == "activity_closed"
    services.activity_reopen(activity=task, actor=salesperson)
    task.refresh_from_db()
    assert task.state == ActivityState.OPEN and task.completed_at is None
    services.activity_cancel(activity=task, actor=salesperson)
    task.refresh_from_db()
    assert task.state == ActivityState.CANCELED
    assert events(task) == [ChangeKind.COMPLETED, ChangeKind.REOPENED, ChangeKind.ACTIVITY_CANCELED]


def test_a_closed_activity_is_read_only_until_reopened(salesperson):
    task = ActivityFactory(owner=salesperson)
    services.activity_complete(activity=task, actor=salesperson)
    task.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.activity_update(activity=task, data={"subject": "Changed"}, actor=salesperson)
    assert caught.value.code == "activity_closed"
    services.activity_reopen(activity=task, actor=salesperson)
    task.refresh_from_db()
    services.activity_update(activity=task, data={"subject": "Changed"}, actor=salesperson)
    task.refresh_from_db()
    assert task.subject == "Changed"
    assert events(task)[-1] == ChangeKind.UPDATED
    change = ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, record_id=task.pk).latest("pk")
    assert change.changes["subject"][1] == "Changed"


def test_a_note_is_neither_opened_nor_closed(salesperson):
    note = services.note_create(regarding=AccountFactory(), text="x", actor=salesperson)
    for action in (services.activity_complete, services.activity_cancel, services.activity_reopen):
        with pytest.raises(ValidationError) as caught:
            action(activity=note, actor=salesperson)
        assert caught.value.code == "note_state"


def test_an_update_over_someone_elses_change_is_refused(salesperson, other_salesperson):
    task = ActivityFactory(owner=salesperson)
    stale = Activity.objects.get(pk=task.pk)
    services.activity_update(activity=task, data={"subject": "Theirs"}, actor=other_salesperson)
    with pytest.raises(RecordChanged):
        services.activity_update(activity=stale, data={"subject": "Mine"}, actor=salesperson)
    task.refresh_from_db()
    assert task.subject == "Theirs"


def test_a_salesperson_deletes_only_their_own(salesperson, other_salesperson, sales_manager):
    theirs = ActivityFactory(owner=other_salesperson)
    with pytest.raises(PermissionDenied):
        services.activity_delete(activity=theirs, actor=salesperson)
    mine = ActivityFactory(owner=salesperson)
    services.activity_delete(activity=mine, actor=salesperson)
    services.activity_delete(activity=theirs, actor=sales_manager)
    assert not Activity.objects.exists()
    assert ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, kind=ChangeKind.DELETED).count() == 2


def test_a_salesperson_edits_anyones(salesperson, other_salesperson):
    theirs = ActivityFactory(owner=other_salesperson)
    services.activity_update(activity=theirs, data={"subject": "Edited"}, actor=salesperson)
    services.activity_complete(activity=Activity.objects.get(pk=theirs.pk), actor=salesperson)


def test_a_user_without_a_role_cannot_write_activities(user_without_role):
    with pytest.raises(PermissionDenied):
        services.note_create(regarding=AccountFactory(), text="x", actor=user_without_role)


def test_deleting_the_record_deletes_its_activities(salesperson, administrator):
    account = AccountFactory(owner=salesperson)
    services.note_create(regarding=account, text="x", actor=salesperson)
    from accounts.services import account_delete

    account_delete(account=account, actor=administrator)
    assert not Activity.objects.exists()
