"""Emails: logged with their from, to and cc (contacts, users, addresses), or sent by the task worker through
the configured mail server; appointments' attendees; what the history and the .ics say of them."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from crm.activities import services
from crm.activities.models import Activity, ActivityKind, ActivityParty, ActivityState, PartyRole, SendState
from crm.activities.parties import parse_addresses
from crm.history.models import ChangeEvent, RecordType
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, SalespersonFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def email_on(settings):
    settings.CRM_EMAIL_ENABLED = True
    settings.DEFAULT_FROM_EMAIL = "CRM <crm@firma.ro>"
    return settings


def test_addresses_are_read_with_names_commas_semicolons_and_lines():
    text = 'Ana Pop <Ana@Dacia.ro>; dan@dacia.ro,\n"Pop, Ion" <ion@dacia.ro>, ana@dacia.ro'
    assert parse_addresses(text) == [("Ana Pop", "ana@dacia.ro"), ("", "dan@dacia.ro"), ("Pop, Ion", "ion@dacia.ro")]
    assert parse_addresses("  ") == []


@pytest.mark.parametrize("text", ["ana@", "Ana Pop", "ana@dacia.ro, nu-e-adresa", "<>x@y"])
def test_a_wrong_address_is_named(text):
    with pytest.raises(ValidationError) as caught:
        parse_addresses(text)
    assert caught.value.code == "invalid_address"
    assert "is not an email address" in caught.value.messages[0]


@pytest.mark.django_db
def test_a_logged_email_links_its_addresses_to_contacts_and_users_and_is_completed(salesperson):
    account = AccountFactory(name="Dacia")
    ana = ContactFactory(first_name="Ana", last_name="Pop", email="Ana.Pop@dacia.ro", account=account)
    colleague = SalespersonFactory(username="ion", email="ion@firma.ro")
    email = services.activity_create(
        kind=ActivityKind.EMAIL,
        regarding=account,
        actor=salesperson,
        subject="Oferta",
        direction="incoming",
        description="Bună ziua",
        parties={
            PartyRole.SENDER: parse_addresses("ana.pop@DACIA.ro"),
            PartyRole.TO: parse_addresses(f"{salesperson.email}, Ion <ion@firma.ro>"),
            PartyRole.CC: parse_addresses("Necunoscut <nimeni@altundeva.ro>"),
        },
    )
    assert email.state == ActivityState.COMPLETED and email.due_at == email.completed_at and not email.send_state
    parties = {(p.role, p.email): (p.name, p.contact_id, p.user_id) for p in email.parties.all()}
    assert parties == {
        ("from", "ana.pop@dacia.ro"): ("Ana Pop", ana.pk, None),
        ("to", salesperson.email): (salesperson.get_full_name(), None, salesperson.pk),
        ("to", "ion@firma.ro"): ("Ion", None, colleague.pk),
        ("cc", "nimeni@altundeva.ro"): ("Necunoscut", None, None),
    }
    event = ChangeEvent.objects.get(record_type=RecordType.ACTIVITY, record_id=email.pk)
    assert event.changes["from"] == ["", "Ana Pop <ana.pop@dacia.ro>"]
    assert event.changes["cc"] == ["", "Necunoscut <nimeni@altundeva.ro>"]
    assert {row["label"] for row in event.field_changes()} >= {"From", "To", "Cc"}


@pytest.mark.django_db
def test_changing_the_recipients_is_in_the_history(salesperson):
    account = AccountFactory()
    email = services.activity_create(
        kind=ActivityKind.APPOINTMENT,
        regarding=account,
        actor=salesperson,
        subject="Vizită",
        due_at=timezone.now(),
        parties={PartyRole.ATTENDEE: parse_addresses("a@x.ro, b@x.ro")},
    )
    services.activity_update(
        activity=email,
        data={"subject": "Vizită"},
        actor=salesperson,
        parties={PartyRole.ATTENDEE: parse_addresses("b@x.ro, c@x.ro")},
    )
    latest = ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, record_id=email.pk).latest("pk")
    assert latest.changes == {"attendee": ["a@x.ro, b@x.ro", "b@x.ro, c@x.ro"]}
    assert sorted(email.parties.values_list("email", flat=True)) == ["b@x.ro", "c@x.ro"]


@pytest.mark.django_db
def test_a_task_has_no_recipients_and_an_email_one_sender(salesperson):
    with pytest.raises(ValueError):
        services.activity_create(
            kind=ActivityKind.TASK,
            regarding=AccountFactory(),
            actor=salesperson,
            subject="x",
            parties={PartyRole.TO: [("", "a@x.ro")]},
        )
    with pytest.raises(ValidationError):
        services.activity_create(
            kind=ActivityKind.EMAIL,
            regarding=AccountFactory(),
            actor=salesperson,
            subject="x",
            parties={PartyRole.SENDER: [("", "a@x.ro"), ("", "b@x.ro")]},
        )


def queued_email(user, **values):
    return services.activity_create(
        kind=ActivityKind.EMAIL,
        regarding=AccountFactory(),
        actor=user,
        subject=values.pop("subject", "Oferta"),
        direction="outgoing",
        description="Vă trimit oferta.",
        send=True,
        parties={
            PartyRole.SENDER: [(user.get_full_name(), user.email)],
            PartyRole.TO: [("Ana Pop", "ana@dacia.ro")],
            PartyRole.CC: [("", "sef@dacia.ro")],
        },
        **values,
    )


@pytest.mark.django_db
def test_a_sent_email_is_queued_then_sent_once_by_the_worker_and_completed(
    salesperson, email_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queued_email(salesperson)
    assert (email.state, email.send_state) == (ActivityState.OPEN, SendState.QUEUED)
    task = DBTaskResult.objects.get()
    assert task.task_path == "crm.activities.tasks.email_deliver" and task.args_kwargs["args"] == [email.pk]
    assert mail.outbox == []

    assert services.email_deliver_now(email.pk) == SendState.SENT
    assert services.email_deliver_now(email.pk) == SendState.SENT  # a second worker sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Oferta" and message.body == "Vă trimit oferta."
    assert message.from_email == f"{salesperson.get_full_name()} <crm@firma.ro>"
    assert message.to == ["Ana Pop <ana@dacia.ro>"] and message.cc == ["sef@dacia.ro"]
    assert message.reply_to == [f"{salesperson.get_full_name()} <{salesperson.email}>"]
    email.refresh_from_db()
    assert (email.state, email.send_state) == (ActivityState.COMPLETED, SendState.SENT)
    assert email.due_at == email.completed_at
    kinds = list(
        ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY, record_id=email.pk)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["created", "updated", "completed"]
    reopened = services.activity_reopen(activity=Activity.objects.get(pk=email.pk), actor=salesperson)
    with pytest.raises(ValidationError) as caught:  # reopened after it went out: never sent twice
        services.email_send(activity=reopened, actor=salesperson)
    assert caught.value.code == "already_sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_refused_email_stays_open_with_the_reason_and_can_be_sent_again(salesperson, email_on):
    email_on.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    email = queued_email(salesperson)
    assert services.email_deliver_now(email.pk) == SendState.FAILED
    email.refresh_from_db()
    assert email.state == ActivityState.OPEN and email.send_state == SendState.FAILED
    assert email.send_error  # the connection's refusal, as the server or the system said it
    assert services.email_can_send(email)
    email = services.email_send(activity=email, actor=salesperson)
    assert email.send_state == SendState.QUEUED and email.send_error == ""
    with pytest.raises(ValidationError) as caught:
        services.email_send(activity=email, actor=salesperson)
    assert caught.value.code == "already_queued"


@pytest.mark.django_db
def test_only_an_outgoing_open_email_with_a_recipient_is_sent(salesperson, email_on, settings):
    incoming = ActivityFactory(kind=ActivityKind.EMAIL, direction="incoming", owner=salesperson)
    with pytest.raises(ValidationError) as caught:
        services.email_send(activity=incoming, actor=salesperson)
    assert caught.value.code == "not_outgoing_email"
    nobody = ActivityFactory(kind=ActivityKind.EMAIL, direction="outgoing", owner=salesperson)
    with pytest.raises(ValidationError) as caught:
        services.email_send(activity=nobody, actor=salesperson)
    assert caught.value.code == "no_recipient"
    settings.CRM_EMAIL_ENABLED = False
    with pytest.raises(ValidationError) as caught:
        services.email_send(activity=nobody, actor=salesperson)
    assert caught.value.code == "email_off"


@pytest.mark.django_db
def test_the_email_form_logs_or_sends(client, salesperson, email_on, django_capture_on_commit_callbacks):
    contact = ContactFactory(email="ana@dacia.ro")
    client.force_login(salesperson)
    url = reverse("activities:create", args=["email", "contact", contact.pk])
    page = client.get(url).content.decode()
    assert 'name="to"' in page and 'value="ana@dacia.ro"' in page and 'name="send_now"' in page
    assert salesperson.email in page  # From: the user
    response = client.post(
        url,
        {
            "subject": "Ofertă",
            "direction": "outgoing",
            "sender": salesperson.email,
            "to": "ana@, b@x.ro",
            "description": "text",
            "send_now": "on",
        },
    )
    assert response.status_code == 200 and "“ana@” is not an email address." in response.content.decode()
    response = client.post(
        url, {"subject": "Ofertă", "direction": "incoming", "to": "", "description": "x", "send_now": "on"}
    )
    content = response.content.decode()
    assert "Only an outgoing email can be sent." in content and "Give at least one address" in content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "subject": "Ofertă",
                "direction": "outgoing",
                "sender": salesperson.email,
                "to": "Ana <ana@dacia.ro>",
                "cc": "",
                "description": "text",
                "send_now": "on",
            },
        )
    assert response.status_code == 302
    email = contact.activities.get()
    assert email.send_state == SendState.QUEUED
    assert email.parties.get(role="to").contact_id == contact.pk
    detail = client.get(email.get_absolute_url()).content.decode()
    assert "This email is queued" in detail and "ana@dacia.ro" in detail


@pytest.mark.django_db
def test_without_a_mail_server_the_form_offers_no_sending(client, salesperson, settings):
    settings.CRM_EMAIL_ENABLED = False
    client.force_login(salesperson)
    page = client.get(reverse("activities:create", args=["email", "account", AccountFactory().pk])).content.decode()
    assert 'name="to"' in page and 'name="send_now"' not in page


@pytest.mark.django_db
def test_the_send_again_command(client, salesperson, email_on):
    email = queued_email(salesperson)
    services.email_deliver_now(email.pk)  # locmem: sent
    email.refresh_from_db()
    client.force_login(salesperson)
    assert "Send again" not in client.get(email.get_absolute_url()).content.decode()
    failed = ActivityFactory(
        kind=ActivityKind.EMAIL,
        direction="outgoing",
        owner=salesperson,
        send_state=SendState.FAILED,
        send_error="550 mailbox unavailable",
    )
    ActivityParty.objects.create(activity=failed, role="to", email="a@x.ro")
    page = client.get(failed.get_absolute_url()).content.decode()
    assert "550 mailbox unavailable" in page and "Send again" in page
    response = client.post(reverse("activities:send", args=[failed.pk]), {"version": failed.version})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.send_state == SendState.QUEUED


@pytest.mark.django_db
def test_an_appointments_attendees_are_in_its_ics(client, salesperson):
    contact = ContactFactory(first_name="Ana", last_name="Pop", email="ana@dacia.ro")
    client.force_login(salesperson)
    url = reverse("activities:create", args=["appointment", "contact", contact.pk])
    response = client.post(
        url,
        {
            "subject": "Vizită",
            "due_at": "2026-12-03T10:00",
            "ends_at": "2026-12-03T11:00",
            "location": "Pitești",
            "attendees": "ana@dacia.ro, Ion <ion@x.ro>",
        },
    )
    assert response.status_code == 302
    appointment = contact.activities.get()
    calendar = icalendar.Calendar.from_ical(client.get(reverse("activities:ics", args=[appointment.pk])).content)
    event = calendar.walk("VEVENT")[0]
    attendees = event.get("attendee")
    assert sorted(str(a) for a in attendees) == ["mailto:ana@dacia.ro", "mailto:ion@x.ro"]
    assert {str(a.params["CN"]) for a in attendees} == {"Ana Pop", "Ion"}
    assert str(event["organizer"]) == f"mailto:{salesperson.email}"
    edit = client.get(reverse("activities:edit", args=[appointment.pk])).content.decode()
    assert "Ana Pop &lt;ana@dacia.ro&gt;, Ion &lt;ion@x.ro&gt;" in edit


class Sink:
    """A real SMTP server (aiosmtpd) on a free port, keeping what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="The worker process needs a shared database: PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_to_a_real_smtp_server(salesperson, email_on):
    sink = Sink()
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        email = queued_email(salesperson, subject="Ofertă pentru Dacia")
        database = connection.settings_dict
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "1",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DEFAULT_FROM_EMAIL": "CRM <crm@firma.ro>",
        }
        worker = subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert worker.returncode == 0, worker.stderr
        deadline = time.monotonic() + 10
        while not sink.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert len(sink.messages) == 1
    envelope = sink.messages[0]
    assert envelope.mail_from == "crm@firma.ro"
    assert sorted(envelope.rcpt_tos) == ["ana@dacia.ro", "sef@dacia.ro"]
    text = envelope.content.decode()
    assert "Subject: =?utf-8?" in text and "X-CRM-Activity: " + str(email.pk) in text
    email.refresh_from_db()
    assert (email.state, email.send_state) == (ActivityState.COMPLETED, SendState.SENT)


@pytest.mark.django_db
def test_the_form_offers_the_records_people(client, salesperson):
    account = AccountFactory(name="Dacia")
    ContactFactory(first_name="Ana", last_name="Pop", email="ana@dacia.ro", account=account)
    ContactFactory(first_name="Fără", last_name="Adresă", email="", account=account)
    ContactFactory(first_name="Ion", last_name="Altundeva", email="ion@x.ro")
    client.force_login(salesperson)
    page = client.get(reverse("activities:create", args=["email", "account", account.pk])).content.decode()
    assert 'data-people-for="id_to"' in page and 'data-add-address="Ana Pop <ana@dacia.ro>"' in page
    assert "Adresă" not in page and "ion@x.ro" not in page
    opportunity_page = client.get(
        reverse("activities:create", args=["appointment", "account", account.pk])
    ).content.decode()
    assert 'data-people-for="id_attendees"' in opportunity_page
    task_page = client.get(reverse("activities:create", args=["task", "account", account.pk])).content.decode()
    assert "data-people-for" not in task_page


@pytest.mark.django_db
def test_the_to_boxs_example_address_shows_its_angle_brackets(client, salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("activities:create", args=["email", "account", AccountFactory().pk])).content.decode()
    assert "such as Ana Pop &lt;ana@example.ro&gt;." in page
