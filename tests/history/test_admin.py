"""The change history is read-only in the admin, for every role, the superuser included."""

import pytest
from django.urls import reverse

from accounts.services import account_create
from crm.history.models import ChangeEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(salesperson):
    account_create(actor=salesperson, name="Dacia SA")
    return ChangeEvent.objects.get()


def test_administrator_reads_but_cannot_add_change_or_delete(client, administrator, event):
    client.force_login(administrator)
    listing = client.get(reverse("admin:history_changeevent_changelist"))
    assert listing.status_code == 200
    assert "Dacia SA" in listing.text
    assert 'name="action"' not in listing.text  # no "delete selected"
    detail = client.get(reverse("admin:history_changeevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.text
    change_url = reverse("admin:history_changeevent_change", args=[event.pk])
    assert client.post(change_url, {"record_label": "X"}).status_code == 403
    assert client.get(reverse("admin:history_changeevent_add")).status_code == 403
    assert client.post(reverse("admin:history_changeevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.record_label == "Dacia SA"
    assert ChangeEvent.objects.count() == 1


def test_no_role_holds_a_permission_to_change_history(salesperson, sales_manager, administrator):
    from django.contrib.auth.models import Permission

    assert set(Permission.objects.filter(content_type__app_label="history").values_list("codename", flat=True)) == {
        "view_changeevent"
    }
    assert administrator.has_perm("history.view_changeevent")
    assert not salesperson.has_perm("history.view_changeevent")


def test_staff_without_the_view_permission_is_refused(client, event):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:history_changeevent_changelist")).status_code == 403
