"""The daily reminder digest: each user's overdue and due-today activities, at their own time in their own time
zone and language, once a day, never to a user who turned it off; the worker's look queues its next one."""

import datetime
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django_tasks_db.models import DBTaskResult

from crm.activities.models import ActivityKind, ActivityState
from crm.activities.reminders import reminder_digest_send, reminder_digests_due_send, reminder_schedule_next
from crm.models import UserPreferences
from tests.factories import ActivityFactory, SalespersonFactory

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def at(zone, *parts):
    return datetime.datetime(*parts, tzinfo=zone)


@pytest.fixture
def email_on(settings):
    settings.CRM_EMAIL_ENABLED = True
    settings.CRM_REMINDER_DEFAULT_TIME = "08:00"
    settings.CRM_SITE_URL = "https://crm.firma.ro"
    return settings


def work_for(user):
    """An overdue task, a call due later today, one due tomorrow, a completed task and someone else's."""
    now = at(BUCHAREST, 2026, 12, 2, 9, 0)
    overdue = ActivityFactory(owner=user, subject="Trimite oferta", due_at=now - datetime.timedelta(days=2))
    today = ActivityFactory(
        owner=user, kind=ActivityKind.PHONE_CALL, subject="Sună-l pe Ion", due_at=now.replace(hour=15)
    )
    ActivityFactory(owner=user, subject="Mâine", due_at=now + datetime.timedelta(days=1))
    ActivityFactory(
        owner=user,
        subject="Gata",
        due_at=now - datetime.timedelta(days=1),
        state=ActivityState.COMPLETED,
        completed_at=now,
    )
    ActivityFactory(subject="Al altcuiva", due_at=now - datetime.timedelta(days=1), owner=SalespersonFactory(email=""))
    return overdue, today


@pytest.mark.django_db
def test_the_digest_lists_overdue_and_due_today_at_the_default_time(email_on):
    user = SalespersonFactory(first_name="Ana", last_name="Pop")
    overdue, today = work_for(user)
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 7, 59)) == 0
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 8, 0)) == 1
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 11, 0)) == 0  # one a day
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Your activities for 2026-12-02: 1 overdue, 1 due today"
    assert "Hello Ana Pop," in message.body
    assert "Trimite oferta" in message.body and "Sună-l pe Ion" in message.body
    assert "Mâine" not in message.body and "Gata" not in message.body and "Al altcuiva" not in message.body
    assert f"https://crm.firma.ro/activities/{overdue.pk}/" in message.body
    html = message.alternatives[0].content
    assert f'href="https://crm.firma.ro/activities/{today.pk}/"' in html and "Sună-l pe Ion" in html
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 3, 8, 5)) == 1  # the next day again
    assert UserPreferences.objects.get(user=user).reminder_sent_on == datetime.date(2026, 12, 3)


@pytest.mark.django_db
def test_the_users_own_time_zone_time_and_language(email_on):
    user = SalespersonFactory()
    work_for(user)
    UserPreferences.objects.create(
        user=user, time_zone="Asia/Tokyo", reminder_time=datetime.time(18, 30), language="ro"
    )
    assert reminder_digests_due_send(now=at(TOKYO, 2026, 12, 2, 18, 29)) == 0
    assert reminder_digests_due_send(now=at(TOKYO, 2026, 12, 2, 18, 30)) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("Activitățile tale pentru 2026-12-02")
    assert "Restantă" in message.body and "Scadente azi" in message.body


@pytest.mark.django_db
def test_no_digest_when_turned_off_without_an_address_with_nothing_due_or_without_a_mail_server(email_on):
    off = SalespersonFactory()
    work_for(off)
    UserPreferences.objects.create(user=off, reminder_digest=False)
    nothing_due = SalespersonFactory()
    no_address = SalespersonFactory(email="")
    work_for(no_address)
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 9, 0)) == 0
    assert mail.outbox == []
    assert UserPreferences.objects.get(user=nothing_due).reminder_sent_on == datetime.date(2026, 12, 2)
    email_on.CRM_EMAIL_ENABLED = False
    UserPreferences.objects.filter(user=off).update(reminder_digest=True)
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 9, 0)) == 0


@pytest.mark.django_db
def test_a_refused_digest_is_tried_again_at_the_next_look(email_on):
    user = SalespersonFactory()
    work_for(user)
    email_on.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 9, 0)) == 0
    assert not UserPreferences.objects.filter(user=user, reminder_sent_on__isnull=False).exists()
    email_on.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert reminder_digests_due_send(now=at(BUCHAREST, 2026, 12, 2, 9, 15)) == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Two connections at once: PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_digest(email_on):
    user = SalespersonFactory()
    work_for(user)
    now = at(BUCHAREST, 2026, 12, 2, 9, 0)
    results, start = [], threading.Barrier(2)

    def worker():
        start.wait()
        try:
            results.append(reminder_digest_send(user=user, now=now))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_each_look_queues_the_next_at_the_interval_once(email_on):
    email_on.CRM_REMINDER_INTERVAL_MINUTES = 15
    first = reminder_schedule_next(now=at(datetime.UTC, 2026, 12, 2, 7, 7))
    assert first is not None
    assert reminder_schedule_next(now=at(datetime.UTC, 2026, 12, 2, 7, 8)) is None  # one queued already
    task = DBTaskResult.objects.get()
    assert task.task_path == "crm.activities.tasks.reminder_digests_send"
    assert task.run_after == at(datetime.UTC, 2026, 12, 2, 7, 15)
