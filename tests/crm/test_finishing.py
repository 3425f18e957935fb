"""Finishing touches: the favicon, "See all" only when there is more, no "−0.00", full names, the import job page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from crm.imports.models import ImportJob, ImportState
from invoices.services import invoice_create
from tests.factories import AccountFactory, InvoiceFactory, InvoiceLineFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_to_anyone_and_linked_from_every_page(client, salesperson):
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response.url.endswith("favicon.ico") and "/static/" in response.url
    client.force_login(salesperson)
    html = client.get(reverse("accounts:list")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg" type="image/svg\+xml">', html)


def test_see_all_only_when_the_panel_does_not_show_every_record(client, salesperson):
    empty = AccountFactory(owner=salesperson)
    few = AccountFactory(owner=salesperson)
    many = AccountFactory(owner=salesperson)
    OpportunityFactory(account=few, owner=salesperson)
    InvoiceFactory(account=few, owner=salesperson)
    for n in range(6):
        OpportunityFactory(account=many, owner=salesperson)
        InvoiceFactory(account=many, owner=salesperson, invoice_date=datetime.date(2026, 1, n + 1))
    client.force_login(salesperson)
    def panel(account, name):
        return client.get(reverse("accounts:detail", args=[account.pk]), {"panel": name}).content.decode()

    for account in (empty, few):
        for name in ("opportunities", "invoices"):
            assert "See all" not in panel(account, name), (account, name)
    assert "See all 6 opportunities" in panel(many, "opportunities")
    assert "See all 6 invoices" in panel(many, "invoices")


def test_an_invoice_without_discount_shows_no_minus_zero(client, salesperson):
    invoice = InvoiceFactory(owner=salesperson, currency="RON")
    InvoiceLineFactory(invoice=invoice, discount=Decimal("0.00"))
    client.force_login(salesperson)
    html = client.get(invoice.get_absolute_url()).content.decode()
    assert "−0.00" not in html and "-0.00" not in html
    discounted = invoice_create(actor=salesperson, name="Cu reducere", account=invoice.account, currency="RON",
                                lines=[{"description": "Licență", "quantity": "1", "unit_price": "100.00",
                                        "discount": "5.00", "tax_rate": "19"}])
    html = client.get(discounted.get_absolute_url()).content.decode()
    assert "−5.00 RON" in html


def test_the_import_job_page_names_people_in_full_and_shows_progress_readably(client, sales_manager):
    sales_manager.first_name, sales_manager.last_name = "Maria", "Ionescu"
    sales_manager.save()
    job = ImportJob.objects.create(target="accounts", file_name="conturi.csv", created_by=sales_manager,
                                   state=ImportState.RUNNING, total_rows=200, processed_rows=50, created_count=40,
                                   updated_count=7, skipped_count=2, failed_count=1)
    client.force_login(sales_manager)
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Imported by Maria Ionescu" in html
    label = re.search(r'<label for="job-progress-bar-\d+" id="(?P<id>[\w-]+)">(?P<text>.*?)</label>', html, re.S)
    assert label and "50 of 200 rows (25 %)" in " ".join(label["text"].split())
    assert re.search(rf'<progress [^>]*value="25" aria-labelledby="{label["id"]}"', html)
    counts = re.search(r'<dl class="stat-list">(.*?)</dl>', html, re.S)[1]
    assert re.findall(r"<dt>(\w+)</dt><dd>(\d+)</dd>", counts) == [
        ("Created", "40"), ("Updated", "7"), ("Skipped", "2"), ("Failed", "1")
    ]
    listed = client.get(reverse("imports:list") + "?show=all").content.decode()
    assert ">maria.manager<" not in listed
