"""Opportunity rules held by the database and by Opportunity.clean()."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from opportunities.models import STATUS_REASONS_BY_STATE, Opportunity
from tests.constraints import violates
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_needs_an_account_or_a_contact_in_the_database():
    opportunity = OpportunityFactory()
    with violates("opportunity_has_customer"):
        Opportunity.objects.filter(pk=opportunity.pk).update(account=None, contact=None)
    # A contact alone, or an account alone, is enough.
    Opportunity.objects.filter(pk=opportunity.pk).update(account=None, contact=ContactFactory())


def test_probability_is_0_to_100_in_the_database():
    opportunity = OpportunityFactory()
    with violates("opportunity_probability_range"):
        Opportunity.objects.filter(pk=opportunity.pk).update(probability=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(probability=-1)
    Opportunity.objects.filter(pk=opportunity.pk).update(probability=100)
    Opportunity.objects.filter(pk=opportunity.pk).update(probability=0)


def test_estimated_revenue_is_not_negative_in_the_database():
    opportunity = OpportunityFactory()
    with violates("opportunity_estimated_revenue_not_negative"):
        Opportunity.objects.filter(pk=opportunity.pk).update(estimated_revenue=Decimal("-5"))


@pytest.mark.parametrize(
    ("state", "status_reason"),
    [("open", "won"), ("open", "canceled"), ("won", "in_progress"), ("won", "out_sold"), ("lost", "on_hold"),
     ("lost", "won")],
)
def test_status_reason_matches_state_in_the_database(state, status_reason):
    opportunity = OpportunityFactory()
    with violates("opportunity_status_reason_matches_state"):
        Opportunity.objects.filter(pk=opportunity.pk).update(
            state=state, status_reason=status_reason, actual_close_date=date(2026, 11, 1)
        )


def test_every_allowed_pair_is_accepted_in_the_database():
    opportunity = OpportunityFactory()
    for state, reasons in STATUS_REASONS_BY_STATE.items():
        for reason in reasons:
            Opportunity.objects.filter(pk=opportunity.pk).update(
                state=state, status_reason=reason, actual_close_date=date(2026, 11, 1)
            )


def test_a_closed_opportunity_has_a_close_date_in_the_database():
    opportunity = OpportunityFactory()
    with violates("opportunity_closed_has_close_date"):
        Opportunity.objects.filter(pk=opportunity.pk).update(state="won", status_reason="won")


def test_clean_names_the_missing_customer_and_the_wrong_reason():
    opportunity = OpportunityFactory.build(
        account=None, contact=None, status_reason="won", owner=ContactFactory().owner
    )
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()
    assert error.value.error_dict["account"][0].code == "no_customer"
    assert error.value.error_dict["status_reason"][0].code == "status_reason_mismatch"


def test_clean_refuses_probability_out_of_range():
    opportunity = OpportunityFactory.build(account=AccountFactory(), probability=150, owner=ContactFactory().owner)
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()
    assert "probability" in error.value.error_dict


def test_customer_is_the_account_else_the_contact():
    account = AccountFactory()
    contact = ContactFactory()
    assert Opportunity(account=account, contact=contact).customer == account
    assert Opportunity(contact=contact).customer == contact
