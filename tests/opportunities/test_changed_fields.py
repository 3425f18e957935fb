"""Closing and reopening write only the columns they change, so a change made meanwhile to another column is kept."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import account_create
from crm.exchange_rates import exchange_rate_set
from crm.history.models import ChangeEvent, ChangeKind, RecordType
from opportunities import services
from opportunities.models import Opportunity, OpportunityStatusReason
from opportunities.services import (
    opportunity_close_as_lost,
    opportunity_close_as_won,
    opportunity_create,
    opportunity_reopen,
)

pytestmark = pytest.mark.django_db

AUDIT = {"modified_by_id", "modified_at", "version"}


def updated_columns(queries, table):
    """The columns named in the SET clause of each UPDATE of ``table`` among ``queries``."""
    updates = [query["sql"] for query in queries if query["sql"].startswith(f'UPDATE "{table}" SET ')]
    return [set(re.findall(r'"(\w+)" = ', sql.split(" SET ", 1)[1].split(" WHERE ", 1)[0])) for sql in updates]


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Mobila Rădăuți SRL")


@pytest.fixture
def opportunity(salesperson, account):
    return opportunity_create(
        actor=salesperson,
        topic="Mobilier pentru 12 birouri",
        account=account,
        estimated_revenue=Decimal("84000.00"),
        estimated_close_date=date(2026, 6, 30),
        probability=60,
        sales_stage="propose",
        description="Cerere de ofertă din martie",
    )


def test_closing_as_won_writes_only_the_close_columns(salesperson, opportunity):
    with CaptureQueriesContext(connection) as captured:
        opportunity_close_as_won(
            opportunity=opportunity, actual_revenue="81500.00", close_date=date(2026, 5, 12), actor=salesperson
        )

    assert updated_columns(captured, "opportunities_opportunity") == [
        {"state", "status_reason", "sales_stage", "probability", "actual_revenue", "actual_close_date", *AUDIT}
    ]


def test_closing_as_lost_writes_only_the_close_columns(salesperson, opportunity):
    with CaptureQueriesContext(connection) as captured:
        opportunity_close_as_lost(
            opportunity=opportunity, status_reason=OpportunityStatusReason.OUT_SOLD, actor=salesperson
        )

    # The actual revenue was empty already, and the sales stage stays where it was lost.
    assert updated_columns(captured, "opportunities_opportunity") == [
        {"state", "status_reason", "probability", "actual_close_date", *AUDIT}
    ]


def test_reopening_writes_only_the_columns_it_clears(salesperson, opportunity):
    opportunity_close_as_won(opportunity=opportunity, actual_revenue="81500.00", actor=salesperson)

    with CaptureQueriesContext(connection) as captured:
        opportunity_reopen(opportunity=opportunity, actor=salesperson)

    assert updated_columns(captured, "opportunities_opportunity") == [
        {"state", "status_reason", "actual_revenue", "actual_close_date", *AUDIT}
    ]


def test_closing_at_a_new_rate_also_writes_the_rate_and_base_amount(salesperson, administrator, account):
    exchange_rate_set(currency="EUR", rate="4.9700", actor=administrator)
    opportunity = opportunity_create(
        actor=salesperson,
        topic="Export Austria",
        account=account,
        currency="EUR",
        estimated_revenue=Decimal("20000.00"),
    )
    exchange_rate_set(currency="EUR", rate="5.0900", actor=administrator)

    with CaptureQueriesContext(connection) as captured:
        opportunity_close_as_lost(
            opportunity=opportunity, status_reason=OpportunityStatusReason.CANCELED, actor=salesperson
        )

    assert updated_columns(captured, "opportunities_opportunity") == [
        {
            "state",
            "status_reason",
            "probability",
            "actual_close_date",
            "exchange_rate",
            "estimated_revenue_base",
            *AUDIT,
        }
    ]


def _won(opportunity, actor):
    return opportunity_close_as_won(opportunity=opportunity, actual_revenue="81500.00", actor=actor)


def _lost(opportunity, actor):
    return opportunity_close_as_lost(
        opportunity=opportunity, status_reason=OpportunityStatusReason.CANCELED, actor=actor
    )


def _reopened(opportunity, actor):
    _won(opportunity, actor)
    return opportunity_reopen(opportunity=opportunity, actor=actor)


@pytest.mark.parametrize(
    "workflow, kind",
    [(_won, ChangeKind.WON), (_lost, ChangeKind.LOST), (_reopened, ChangeKind.REOPENED)],
    ids=["won", "lost", "reopened"],
)
def test_a_column_changed_meanwhile_without_a_version_is_kept(monkeypatch, salesperson, opportunity, workflow, kind):
    checked = services.require_version

    def change_the_description_after_the_read(record, stored):
        # Another path writes the description directly after the workflow has read (and locked) the row, and
        # leaves the version as it was, so the workflow's version check cannot see it.
        Opportunity._base_manager.filter(pk=stored.pk).update(
            description="Oferta trimisă pe 2 aprilie", version=stored.version
        )
        return checked(record, stored)

    monkeypatch.setattr(services, "require_version", change_the_description_after_the_read)

    workflow(opportunity, salesperson)

    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert stored.description == "Oferta trimisă pe 2 aprilie"
    assert stored.version == opportunity.version
    # The history names what the workflow changed, not the description put back.
    event = ChangeEvent.objects.filter(record_type=RecordType.OPPORTUNITY, record_id=opportunity.pk, kind=kind).get()
    assert "description" not in event.changes
