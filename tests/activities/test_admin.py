"""The activity admin writes through the activity services: add, edit, reassign, complete, cancel, reopen, delete."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.activities import services
from crm.activities.models import Activity, ActivityKind, ActivityState
from crm.history.models import ChangeEvent, ChangeKind, Via
from tests.factories import AccountFactory, ContactFactory, InvoiceFactory, OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:activities_activity_changelist")
ADD = reverse("admin:activities_activity_add")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.fixture
def staff_salesperson(db):
    return SalespersonFactory(username="ana.staff", is_staff=True)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(activity):
    return reverse("admin:activities_activity_change", args=[activity.pk])


def delete_url(activity):
    return reverse("admin:activities_activity_delete", args=[activity.pk])


def activity_form(*, owner, **overrides):
    """The admin form's fields, as a browser posts them (empty dates, the attachments' management form)."""
    data = {
        "kind": "task",
        "subject": "Trimite oferta",
        "description": "",
        "owner": owner.pk,
        "account": "",
        "contact": "",
        "opportunity": "",
        "invoice": "",
        "due_at_0": "",
        "due_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "location": "",
        "priority": "normal",
        "direction": "",
        "phone_number": "",
        "duration_minutes": "",
        "outcome": "",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def edit_form(activity, **overrides):
    """The change form of ``activity`` as the admin shows it (what is added only once is not posted)."""
    data = activity_form(
        owner=activity.owner,
        subject=activity.subject,
        description=activity.description,
        priority=activity.priority,
        version=activity.version,
    )
    for name in ("kind", "account", "contact", "opportunity", "invoice"):
        del data[name]
    data.update(overrides)
    return data


def task(owner, **values):
    return services.activity_create(
        kind=ActivityKind.TASK,
        regarding=AccountFactory(owner=owner),
        actor=owner,
        subject=values.pop("subject", "Sună clientul"),
        **values,
    )


def note_with_file(owner, text="Oferta trimisă."):
    upload = SimpleUploadedFile("oferta.txt", b"Pret: 100 lei\n")
    return services.note_create(regarding=AccountFactory(owner=owner), text=text, actor=owner, files=[upload])


def test_admin_pages_load(client, administrator):
    open_task = task(administrator)
    completed = task(administrator, subject="Gata")
    services.activity_complete(activity=completed, actor=administrator)
    note = note_with_file(administrator)
    client.force_login(administrator)
    for url in (
        CHANGELIST,
        CHANGELIST + "?q=oferta&kind__exact=note&state__exact=completed&priority__exact=normal",
        ADD,
        change_url(open_task),
        change_url(completed),
        change_url(note),
        delete_url(note),
    ):
        assert client.get(url).status_code == 200, url
    # The note's file is listed on its page, as a download; the state is shown, not a field.
    page = client.get(change_url(note)).text
    assert reverse("activities:attachment", args=[note.attachments.get().pk]) in page and "oferta.txt" in page
    assert 'name="state"' not in page and 'name="attachments-0-file"' not in page


def test_adding_an_activity_goes_through_the_service_and_writes_its_history(client, administrator):
    owner = SalespersonFactory(username="dan")
    opportunity = OpportunityFactory()
    client.force_login(administrator)
    response = client.post(
        ADD,
        activity_form(
            owner=owner,
            kind="appointment",
            subject="Prezentare",
            opportunity=opportunity.pk,
            due_at_0="2026-12-01",
            due_at_1="10:00:00",
            ends_at_0="2026-12-01",
            ends_at_1="11:30:00",
            location="Cluj",
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.kind, activity.opportunity, activity.owner, activity.state) == (
        "appointment",
        opportunity,
        owner,
        ActivityState.OPEN,
    )
    assert activity.ends_at - activity.due_at == datetime.timedelta(minutes=90)
    assert (activity.created_by, activity.modified_by) == (administrator, administrator)
    event = ChangeEvent.objects.get(record_type="activity", record_id=activity.pk)
    assert (event.kind, event.via, event.actor) == (ChangeKind.CREATED, Via.ADMIN, administrator)


def test_a_note_added_in_the_admin_is_written_closed(client, administrator):
    contact = ContactFactory()
    client.force_login(administrator)
    response = client.post(
        ADD, activity_form(owner=administrator, kind="note", subject="", description="Salut", contact=contact.pk)
    )
    assert response.status_code == 302
    note = Activity.objects.get()
    assert (note.kind, note.contact, note.state) == ("note", contact, ActivityState.COMPLETED)
    assert note.completed_at is not None


@pytest.mark.parametrize("regarding", [{}, {"account": "account", "invoice": "invoice"}])
def test_an_activity_regards_exactly_one_record(client, administrator, regarding):
    records = {"account": AccountFactory(), "invoice": InvoiceFactory()}
    client.force_login(administrator)
    values = {name: records[record].pk for name, record in regarding.items()}
    response = client.post(ADD, activity_form(owner=administrator, **values))
    assert response.status_code == 200
    assert response.text.count("An activity regards exactly one record.") == 1
    assert not Activity.objects.exists()


def test_the_model_rules_are_the_forms_errors(client, administrator):
    client.force_login(administrator)
    form = activity_form(owner=administrator, kind="note", subject="", account=AccountFactory().pk)
    response = client.post(ADD, form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["description"] == ["Write the note."]
    assert not Activity.objects.exists()


def test_editing_writes_the_changed_fields_at_the_version_shown(client, administrator):
    activity = task(administrator)
    client.force_login(administrator)
    response = client.post(
        change_url(activity), edit_form(activity, subject="Trimite contractul", priority="high", state="completed")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.subject, activity.priority, activity.version) == ("Trimite contractul", "high", 2)
    assert activity.state == ActivityState.OPEN  # the status is the actions', not the form's
    event = ChangeEvent.objects.filter(record_id=activity.pk, kind=ChangeKind.UPDATED).get()
    assert event.via == Via.ADMIN

    # A form opened before that save is refused, and changes nothing.
    response = client.post(change_url(activity), edit_form(activity, subject="Veche", version=1))
    assert response.status_code == 302
    assert "changed" in " ".join(messages_of(response)).lower()
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Trimite contractul", 2)


def test_what_an_activity_is_and_regards_is_not_changed_in_the_admin(client, administrator):
    activity = task(administrator)
    account = activity.account
    client.force_login(administrator)
    response = client.post(change_url(activity), edit_form(activity, kind="note", account=AccountFactory().pk))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.kind, activity.account) == ("task", account)


def test_a_closed_activity_cannot_be_edited_in_the_admin(client, administrator):
    activity = task(administrator)
    services.activity_complete(activity=activity, actor=administrator)
    client.force_login(administrator)
    response = client.post(change_url(activity), {**edit_form(activity, subject="Schimbată")})
    assert response.status_code == 302
    assert messages_of(response) == ["This activity is completed: reopen it to change it."]
    activity.refresh_from_db()
    assert activity.subject == "Sună clientul"


def test_complete_cancel_and_reopen_actions_call_the_services(client, administrator):
    first, second = task(administrator, subject="Prima"), task(administrator, subject="A doua")
    note = note_with_file(administrator)
    client.force_login(administrator)
    client.post(CHANGELIST, {"action": "mark_completed", "_selected_action": [first.pk]})
    client.post(CHANGELIST, {"action": "cancel", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (ActivityState.COMPLETED, ActivityState.CANCELED)
    assert first.completed_at is not None
    assert ChangeEvent.objects.filter(record_id=first.pk, kind=ChangeKind.COMPLETED, via=Via.ADMIN).exists()

    # A refused record is named; the others go through.
    response = client.post(CHANGELIST, {"action": "reopen", "_selected_action": [first.pk, second.pk, note.pk]})
    assert messages_of(response)[-2:] == ["Note: A note is not opened or closed.", "2 activities were changed."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, first.completed_at) == (ActivityState.OPEN, ActivityState.OPEN, None)


def test_deleting_an_activity_deletes_its_files_and_writes_its_history(
    client, administrator, django_capture_on_commit_callbacks
):
    note = note_with_file(administrator)
    stored = note.attachments.get().file.name
    assert default_storage.exists(stored)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(note), {"post": "yes"})
    assert response.status_code == 302
    assert not Activity.objects.exists()
    assert not default_storage.exists(stored)
    event = ChangeEvent.objects.get(record_id=note.pk, kind=ChangeKind.DELETED)
    assert (event.record_type, event.via) == ("activity", Via.ADMIN)


def test_deleting_selected_activities_deletes_their_files(client, administrator, django_capture_on_commit_callbacks):
    notes = [note_with_file(administrator, text=f"Nota {number}") for number in range(2)]
    files = [note.attachments.get().file.name for note in notes]
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [n.pk for n in notes], "post": "yes"})
    assert not Activity.objects.exists()
    assert not any(default_storage.exists(name) for name in files)


def test_a_salesperson_adds_and_edits_anyones_activities(client, staff_salesperson):
    owner = SalespersonFactory(username="dan")
    theirs = task(owner)
    client.force_login(staff_salesperson)
    assert client.get(change_url(theirs)).status_code == 200
    response = client.post(change_url(theirs), edit_form(theirs, subject="Redenumită"))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.subject, theirs.owner, theirs.modified_by) == ("Redenumită", owner, staff_salesperson)
    response = client.post(ADD, activity_form(owner=staff_salesperson, account=AccountFactory().pk))
    assert response.status_code == 302
    assert Activity.objects.get(subject="Trimite oferta").created_by == staff_salesperson


def test_a_salesperson_reassigns_and_deletes_only_their_own(
    client, staff_salesperson, django_capture_on_commit_callbacks
):
    owner = SalespersonFactory(username="dan")
    theirs = note_with_file(owner)
    mine = task(staff_salesperson)
    client.force_login(staff_salesperson)

    response = client.post(change_url(theirs), edit_form(theirs, owner=staff_salesperson.pk))
    assert messages_of(response) == ["You can reassign only records you own."]
    response = client.post(delete_url(theirs), {"post": "yes"})
    assert messages_of(response)[-1] == "You can delete only records you own."
    theirs.refresh_from_db()
    assert (theirs.owner, theirs.version) == (owner, 1)  # the edit saved with the refused reassignment is undone
    assert default_storage.exists(theirs.attachments.get().file.name)

    response = client.post(change_url(mine), edit_form(mine, owner=owner.pk))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner == owner
    assert ChangeEvent.objects.filter(record_id=mine.pk, kind=ChangeKind.OWNER_CHANGED, via=Via.ADMIN).exists()
    mine = task(staff_salesperson, subject="A mea")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete_url(mine), {"post": "yes"}).status_code == 302
    assert not Activity.objects.filter(pk=mine.pk).exists()


def test_a_user_without_a_role_is_refused(client, user_without_role):
    user_without_role.is_staff = True
    user_without_role.save()
    activity = task(SalespersonFactory())
    client.force_login(user_without_role)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(activity)).status_code == 403
    assert client.post(ADD, activity_form(owner=user_without_role, account=AccountFactory().pk)).status_code == 403
    assert Activity.objects.count() == 1


def changelist_queries(client, count):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(captured)


def test_changelist_runs_a_fixed_number_of_queries(client, administrator):
    client.force_login(administrator)
    owners = [SalespersonFactory() for _ in range(3)]
    task(owners[0])
    one = changelist_queries(client, 1)
    regarding = [AccountFactory(), ContactFactory(), OpportunityFactory(), InvoiceFactory()]
    for number in range(49):
        services.activity_create(
            kind=ActivityKind.PHONE_CALL,
            regarding=regarding[number % 4],
            actor=owners[number % 3],
            subject=f"Apel {number}",
            due_at=timezone.now(),
        )
    fifty = changelist_queries(client, 50)
    # Session, user, two counts (filtered and total), and the page with its owner and the record it regards
    # joined: none per row.
    assert one == fifty == 5
