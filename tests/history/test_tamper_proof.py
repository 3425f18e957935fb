"""The change history cannot be rewritten: the database refuses it, and users who made changes are deactivated."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from accounts.services import account_create
from crm.history.models import ChangeEvent, ChangeKind, RecordType, Via
from crm.users import user_delete
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="The guard is a PostgreSQL trigger.")


def event_on(day, label):
    occurred_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    event = ChangeEvent(
        occurred_at=occurred_at,
        kind=ChangeKind.CREATED,
        via=Via.COMMAND,
        record_type=RecordType.ACCOUNT,
        record_id=1,
        record_label=label,
    )
    event.save()
    return event


@pytest.fixture
def events():
    return [event_on(datetime.date(2024, 5, 1), "Old SRL"), event_on(datetime.date(2025, 5, 1), "New SRL")]


def refused(sql):
    """Run ``sql`` in a savepoint; return the database's error (the test fails if there is none)."""
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(error.value)


def labels():
    return sorted(ChangeEvent.objects.values_list("record_label", flat=True))


@on_postgresql
def test_a_raw_update_is_refused_and_changes_nothing(events):
    message = refused("UPDATE history_changeevent SET record_label = 'Forged SRL', actor_name = 'nobody'")
    assert "The change history is append-only: UPDATE on history_changeevent is refused." in message
    assert labels() == ["New SRL", "Old SRL"]
    assert set(ChangeEvent.objects.values_list("actor_name", flat=True)) == {""}


@on_postgresql
def test_a_raw_delete_is_refused_and_deletes_nothing(events):
    assert "DELETE on history_changeevent is refused" in refused("DELETE FROM history_changeevent")
    assert labels() == ["New SRL", "Old SRL"]


@on_postgresql
def test_truncate_is_refused_and_deletes_nothing(events):
    # The rows' foreign key checks are deferred to commit; PostgreSQL refuses a TRUNCATE with checks pending.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert "TRUNCATE on history_changeevent is refused" in refused("TRUNCATE history_changeevent")
    assert labels() == ["New SRL", "Old SRL"]


@on_postgresql
def test_an_orm_bulk_update_is_refused_too(events):
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeEvent.objects.update(record_label="Forged SRL")
    assert labels() == ["New SRL", "Old SRL"]


def test_prune_history_deletes_only_the_older_rows_and_the_guard_is_back(events):
    out = StringIO()
    call_command("prune_history", before="2025-01-01", stdout=out)
    assert out.getvalue() == "deleted 1 history rows older than 2025-01-01\n"
    assert labels() == ["New SRL"]
    if connection.vendor == "postgresql":
        # Still inside the test's transaction: the command put the guard back itself.
        assert "DELETE on history_changeevent is refused" in refused("DELETE FROM history_changeevent")
        assert labels() == ["New SRL"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_prune_history_commits_its_delete_and_later_transactions_are_guarded():
    event_on(datetime.date(2024, 5, 1), "Old SRL")
    event_on(datetime.date(2025, 5, 1), "New SRL")
    call_command("prune_history", before="2025-01-01", stdout=StringIO())
    assert labels() == ["New SRL"]
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM history_changeevent")
    assert labels() == ["New SRL"]


def test_prune_history_refuses_a_day_in_the_future_or_not_a_day(events):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="in the future"):
        call_command("prune_history", before=tomorrow.isoformat())
    with pytest.raises(CommandError):
        call_command("prune_history", "--before", "01/01/2025")
    assert labels() == ["New SRL", "Old SRL"]


@pytest.fixture
def author(salesperson):
    """A user who made a change (and owns the account)."""
    account_create(actor=salesperson, name="Dacia SA")
    assert ChangeEvent.objects.filter(actor=salesperson).exists()
    return salesperson


def test_deleting_a_user_with_history_raises_protected_error(author):
    with pytest.raises(ProtectedError), transaction.atomic():
        author.delete()
    assert get_user_model().objects.filter(pk=author.pk).exists()


def test_deleting_a_user_only_in_the_history_is_refused_too(administrator):
    ghost = UserFactory(username="ghost")
    ChangeEvent(
        actor=ghost,
        kind=ChangeKind.CREATED,
        via=Via.WEB,
        record_type=RecordType.ACCOUNT,
        record_id=1,
        record_label="Gone SRL",
    ).save()
    with pytest.raises(ValidationError, match="Deactivate them instead"):
        user_delete(user=ghost, actor=administrator)
    assert ChangeEvent.objects.get().actor == ghost


def test_a_user_nobody_refers_to_is_deleted(administrator):
    newcomer = UserFactory(username="newcomer")
    user_delete(user=newcomer, actor=administrator)
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_the_admin_says_to_deactivate_instead_of_deleting(client, administrator, author):
    client.force_login(administrator)
    url = reverse("admin:auth_user_delete", args=[author.pk])
    change_url = reverse("admin:auth_user_change", args=[author.pk])
    shown = client.get(url)
    assert shown.status_code == 302
    assert shown.url == change_url
    posted = client.post(url, {"post": "yes"}, follow=True)
    assert posted.status_code == 200
    assert "The user ana.salesperson cannot be deleted" in posted.text
    assert "Deactivate them instead (untick Active)." in posted.text
    assert get_user_model().objects.filter(pk=author.pk).exists()


def test_the_admin_bulk_delete_refuses_too_and_deletes_none(client, administrator, author):
    newcomer = UserFactory(username="newcomer")
    client.force_login(administrator)
    changelist = reverse("admin:auth_user_changelist")
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [author.pk, newcomer.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Deactivate them instead" in response.text
    assert get_user_model().objects.filter(pk__in=[author.pk, newcomer.pk]).count() == 2


def test_the_admin_still_deletes_a_user_nobody_refers_to(client, administrator):
    newcomer = UserFactory(username="newcomer")
    client.force_login(administrator)
    response = client.post(reverse("admin:auth_user_delete", args=[newcomer.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=newcomer.pk).exists()


def test_deactivating_a_user_with_history_works_and_keeps_the_history(client, administrator, author):
    client.force_login(administrator)
    url = reverse("admin:auth_user_change", args=[author.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        groups=[group.pk for group in author.groups.all()],
        user_permissions=[],
        date_joined_0=author.date_joined.date().isoformat(),
        date_joined_1="00:00:00",
        is_active="",
        is_staff="",
        is_superuser="",
    )
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    author.refresh_from_db()
    assert not author.is_active
    assert ChangeEvent.objects.filter(actor=author).exists()
    client.logout()
    assert not client.login(username="ana.salesperson", password="pass-for-tests-1")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_guard_migration_reverses_and_applies_again():
    event_on(datetime.date(2024, 5, 1), "Old SRL")
    call_command("migrate", "history", "0003", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE history_changeevent SET record_label = 'Changed SRL'")
        assert labels() == ["Changed SRL"]
    finally:
        call_command("migrate", "history", verbosity=0)
    assert "UPDATE on history_changeevent is refused" in refused("UPDATE history_changeevent SET record_label = 'X'")
