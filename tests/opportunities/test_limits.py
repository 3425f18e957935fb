"""Amounts too big for their columns and dates out of range are refused with a message, never a 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services import account_create
from opportunities.models import Opportunity, OpportunityState
from opportunities.services import opportunity_close_as_lost, opportunity_close_as_won, opportunity_create

pytestmark = pytest.mark.django_db

DATE_OUT_OF_RANGE = "Enter a date between 1 January 1900 and 31 December 2200."
TOO_BIG = "Enter an amount of at most 9,999,999,999,999,999.99."


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Auto Piese Argeș SRL")


@pytest.fixture
def opportunity(salesperson, account):
    return opportunity_create(actor=salesperson, topic="Flotă", account=account)


def error_codes(error, field):
    return [item.code for item in error.error_dict[field]]


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(2201, 1, 1), date(9999, 12, 31)])
def test_an_estimated_close_date_out_of_range_is_refused_with_a_code(salesperson, account, day):
    with pytest.raises(ValidationError) as error:
        opportunity_create(actor=salesperson, topic="Datată", account=account, estimated_close_date=day)
    assert error.value.message_dict == {"estimated_close_date": [DATE_OUT_OF_RANGE]}
    assert error_codes(error.value, "estimated_close_date") == ["date_out_of_range"]
    assert not Opportunity.objects.exists()


def test_the_first_and_last_days_of_the_range_are_accepted(salesperson, account):
    for day in (date(1900, 1, 1), date(2200, 12, 31)):
        opportunity = opportunity_create(actor=salesperson, topic="Datată", account=account, estimated_close_date=day)
        opportunity.refresh_from_db()
        assert opportunity.estimated_close_date == day


@pytest.mark.parametrize("close", ["won", "lost"])
def test_closing_on_a_date_out_of_range_is_refused_and_it_stays_open(salesperson, opportunity, close):
    with pytest.raises(ValidationError) as error:
        if close == "won":
            opportunity_close_as_won(opportunity=opportunity, actual_revenue="10", close_date=date(1, 1, 1),
                                     actor=salesperson)
        else:
            opportunity_close_as_lost(opportunity=opportunity, status_reason="canceled",
                                      close_date=date(9999, 12, 31), actor=salesperson)
    assert error_codes(error.value, "actual_close_date") == ["date_out_of_range"]
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


@pytest.mark.parametrize("amount", ["99999999999999999", "1E+20", Decimal("10000000000000000.00")])
def test_an_actual_revenue_too_big_is_refused_with_a_code(salesperson, opportunity, amount):
    with pytest.raises(ValidationError) as error:
        opportunity_close_as_won(opportunity=opportunity, actual_revenue=amount, actor=salesperson)
    assert error_codes(error.value, "actual_revenue") == ["amount_too_big"]
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


def test_an_estimated_revenue_too_big_is_refused_with_a_code(salesperson, account):
    with pytest.raises(ValidationError) as error:
        opportunity_create(actor=salesperson, topic="Mare", account=account,
                           estimated_revenue=Decimal("99999999999999999"))
    assert error_codes(error.value, "estimated_revenue") == ["amount_too_big"]


# The pages.


def form_data(**fields):
    return {"topic": "Contract cadru", "currency": "RON", "probability": "10", "sales_stage": "qualify",
            "status_reason": "in_progress", **fields}


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
def test_the_form_shows_a_close_date_out_of_range_beside_its_field(client, salesperson, account, text):
    client.force_login(salesperson)
    response = client.post(reverse("opportunities:create"),
                           form_data(account=account.pk, estimated_close_date=text))
    assert response.status_code == 200
    assert response.context["form"].errors == {"estimated_close_date": [DATE_OUT_OF_RANGE]}
    assert 'id="id_estimated_close_date_error"' in response.text
    assert not Opportunity.objects.exists()


def test_the_form_shows_an_estimated_revenue_too_big_beside_its_field(client, salesperson, account):
    client.force_login(salesperson)
    response = client.post(reverse("opportunities:create"),
                           form_data(account=account.pk, estimated_revenue="99999999999999999"))
    assert response.status_code == 200
    assert response.context["form"].errors == {"estimated_revenue": [TOO_BIG]}
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(("view", "data"), [
    ("opportunities:close_won", {"actual_revenue": "10", "close_date": "0001-01-01"}),
    ("opportunities:close_lost", {"status_reason": "canceled", "close_date": "9999-12-31"}),
])
def test_the_close_forms_show_a_date_out_of_range_beside_the_field(client, salesperson, opportunity, view, data):
    client.force_login(salesperson)
    response = client.post(reverse(view, args=[opportunity.pk]), data)
    assert response.status_code == 200
    form = response.context["won_form" if view.endswith("won") else "lost_form"]
    assert form.errors == {"close_date": [DATE_OUT_OF_RANGE]}
    assert 'id="id_close_date_error"' in response.text
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


def test_the_close_as_won_form_shows_a_revenue_too_big_beside_its_field(client, salesperson, opportunity):
    client.force_login(salesperson)
    response = client.post(reverse("opportunities:close_won", args=[opportunity.pk]),
                           {"actual_revenue": "99999999999999999", "close_date": "2026-02-14"})
    assert response.status_code == 200
    assert response.context["won_form"].errors == {"actual_revenue": [TOO_BIG]}
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN
