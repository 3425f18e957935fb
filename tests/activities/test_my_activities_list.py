"""My Activities sorted by its columns, and exported as the view shows it (the activities import's columns, so
the file imports back)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.activities.models import ActivityKind, ActivityState
from crm.imports.models import ImportJob
from crm.imports.readers import open_table
from crm.imports.services import import_job_run
from tests.factories import ActivityFactory, SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(salesperson):
    now = timezone.now()
    return [
        ActivityFactory(owner=salesperson, subject="Beta", priority="low", due_at=now + datetime.timedelta(days=2)),
        ActivityFactory(owner=salesperson, subject="Alfa", priority="high", due_at=now + datetime.timedelta(days=5)),
        ActivityFactory(owner=salesperson, subject="Gama", kind=ActivityKind.PHONE_CALL, priority="normal",
                        due_at=now - datetime.timedelta(days=1)),
        ActivityFactory(owner=salesperson, subject="Închisă", state=ActivityState.COMPLETED, completed_at=now),
        ActivityFactory(owner=SalespersonFactory(), subject="Altcuiva"),
    ]


def subjects(response):
    return [activity.subject for activity in response.context["page_obj"].object_list]


def test_sorted_by_each_column_both_ways(client, salesperson, work):
    client.force_login(salesperson)
    url = reverse("activities:mine")
    assert subjects(client.get(url)) == ["Gama", "Beta", "Alfa"]  # soonest due first
    assert subjects(client.get(url, {"sort": "subject"})) == ["Alfa", "Beta", "Gama"]
    assert subjects(client.get(url, {"sort": "-subject"})) == ["Gama", "Beta", "Alfa"]
    assert subjects(client.get(url, {"sort": "-due"})) == ["Alfa", "Beta", "Gama"]
    assert subjects(client.get(url, {"sort": "kind"})) == ["Gama", "Beta", "Alfa"]  # phone_call, then tasks by due
    assert subjects(client.get(url, {"sort": "-kind"}))[-1] == "Gama"
    assert subjects(client.get(url, {"sort": "nonsense"})) == ["Gama", "Beta", "Alfa"]
    page = client.get(url, {"sort": "subject", "kind": "task"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-subject&amp;kind=task">' in page


def test_the_export_holds_the_view_the_user_looks_at(client, salesperson, work):
    client.force_login(salesperson)
    page = client.get(reverse("activities:mine"), {"view": "overdue"}).content.decode()
    assert f'{reverse("activities:export")}?view=overdue&amp;format=csv' in page
    response = client.get(reverse("activities:export"), {"view": "open", "sort": "subject", "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["Subject"] for row in rows] == ["Alfa", "Beta", "Gama"]
    overdue = client.get(reverse("activities:export"), {"view": "overdue", "format": "csv"})
    assert [row["Subject"] for row in csv.DictReader(io.StringIO(
        b"".join(overdue.streaming_content).decode("utf-8-sig")))] == ["Gama"]


def test_an_exported_file_with_ids_imports_back_as_updates(client, sales_manager, work):
    task = work[0]
    task.owner = sales_manager
    task.save()
    client.force_login(sales_manager)
    response = client.get(reverse("activities:export"), {"view": "all", "format": "csv", "round_trip": "1"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "(Do not modify) Id" in text.splitlines()[0]
    changed = text.replace("Beta", "Beta revăzută")
    job = ImportJob.objects.create(target="activities", file_name="activitati.csv", created_by=sales_manager)
    import_job_run(job=job, table=open_table(io.BytesIO(changed.encode())))
    job.refresh_from_db()
    task.refresh_from_db()
    assert task.subject == "Beta revăzută", job.message
    assert (job.created_count, job.updated_count) == (0, 1)


def test_the_columns_are_named_in_the_users_language(client, salesperson, work):
    client.force_login(salesperson)
    client.cookies["django_language"] = "ro"
    page = client.get(reverse("activities:mine")).content.decode()
    assert ">Subiect</a>" in page and ">Termen</a>" in page and "Activity type" not in page
