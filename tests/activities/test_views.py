"""The Timeline panel, the activity pages, My Activities and the .ics file: roles, behaviour and query counts."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from crm.activities import services
from crm.activities.models import Activity, ActivityKind, ActivityState
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ROLES = ["salesperson", "sales_manager", "administrator"]


def timeline_url(record, kind):
    return reverse("activities:timeline", args=[kind, record.pk])


@pytest.mark.parametrize("role", ROLES)
def test_each_sales_role_reads_the_timeline_and_writes_a_note(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    account = AccountFactory()
    response = client.post(
        reverse("activities:note_create", args=["account", account.pk]),
        {"text": "Called: they want a quote by Friday.", "next": account.get_absolute_url()},
    )
    assert response.status_code == 302 and response.url == account.get_absolute_url()
    response = client.get(timeline_url(account, "account"))
    assert response.status_code == 200
    assert "they want a quote by Friday" in response.content.decode()


def test_a_user_without_a_role_is_refused_everywhere(client, user_without_role, salesperson):
    client.force_login(user_without_role)
    account = AccountFactory()
    task = ActivityFactory(account=account, owner=salesperson)
    for url in (
        timeline_url(account, "account"),
        reverse("activities:mine"),
        task.get_absolute_url(),
        reverse("activities:create", args=["task", "account", account.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("activities:note_create", args=["account", account.pk]), {"text": "x"}).status_code == 403
    )
    assert client.post(reverse("activities:complete", args=[task.pk]), {"version": task.version}).status_code == 403
    assert not Activity.objects.exclude(pk=task.pk).exists()


def test_an_unknown_record_type_or_record_is_404(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("activities:timeline", args=["user", 1])).status_code == 404
    assert client.get(reverse("activities:timeline", args=["account", 999999])).status_code == 404
    assert client.get(reverse("activities:create", args=["fax", "account", AccountFactory().pk])).status_code == 404


def test_an_empty_note_is_refused_with_a_message(client, salesperson):
    client.force_login(salesperson)
    account = AccountFactory()
    response = client.post(reverse("activities:note_create", args=["account", account.pk]), {"text": "  "}, follow=True)
    assert "Write the note before saving it." in response.content.decode()
    assert not Activity.objects.exists()


def test_htmx_note_comes_back_as_the_panel(client, salesperson):
    client.force_login(salesperson)
    account = AccountFactory()
    response = client.post(
        reverse("activities:note_create", args=["account", account.pk]),
        {"text": "Salut"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 302 and response.url == timeline_url(account, "account")
    panel = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert panel.lstrip().startswith('<section class="card panel timeline"') and "Salut" in panel


def test_new_task_call_and_appointment_from_the_plus_menu(client, salesperson):
    client.force_login(salesperson)
    contact = ContactFactory(business_phone="+40 21 555 0101")
    url = reverse("activities:create", args=["phone_call", "contact", contact.pk])
    form = client.get(url).content.decode()
    assert 'value="+40 21 555 0101"' in form  # the contact's own number is offered
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        client.post(
            reverse("activities:create", args=["task", "contact", contact.pk]),
            {"subject": "Trimite oferta", "due_at": tomorrow, "priority": "high"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            url,
            {
                "subject": "Apel",
                "direction": "outgoing",
                "phone_number": "+40 21 555 0101",
                "duration_minutes": "15",
                "outcome": "Interesați",
            },
        ).status_code
        == 302
    )
    response = client.post(
        reverse("activities:create", args=["appointment", "contact", contact.pk]),
        {"subject": "Demo", "due_at": tomorrow, "ends_at": "2000-01-01T10:00"},
    )
    assert response.status_code == 200 and "The end must not be before the start." in response.content.decode()
    kinds = sorted(Activity.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds == [ActivityKind.PHONE_CALL, ActivityKind.TASK]


def test_complete_from_my_activities_and_the_view_it_leaves(client, salesperson):
    client.force_login(salesperson)
    task = ActivityFactory(owner=salesperson, due_at=timezone.now() - datetime.timedelta(hours=1))
    overdue = reverse("activities:mine") + "?view=overdue"
    row = f'<a href="{task.get_absolute_url()}">'
    assert row in client.get(overdue).content.decode()
    response = client.post(reverse("activities:complete", args=[task.pk]), {"version": task.version, "next": overdue})
    assert response.status_code == 302 and response.url == overdue
    task.refresh_from_db()
    assert task.state == ActivityState.COMPLETED
    assert row not in client.get(overdue).content.decode()
    assert row in client.get(reverse("activities:mine") + "?view=all").content.decode()


def test_a_stale_complete_is_refused(client, salesperson):
    client.force_login(salesperson)
    task = ActivityFactory(owner=salesperson)
    services.activity_update(activity=task, data={"subject": "Renamed"}, actor=salesperson)
    response = client.post(reverse("activities:complete", args=[task.pk]), {"version": 1}, follow=True)
    task.refresh_from_db()
    assert task.state == ActivityState.OPEN
    assert "Nothing was done" in response.content.decode()


def test_my_activities_views(salesperson, other_salesperson):
    from crm.activities.selectors import MyActivitiesView, my_activities

    now = timezone.now().replace(hour=12)
    overdue = ActivityFactory(owner=salesperson, due_at=now - datetime.timedelta(days=2), subject="overdue")
    today = ActivityFactory(owner=salesperson, due_at=now + datetime.timedelta(hours=1), subject="today")
    later = ActivityFactory(owner=salesperson, due_at=now + datetime.timedelta(days=30), subject="later")
    ActivityFactory(owner=other_salesperson, due_at=now - datetime.timedelta(days=1), subject="not mine")
    done = ActivityFactory(owner=salesperson, due_at=now - datetime.timedelta(days=1), subject="done")
    services.activity_complete(activity=done, actor=salesperson)

    def subjects(view):
        return [a.subject for a in my_activities(user=salesperson, view=view, now=now)]

    assert subjects(MyActivitiesView.OPEN) == ["overdue", "today", "later"]
    assert subjects(MyActivitiesView.OVERDUE) == ["overdue"]
    assert subjects(MyActivitiesView.DUE_TODAY) == ["today"]
    assert "later" not in subjects(MyActivitiesView.DUE_THIS_WEEK)
    assert set(subjects(MyActivitiesView.ALL)) == {"overdue", "today", "later", "done"}
    del overdue, today, later


@pytest.mark.parametrize("size", [1, 50])
def test_the_timeline_costs_the_same_queries_at_1_and_50_of_each_kind(
    client, salesperson, size, django_assert_num_queries
):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    opportunity = OpportunityFactory(account=account)
    for index in range(size):
        for kind in ActivityKind.values:
            ActivityFactory(
                account=account,
                kind=kind,
                subject=f"{kind} {index}",
                description="text",
                due_at=timezone.now(),
                state=ActivityState.COMPLETED if kind == "note" else "open",
                completed_at=timezone.now() if kind == "note" else None,
            )
        ActivityFactory(account=None, contact=contact)
        ActivityFactory(account=None, opportunity=opportunity)
    client.force_login(salesperson)
    url = timeline_url(account, "account")
    client.get(url)  # sessions and permissions warmed
    # session, user, the user's and the groups' permissions, the account; the newest ids of its own, its
    # contacts', opportunities' and invoices' activities (one query each); the changes; the page's activities
    # (owners and records joined); the page's files
    with django_assert_num_queries(12):
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 50])
def test_my_activities_costs_the_same_queries_at_1_and_50_of_each_kind(
    client, salesperson, size, django_assert_num_queries
):
    for index in range(size):
        for kind in ActivityKind.values:
            ActivityFactory(
                owner=salesperson,
                kind=kind,
                subject=f"{kind} {index}",
                description="text",
                state=ActivityState.COMPLETED if kind == "note" else "open",
                completed_at=timezone.now() if kind == "note" else None,
            )
    client.force_login(salesperson)
    url = reverse("activities:mine") + "?view=all"
    client.get(url)
    # session, user, the user's and the groups' permissions, the count, the page (owners and records joined)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


def test_an_appointment_downloads_as_an_ics_that_parses_back(client, salesperson):
    client.force_login(salesperson)
    start = timezone.now().replace(microsecond=0, second=0) + datetime.timedelta(days=1)
    appointment = services.activity_create(
        kind=ActivityKind.APPOINTMENT,
        regarding=AccountFactory(),
        actor=salesperson,
        subject="Demo; licențe, 2026",
        due_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        location="Cluj-Napoca, Str. Memorandumului 28",
        description="Agenda:\nprezentare\nîntrebări",
    )
    response = client.get(reverse("activities:ics", args=[appointment.pk]))
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"].startswith("attachment;")
    calendar = icalendar.Calendar.from_ical(response.content)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["summary"]) == "Demo; licențe, 2026"
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start + datetime.timedelta(hours=1)
    assert str(event["location"]) == "Cluj-Napoca, Str. Memorandumului 28"
    assert str(event["description"]) == "Agenda:\nprezentare\nîntrebări"
    assert str(event["uid"]).startswith(f"activity-{appointment.pk}@")


def test_an_all_day_appointment_is_a_date_in_the_ics(client, salesperson):
    client.force_login(salesperson)
    start = timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 0))
    appointment = services.activity_create(
        kind=ActivityKind.APPOINTMENT,
        regarding=AccountFactory(),
        actor=salesperson,
        subject="Târg",
        due_at=start,
        all_day=True,
    )
    event = next(
        iter(
            icalendar.Calendar.from_ical(client.get(reverse("activities:ics", args=[appointment.pk])).content).walk(
                "VEVENT"
            )
        )
    )
    assert event.decoded("dtstart") == datetime.date(2026, 12, 3)
    assert event.decoded("dtend") == datetime.date(2026, 12, 4)


def test_only_an_appointment_has_an_ics(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("activities:ics", args=[ActivityFactory().pk])).status_code == 404


def test_the_dashboards_activity_counts_stop_at_99(client, salesperson):
    from crm.activities.selectors import my_activity_counts

    past, account = timezone.now() - datetime.timedelta(days=1), AccountFactory()
    Activity.objects.bulk_create(
        [Activity(kind=ActivityKind.TASK, subject=f"Restantă {n}", account=account, owner=salesperson, due_at=past)
         for n in range(101)]
    )
    counts = my_activity_counts(user=salesperson)
    assert (counts["overdue"], counts["overdue_label"], counts["due_today_label"]) == (100, "99+", "0")
    first_three = list(Activity.objects.filter(owner=salesperson).values_list("pk", flat=True)[:3])
    Activity.objects.filter(pk__in=first_three).delete()
    assert my_activity_counts(user=salesperson)["overdue_label"] == "98"
    client.force_login(salesperson)
    assert '<span class="figure-value">98</span>' in client.get(reverse("dashboard:index")).content.decode()
