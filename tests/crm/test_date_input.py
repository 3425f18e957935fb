"""Date boxes written and read the user's language's way (crm.record_forms.DATE_INPUT, crm/formats/), with
the date picker of static/js/date_picker.js on top: Romanian 01.12.2026, English 2026-12-01, ISO always read."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from crm.record_forms import DATE_INPUT
from invoices.models import Invoice
from invoices.services import invoice_create
from opportunities.forms import CloseAsLostForm
from tests.factories import AccountFactory, OpportunityFactory
from tests.invoices.helpers import invoice_post_data, line

pytestmark = pytest.mark.django_db

DECEMBER_1 = datetime.date(2026, 12, 1)
# How each language writes 1 December 2026 in a form, and the pattern the box and the picker name.
SHOWN = {"en": "2026-12-01", "ro": "01.12.2026"}
PATTERN = {"en": "yyyy-mm-dd", "ro": "dd.mm.yyyy"}
INVALID_DATE = {"en": "Enter a valid date.", "ro": "Introduceți o dată validă."}
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor" / "vanillajs-datepicker"


class DateForm(forms.Form):
    day = forms.DateField(widget=DATE_INPUT)


def attribute(html, name):
    match = re.search(rf'\s{name}="([^"]*)"', html)
    return match and match.group(1)


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_date_box_is_a_text_box_in_the_languages_format(language):
    with translation.override(language):
        html = str(DateForm(initial={"day": DECEMBER_1})["day"])
        parts = {token: pgettext("date format", token) for token in ("dd", "mm", "yyyy")}
    assert attribute(html, "type") == "text"  # not the browser's <input type="date">, which follows the browser
    assert attribute(html, "value") == SHOWN[language]
    assert attribute(html, "inputmode") == "numeric"
    assert attribute(html, "autocomplete") == "off"
    assert attribute(html, "data-date-picker") == PATTERN[language]
    assert attribute(html, "data-date-picker-week-start") == "1"
    assert attribute(html, "placeholder") == re.sub("yyyy|dd|mm", lambda token: parts[token.group()], PATTERN[language])


def test_romanian_writes_the_date_day_first_with_dots():
    with translation.override("ro"):
        html = str(DateForm(initial={"day": datetime.date(2027, 1, 5)})["day"])
    assert attribute(html, "value") == "05.01.2027"


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("ro", "01.12.2026"),
        ("ro", "2026-12-01"),
        ("ro", "1.12.2026"),
        ("ro", " 01.12.26 "),
        ("en", "2026-12-01"),
        ("en", "01.12.2026"),
        ("en", "1 Dec 2026"),
    ],
)
def test_the_date_box_reads_the_languages_format_and_iso(language, typed):
    with translation.override(language):
        form = DateForm({"day": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == DECEMBER_1


@pytest.mark.parametrize("language", ["en", "ro"])
@pytest.mark.parametrize("typed", ["31.02.2026", "abc", "12/01/2026", "2026-13-01"])
def test_a_date_that_does_not_exist_is_an_error_beside_the_field(language, typed):
    with translation.override(language):
        form = DateForm({"day": typed})
        assert not form.is_valid()
        assert form.errors == {"day": [INVALID_DATE[language]]}
        # The box shows back what was typed, for the user to correct.
        assert attribute(str(form["day"]), "value") == typed


def test_the_other_date_fields_of_the_record_forms_use_the_same_box():
    with translation.override("ro"):
        html = str(CloseAsLostForm(initial={"close_date": DECEMBER_1})["close_date"])
    assert attribute(html, "data-date-picker") == "dd.mm.yyyy" and attribute(html, "value") == "01.12.2026"


# Through the pages: the opportunity's estimated close date, the invoice's dates.


def opportunity_data(opportunity, **fields):
    return {
        "topic": opportunity.topic,
        "account": opportunity.account_id,
        "currency": "RON",
        "probability": "50",
        "sales_stage": "develop",
        "status_reason": "in_progress",
        "version": opportunity.version,
        **fields,
    }


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_opportunity_form_shows_and_saves_the_close_date_the_languages_way(
    client, salesperson, language, django_assert_max_num_queries
):
    opportunity = OpportunityFactory(owner=salesperson, estimated_close_date=DECEMBER_1)
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("opportunities:edit", args=[opportunity.pk])
    # 1-2 session and user, 3-4 permissions, 5 the opportunity, 6 its account (the picker's label): the date box
    # costs no query.
    with django_assert_max_num_queries(6):
        form_page = client.get(url)
    html = str(form_page.context["form"]["estimated_close_date"])
    assert attribute(html, "value") == SHOWN[language]
    assert f'value="{SHOWN[language]}"' in form_page.text

    # What the page showed goes back unchanged.
    response = client.post(url, opportunity_data(opportunity, estimated_close_date=SHOWN[language]))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == DECEMBER_1

    # A new date typed the language's way, then one in ISO, whatever the language.
    new_date = {"en": "2027-01-15", "ro": "15.01.2027"}[language]
    response = client.post(url, opportunity_data(opportunity, estimated_close_date=new_date))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2027, 1, 15)
    response = client.post(url, opportunity_data(opportunity, estimated_close_date="2027-02-28"))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == datetime.date(2027, 2, 28)


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_opportunity_form_shows_a_date_that_does_not_exist_beside_the_field(client, salesperson, language):
    opportunity = OpportunityFactory(owner=salesperson, estimated_close_date=DECEMBER_1)
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        reverse("opportunities:edit", args=[opportunity.pk]),
        opportunity_data(opportunity, estimated_close_date="31.02.2026"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"estimated_close_date": [INVALID_DATE[language]]}
    assert 'id="id_estimated_close_date_error"' in response.text
    assert 'value="31.02.2026"' in response.text
    opportunity.refresh_from_db()
    assert opportunity.estimated_close_date == DECEMBER_1


@pytest.mark.parametrize("language", ["en", "ro"])
def test_the_invoice_form_round_trips_its_dates_the_languages_way(client, salesperson, language):
    account = AccountFactory()
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    typed = {"en": ("2026-12-01", "2026-12-31"), "ro": ("01.12.2026", "31.12.2026")}[language]
    response = client.post(
        reverse("invoices:create"),
        invoice_post_data(account=account.pk, invoice_date=typed[0], due_date=typed[1], lines=[line()]),
    )
    assert response.status_code == 302, response.context["form"].errors
    invoice = Invoice.objects.get()
    assert (invoice.invoice_date, invoice.due_date) == (DECEMBER_1, datetime.date(2026, 12, 31))

    # The edit page writes them back the same way, and posting them back keeps them.
    url = reverse("invoices:edit", args=[invoice.pk])
    form = client.get(url).context["form"]
    assert attribute(str(form["invoice_date"]), "value") == typed[0]
    assert attribute(str(form["due_date"]), "value") == typed[1]
    line_id = invoice.lines.get().pk
    response = client.post(
        url,
        invoice_post_data(
            invoice_number=invoice.invoice_number,
            account=account.pk,
            version=invoice.version,
            initial_forms=1,
            invoice_date=typed[0],
            due_date="2027-01-15",
            lines=[line(id=line_id)],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    invoice.refresh_from_db()
    assert (invoice.invoice_date, invoice.due_date) == (DECEMBER_1, datetime.date(2027, 1, 15))


def test_the_invoice_form_shows_a_due_date_that_does_not_exist_beside_the_field(client, salesperson):
    invoice = invoice_create(
        actor=salesperson,
        account=AccountFactory(),
        name="Servicii cloud",
        lines=[
            {
                "description": "Găzduire",
                "quantity": Decimal("1"),
                "unit_price": Decimal("100.00"),
                "discount": Decimal("0"),
                "tax_rate": Decimal("19"),
            }
        ],
        invoice_date=DECEMBER_1,
    )
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    url = reverse("invoices:edit", args=[invoice.pk])
    response = client.post(
        url,
        invoice_post_data(
            invoice_number=invoice.invoice_number,
            account=invoice.account_id,
            version=invoice.version,
            initial_forms=1,
            invoice_date="01.12.2026",
            due_date="abc",
            lines=[line(id=invoice.lines.get().pk)],
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"due_date": [INVALID_DATE["ro"]]}


# The picker: served from our files, loaded on every page under the Content-Security-Policy.


def test_every_page_loads_the_date_picker_with_the_pages_nonce(client, salesperson):
    client.force_login(salesperson)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    html = client.get(reverse("opportunities:create")).text
    assert '<html lang="ro">' in html
    assert "vendor/vanillajs-datepicker/datepicker-bs5.min.css" in html
    for script in (
        "vendor/vanillajs-datepicker/datepicker.min.js",
        "vendor/vanillajs-datepicker/locales/ro.js",
        "js/date_picker.js",
    ):
        assert re.search(rf'<script src="[^"]*{re.escape(script)}" defer nonce="[^"]+"></script>', html), script
    assert 'data-date-picker="dd.mm.yyyy"' in html


def test_the_vendored_picker_needs_nothing_the_policy_forbids():
    script = (VENDOR / "datepicker.min.js").read_text()
    stylesheet = (VENDOR / "datepicker-bs5.min.css").read_text()
    for forbidden in ("eval(", "new Function", "<style", "insertRule", "style="):
        assert forbidden not in script, forbidden
    assert "data:" not in stylesheet and "url(" not in stylesheet
    assert "Datepicker.locales.ro" in (VENDOR / "locales" / "ro.js").read_text()
    assert "MIT License" in (VENDOR / "LICENSE").read_text()
    assert "1.3.4" in (VENDOR / "README.md").read_text()
