"""A user's preferences: their time zone shows every page's times in it (kept in the session, no query per
page), the language of their emails, and their reminder digest's time and off switch."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import UserPreferences
from crm.preferences import SESSION_KEY, preferences_update
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_the_profile_page_saves_the_preferences(client, salesperson):
    client.force_login(salesperson)
    page = client.get(reverse("profile:detail")).content.decode()
    assert 'name="time_zone"' in page and "Asia/Tokyo" in page and 'name="reminder_digest"' in page
    response = client.post(
        reverse("profile:preferences"),
        {
            "time_zone": "Asia/Tokyo",
            "language": "ro",
            "reminder_time": "07:30",
        },
    )
    assert response.status_code == 302
    preferences = UserPreferences.objects.get(user=salesperson)
    assert (preferences.time_zone, preferences.language, preferences.reminder_digest, preferences.reminder_time) == (
        "Asia/Tokyo",
        "ro",
        False,
        datetime.time(7, 30),
    )
    assert client.session[SESSION_KEY] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "Select a valid choice."),
        ("reminder_time", "25:00", "Enter a valid time."),
        ("language", "fr", "Select a valid choice."),
    ],
)
def test_a_wrong_preference_is_named_and_nothing_is_saved(client, salesperson, field, value, message):
    client.force_login(salesperson)
    response = client.post(reverse("profile:preferences"), {field: value, "reminder_digest": "on"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UserPreferences.objects.exists()


def test_pages_show_times_in_the_users_time_zone(client, salesperson):
    task = ActivityFactory(owner=salesperson, due_at=datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC))
    client.force_login(salesperson)
    assert "12:00" in client.get(task.get_absolute_url()).content.decode()  # the site's: Europe/Bucharest
    client.post(reverse("profile:preferences"), {"time_zone": "Asia/Tokyo", "reminder_digest": "on"})
    assert "19:00" in client.get(task.get_absolute_url()).content.decode()
    client.logout()
    client.force_login(salesperson)  # at sign-in, from the saved preferences
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    assert "19:00" in client.get(task.get_absolute_url()).content.decode()


def test_the_time_zone_costs_no_query_per_page(client, salesperson):
    task = ActivityFactory(owner=salesperson, due_at=datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC))
    client.force_login(salesperson)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(task.get_absolute_url()).status_code == 200
        return len(captured)

    without = queries()
    preferences_update(user=salesperson, data={"time_zone": "Asia/Tokyo"}, actor=salesperson)
    client.logout()
    client.force_login(salesperson)
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    assert queries() == without


def test_users_set_only_their_own(salesperson, other_salesperson):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        preferences_update(user=other_salesperson, data={"time_zone": "UTC"}, actor=salesperson)
