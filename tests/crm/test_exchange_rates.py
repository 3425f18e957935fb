"""Exchange rates to the base currency, and the amounts opportunities and invoices store in base."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.services import account_create
from crm import roles
from crm.exchange_rates import base_amounts_recalculate, current_rates, exchange_rate_set, to_base
from crm.models import ExchangeRate
from invoices.models import Invoice
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid, invoice_update
from opportunities.models import Opportunity
from opportunities.services import (
    opportunity_close_as_won,
    opportunity_create,
    opportunity_reopen,
    opportunity_update,
)
from tests.constraints import violates
from tests.factories import InvoiceFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def base_ron(settings):
    settings.CRM_BASE_CURRENCY = "RON"


@pytest.fixture
def system_administrator(db):
    """A System Administrator by role alone (not a superuser), as the admin sees them."""
    user = UserFactory(username="sys.admin", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SYSTEM_ADMINISTRATOR))
    return user


@pytest.fixture
def eur(system_administrator):
    return exchange_rate_set(currency="EUR", rate=D("5.0"), actor=system_administrator)


@pytest.fixture
def account(salesperson):
    return account_create(actor=salesperson, name="Dacia SA")


def _line(amount):
    return [{"description": "Servicii", "quantity": 1, "unit_price": D(amount), "tax_rate": 0}]


# The rates


def test_exchange_rate_set_creates_then_changes_the_rate(system_administrator):
    rate = exchange_rate_set(currency="EUR", rate="4.9775", actor=system_administrator)
    assert (rate.currency, rate.rate, rate.modified_by) == ("EUR", D("4.9775"), system_administrator)
    again = exchange_rate_set(currency="EUR", rate=D("5.01"), actor=system_administrator)
    assert again.pk == rate.pk and ExchangeRate.objects.get().rate == D("5.010000")
    assert current_rates() == {"EUR": D("5.01"), "RON": D("1")}


@pytest.mark.parametrize("rate", [D("0"), D("-1.5")])
def test_a_rate_is_greater_than_zero(system_administrator, rate):
    with pytest.raises(ValidationError) as error:
        exchange_rate_set(currency="EUR", rate=rate, actor=system_administrator)
    assert "rate" in error.value.message_dict
    assert not ExchangeRate.objects.exists()


def test_the_base_currency_s_rate_is_always_one(system_administrator):
    with pytest.raises(ValidationError) as error:
        exchange_rate_set(currency="RON", rate=D("2"), actor=system_administrator)
    assert error.value.error_dict["rate"][0].code == "base_currency_rate"


def test_the_database_refuses_a_rate_not_above_zero():
    with violates("exchange_rate_positive"):
        ExchangeRate.objects.create(currency="EUR", rate=D("0"))
    with violates("exchange_rate_positive"):
        ExchangeRate.objects.create(currency="USD", rate=D("-1"))


def test_only_system_administrators_set_rates(salesperson, sales_manager, system_administrator):
    for user in (salesperson, sales_manager):
        with pytest.raises(PermissionDenied):
            exchange_rate_set(currency="EUR", rate=D("5"), actor=user)
        with pytest.raises(PermissionDenied):
            base_amounts_recalculate(actor=user)
    assert not ExchangeRate.objects.exists()
    assert system_administrator.has_perm("crm.change_exchangerate")
    assert not sales_manager.has_perm("crm.change_exchangerate")


def test_the_admin_edits_rates_for_system_administrators_only(client, system_administrator, sales_manager):
    sales_manager.is_staff = True
    sales_manager.save()
    client.force_login(sales_manager)
    assert client.get(reverse("admin:crm_exchangerate_changelist")).status_code == 403

    client.force_login(system_administrator)
    assert client.get(reverse("admin:crm_exchangerate_changelist")).status_code == 200
    response = client.post(reverse("admin:crm_exchangerate_add"), {"currency": "EUR", "rate": "5.0900"})
    assert response.status_code == 302, response.content
    rate = ExchangeRate.objects.get()
    assert (rate.rate, rate.modified_by) == (D("5.09"), system_administrator)
    refused = client.post(reverse("admin:crm_exchangerate_add"), {"currency": "USD", "rate": "0"})
    assert refused.status_code == 200 and not ExchangeRate.objects.filter(currency="USD").exists()


def test_the_admin_action_recalculates_the_selected_currencies(client, system_administrator, salesperson, account):
    exchange_rate_set(currency="EUR", rate=D("5"), actor=system_administrator)
    opportunity = opportunity_create(
        actor=salesperson, topic="Flotă", account=account, estimated_revenue=D("100"), currency="EUR"
    )
    rate = exchange_rate_set(currency="EUR", rate=D("5.2"), actor=system_administrator)
    client.force_login(system_administrator)
    response = client.post(
        reverse("admin:crm_exchangerate_changelist"),
        {"action": "recalculate_base_amounts", "_selected_action": [rate.pk]},
        follow=True,
    )
    assert "Base amounts recalculated at the current rates: opportunities: 1, invoices: 0." in response.text
    opportunity.refresh_from_db()
    assert (opportunity.exchange_rate, opportunity.estimated_revenue_base) == (D("5.2"), D("520.00"))


def test_to_base_rounds_to_the_cent():
    assert to_base(D("10.01"), D("0.0125")) == D("0.13")
    assert to_base(None, D("5")) is None and to_base(D("1"), None) is None


# Opportunities store their estimated revenue in base


def test_an_opportunity_is_stored_in_base_when_created(salesperson, account, eur):
    in_eur = opportunity_create(
        actor=salesperson, topic="A", account=account, estimated_revenue=D("100.10"), currency="EUR"
    )
    assert (in_eur.exchange_rate, in_eur.estimated_revenue_base) == (D("5"), D("500.50"))
    in_ron = opportunity_create(actor=salesperson, topic="B", account=account, estimated_revenue=D("7"))
    assert (in_ron.exchange_rate, in_ron.estimated_revenue_base) == (D("1"), D("7"))
    stored = Opportunity.objects.get(pk=in_eur.pk)
    assert (stored.exchange_rate, stored.estimated_revenue_base) == (D("5"), D("500.50"))


def test_changing_the_amount_or_the_currency_converts_again(salesperson, account, eur, system_administrator):
    exchange_rate_set(currency="USD", rate=D("4.5"), actor=system_administrator)
    opportunity = opportunity_create(
        actor=salesperson, topic="A", account=account, estimated_revenue=D("100"), currency="EUR"
    )
    opportunity_update(opportunity=opportunity, actor=salesperson, estimated_revenue=D("200"))
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.exchange_rate, stored.estimated_revenue_base) == (D("5"), D("1000.00"))

    opportunity_update(opportunity=stored, actor=salesperson, currency="USD")
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.exchange_rate, stored.estimated_revenue_base) == (D("4.5"), D("900.00"))

    # A new rate applies to what changes from now on; an edit of other fields keeps the stored rate.
    exchange_rate_set(currency="USD", rate=D("4"), actor=system_administrator)
    opportunity_update(opportunity=stored, actor=salesperson, topic="Renamed", estimated_revenue=D("200"))
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.topic, stored.exchange_rate, stored.estimated_revenue_base) == ("Renamed", D("4.5"), D("900.00"))


def test_a_currency_without_a_rate_has_no_amount_in_base(salesperson, account, eur):
    opportunity = opportunity_create(
        actor=salesperson, topic="A", account=account, estimated_revenue=D("100"), currency="HUF"
    )
    assert (opportunity.exchange_rate, opportunity.estimated_revenue_base) == (None, None)
    opportunity_update(opportunity=opportunity, actor=salesperson, currency="EUR")
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert stored.estimated_revenue_base == D("500.00")
    # No estimated revenue: the rate is known, the amount in base is empty.
    opportunity_update(opportunity=stored, actor=salesperson, estimated_revenue=None)
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.exchange_rate, stored.estimated_revenue_base) == (D("5"), None)


def test_closing_keeps_the_day_s_rate_and_recalculating_leaves_it(salesperson, account, eur, system_administrator):
    won = opportunity_create(
        actor=salesperson, topic="Won", account=account, estimated_revenue=D("100"), currency="EUR"
    )
    still_open = opportunity_create(
        actor=salesperson, topic="Open", account=account, estimated_revenue=D("10"), currency="EUR"
    )
    exchange_rate_set(currency="EUR", rate=D("5.5"), actor=system_administrator)
    opportunity_close_as_won(opportunity=won, actual_revenue=D("100"), actor=salesperson)
    assert Opportunity.objects.get(pk=won.pk).exchange_rate == D("5.5")  # the rate of the day it was won
    assert Opportunity.objects.get(pk=still_open.pk).exchange_rate == D("5")  # not rewritten by the new rate

    exchange_rate_set(currency="EUR", rate=D("6"), actor=system_administrator)
    changed = base_amounts_recalculate(actor=system_administrator)
    assert changed[Opportunity] == 1
    assert Opportunity.objects.get(pk=still_open.pk).estimated_revenue_base == D("60.00")
    assert Opportunity.objects.get(pk=won.pk).estimated_revenue_base == D("550.00")

    opportunity_reopen(opportunity=won, actor=salesperson)
    assert Opportunity.objects.get(pk=won.pk).estimated_revenue_base == D("600.00")


def test_recalculating_fills_records_stored_without_a_rate(salesperson, account, system_administrator):
    opportunity = opportunity_create(
        actor=salesperson, topic="A", account=account, estimated_revenue=D("100"), currency="HUF"
    )
    invoice = invoice_create(actor=salesperson, name="F", account=account, currency="HUF", lines=_line("1000"))
    invoice_mark_paid(invoice=invoice, actor=salesperson)
    exchange_rate_set(currency="HUF", rate=D("0.0125"), actor=system_administrator)
    assert Opportunity.objects.get(pk=opportunity.pk).estimated_revenue_base is None  # not silently

    changed = base_amounts_recalculate(actor=system_administrator, currencies=["HUF"])
    assert changed == {Opportunity: 1, Invoice: 1}
    assert Opportunity.objects.get(pk=opportunity.pk).estimated_revenue_base == D("1.25")
    assert Invoice.objects.get(pk=invoice.pk).total_amount_base == D("12.50")  # paid, but it had no rate
    assert base_amounts_recalculate(actor=system_administrator) == {Opportunity: 0, Invoice: 0}
    with pytest.raises(ValidationError):
        base_amounts_recalculate(actor=system_administrator, currencies=["JPY"])


def test_the_command_recalculates(salesperson, account, eur, system_administrator, capsys):
    opportunity = opportunity_create(
        actor=salesperson, topic="A", account=account, estimated_revenue=D("100"), currency="EUR"
    )
    exchange_rate_set(currency="EUR", rate=D("4"), actor=system_administrator)
    call_command("recalculate_base_amounts", "eur", user=system_administrator.username)
    assert "opportunities: 1 recalculated" in capsys.readouterr().out
    assert Opportunity.objects.get(pk=opportunity.pk).estimated_revenue_base == D("400.00")


# Invoices store their total amount in base


def test_an_invoice_is_stored_in_base_and_follows_its_lines_and_currency(
    salesperson, account, eur, system_administrator
):
    invoice = invoice_create(actor=salesperson, name="F", account=account, currency="EUR", lines=_line("100"))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.total_amount, stored.exchange_rate, stored.total_amount_base) == (D("100"), D("5"), D("500"))

    invoice_update(invoice=invoice, actor=salesperson, lines=_line("300"))  # the lines change the total
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.total_amount_base == D("1500.00")

    invoice_update(invoice=stored, actor=salesperson, currency="GBP")  # no GBP rate
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.exchange_rate, stored.total_amount_base) == (None, None)

    invoice_update(invoice=stored, actor=salesperson, currency="RON")
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.exchange_rate, stored.total_amount_base) == (D("1"), D("300.00"))


def test_paid_and_canceled_invoices_keep_the_day_s_rate(salesperson, account, eur, system_administrator):
    paid = invoice_create(actor=salesperson, name="P", account=account, currency="EUR", lines=_line("10"))
    canceled = invoice_create(actor=salesperson, name="C", account=account, currency="EUR", lines=_line("10"))
    invoice_create(actor=salesperson, name="A", account=account, currency="EUR", lines=_line("10"))
    exchange_rate_set(currency="EUR", rate=D("5.1"), actor=system_administrator)
    invoice_mark_paid(invoice=paid, actor=salesperson)
    invoice_cancel(invoice=canceled, actor=salesperson)
    exchange_rate_set(currency="EUR", rate=D("7"), actor=system_administrator)
    assert base_amounts_recalculate(actor=system_administrator)[Invoice] == 1
    bases = dict(Invoice.objects.values_list("name", "total_amount_base"))
    assert bases == {"P": D("51.00"), "C": D("51.00"), "A": D("70.00")}


# The migrations' fill of existing rows


@pytest.mark.parametrize(
    ("module", "model", "amount", "base"),
    [
        (
            "opportunities.migrations.0004_fill_base_amounts",
            Opportunity,
            "estimated_revenue",
            "estimated_revenue_base",
        ),
        ("invoices.migrations.0006_fill_base_amounts", Invoice, "total_amount", "total_amount_base"),
    ],
)
def test_the_migration_fills_existing_rows_from_the_rates(salesperson, module, model, amount, base):
    ExchangeRate.objects.create(currency="EUR", rate=D("4.9"))
    factory = OpportunityFactory if model is Opportunity else InvoiceFactory
    # An invoice's total adds up from its subtotal (a database constraint).
    amounts = {amount: D("10.05")} if model is Opportunity else {"subtotal": D("10.05"), amount: D("10.05")}
    rows = {currency: factory(owner=salesperson, currency=currency, **amounts) for currency in ("RON", "EUR", "HUF")}
    assert model.objects.filter(**{f"{base}__isnull": False}).count() == 0  # written past the services

    importlib.import_module(module).fill_base_amounts(apps, None)

    stored = {row.currency: (row.exchange_rate, getattr(row, base)) for row in model.objects.all()}
    assert stored == {
        "RON": (D("1"), D("10.05")),
        "EUR": (D("4.9"), D("49.25")),  # 49.245 rounded half up
        "HUF": (None, None),  # no rate: left for the dashboard to name
    }
    assert set(rows) == set(stored)


# The demo data and seed_scale give every currency they use a rate, and store the amounts in base


def _all_in_base():
    for model, amount, base in (
        (Opportunity, "estimated_revenue", "estimated_revenue_base"),
        (Invoice, "total_amount", "total_amount_base"),
    ):
        assert model.objects.exists()
        assert not model.objects.filter(exchange_rate__isnull=True).exists()
        for row in model.objects.exclude(**{f"{amount}__isnull": True}):
            assert getattr(row, base) == to_base(getattr(row, amount), row.exchange_rate), row


def test_the_demo_data_has_a_rate_for_every_currency_it_uses():
    from crm import demo

    demo.load_demo()
    rates = current_rates()
    used = set(Opportunity.objects.values_list("currency", flat=True)) | set(
        Invoice.objects.values_list("currency", flat=True)
    )
    assert len(used) > 5 and used <= rates.keys()
    assert rates["EUR"] == D("5.09") and rates["HUF"] == D("0.0131")
    _all_in_base()


def test_seed_scale_has_a_rate_for_every_currency_it_uses(salesperson):
    call_command("seed_scale", no_progress=True, accounts=20, large=0, defer_indexes="no")
    assert {"EUR", "USD"} <= current_rates().keys()
    _all_in_base()


def test_the_backfill_goes_batch_by_batch_over_every_row(salesperson):
    from crm.migration_operations import backfill_base_amounts

    rows = [OpportunityFactory(owner=salesperson, currency="RON", estimated_revenue=D(n)) for n in range(1, 8)]
    Opportunity.objects.update(estimated_revenue_base=None, exchange_rate=None)
    # Batches of 3 ids over 7 rows: the last batch is partial, and no row is left out.
    backfill_base_amounts(
        apps,
        "opportunities.Opportunity",
        amount_field="estimated_revenue",
        base_field="estimated_revenue_base",
        batch_rows=3,
    )
    assert sorted(Opportunity.objects.values_list("estimated_revenue_base", flat=True)) == [D(n) for n in range(1, 8)]
    assert len(rows) == 7
