"""Dates: one way of writing them per language (crm/formats/), on the pages and in the forms' date boxes."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from invoices.forms import InvoiceForm, MarkPaidForm
from invoices.models import Invoice
from opportunities.forms import CloseAsLostForm, OpportunityForm
from tests.factories import InvoiceFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# What each language's pages write: a date, or a date and a time.
DATE = {"en": r"\d{1,2} [A-Z][a-z]{2} \d{4}(, \d{2}:\d{2})?", "ro": r"\d{2}\.\d{2}\.\d{4}(, \d{2}:\d{2})?"}
# Any other way of writing a date that would show a mixed page.
OTHER_STYLES = r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|[ap]\.m\.|\b[A-Z][a-z]{2}\. \d{1,2}, \d{4}"


def opportunity_page(client, user, language):
    opportunity = OpportunityFactory(owner=user, estimated_close_date=datetime.date(2026, 12, 31))
    InvoiceFactory(opportunity=opportunity, account=opportunity.account, owner=user,
                   invoice_date=datetime.date(2026, 12, 1), due_date=datetime.date(2027, 1, 15))
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return opportunity, client.get(reverse("opportunities:detail", args=[opportunity.pk])).text


def shown_text(html):
    """The page's visible text: no tags, attributes, scripts or ISO values of <time datetime>."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(("language", "close_date", "invoice_date"), [
    ("en", "31 Dec 2026", "1 Dec 2026"),
    ("ro", "31.12.2026", "01.12.2026"),
])
def test_the_record_page_writes_every_date_one_way(client, salesperson, language, close_date, invoice_date):
    opportunity, html = opportunity_page(client, salesperson, language)
    text = shown_text(html)
    assert close_date in text and invoice_date in text
    with translation.override(language):
        created = date_format(timezone.localtime(opportunity.created_at), "SHORT_DATETIME_FORMAT")
    assert re.fullmatch(DATE[language], created) and created in text
    assert not re.findall(OTHER_STYLES, text)
    assert not any(month in text for month in MONTHS)


def test_romanian_dates_name_no_month_in_any_date_format():
    with translation.override("ro"):
        for month in range(1, 13):
            day = datetime.datetime(2026, month, 1, 9, 9)
            shown = date_format(day, "DATETIME_FORMAT")
            assert re.fullmatch(r"01\.\d{2}\.2026, 09:09", shown), shown
            assert shown == date_format(day, "SHORT_DATETIME_FORMAT")
            assert date_format(day.date(), "DATE_FORMAT") == date_format(day.date(), "SHORT_DATE_FORMAT")


def test_romanian_month_names_are_lower_case():
    with translation.override("ro"):
        assert date_format(datetime.date(2026, 12, 1), "YEAR_MONTH_FORMAT") == "decembrie 2026"


def test_every_date_field_of_the_record_forms_is_a_date_box_in_the_languages_format(salesperson):
    opportunity = OpportunityFactory(owner=salesperson, estimated_close_date=datetime.date(2026, 12, 31))
    invoice = InvoiceFactory(invoice_date=datetime.date(2026, 12, 1), due_date=datetime.date(2026, 12, 31))
    for language, picker, shown in (("en", "yyyy-mm-dd", "{:%Y-%m-%d}"), ("ro", "dd.mm.yyyy", "{:%d.%m.%Y}")):
        with translation.override(language):
            html = str(OpportunityForm(instance=opportunity, user=salesperson)["estimated_close_date"])
            assert f'data-date-picker="{picker}"' in html
            assert f'value="{shown.format(datetime.date(2026, 12, 31))}"' in html
            form = InvoiceForm(instance=Invoice.objects.get(pk=invoice.pk), user=salesperson)
            for name in ("invoice_date", "due_date"):
                html = str(form[name])
                assert f'data-date-picker="{picker}"' in html
                assert f'value="{shown.format(getattr(invoice, name))}"' in html, name
            assert f'data-date-picker="{picker}"' in str(MarkPaidForm()["paid_date"])
            assert f'data-date-picker="{picker}"' in str(CloseAsLostForm()["close_date"])


@pytest.mark.parametrize("language", ["en", "ro"])
@pytest.mark.parametrize("typed", ["31.12.2026", "2026-12-31"])
def test_a_typed_date_is_accepted_without_the_date_picker(language, typed):
    with translation.override(language):
        form = CloseAsLostForm({"status_reason": "canceled", "close_date": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["close_date"] == datetime.date(2026, 12, 31)
