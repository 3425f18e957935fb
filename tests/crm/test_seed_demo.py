"""The demo loader: users per role, realistic mixed data through the services, idempotent."""

import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Account, RelationshipType
from contacts.models import Contact
from crm import roles
from crm.demo import DEMO_USERS
from invoices.models import Invoice, InvoiceLine, InvoiceState, compute_line
from invoices.services import invoice_create, invoice_number_for
from opportunities.models import STATUS_REASONS_BY_STATE, Opportunity, SalesStage

pytestmark = pytest.mark.django_db


def seed():
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), Account, Contact, Opportunity, Invoice, InvoiceLine)
    }


def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert Account.objects.count() == 0


def test_running_twice_creates_nothing_new():
    first_output = seed()
    first = counts()
    second_output = seed()
    assert counts() == first
    assert "created 0 accounts, 0 contacts, 0 opportunities, 0 invoices, 0 activities" in second_output
    assert "created 0 accounts" not in first_output


def test_a_changed_demo_password_is_put_back():
    seed()
    ana = get_user_model().objects.get(username="ana")
    ana.set_password("something-else-1")
    ana.save()
    seed()
    assert authenticate(username="ana", password="ana-demo-2026") is not None


def test_demo_users_one_per_role_with_the_printed_passwords():
    output = seed()
    for demo in DEMO_USERS:
        assert f"{demo.username}" in output and demo.password in output
        user = authenticate(username=demo.username, password=demo.password)
        assert user is not None, demo.username
        assert list(user.groups.values_list("name", flat=True)) == [demo.role]
    roles_held = Counter(user.role for user in DEMO_USERS)
    assert roles_held == {roles.SALESPERSON: 2, roles.SALES_MANAGER: 1, roles.SYSTEM_ADMINISTRATOR: 1}
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not get_user_model().objects.get(username="ana").is_staff

    # The data itself: realistic, mixed, covering every state the pages show.
    accounts = list(Account.objects.all())
    assert len(accounts) >= 40
    names = " ".join(account.name for account in accounts)
    for letter in "șțăîâ":
        assert letter in names.lower(), letter
    assert {a.country for a in accounts} > {"România", "Germany", "France"}
    assert {a.relationship_type for a in accounts} == set(RelationshipType.values)
    assert len({a.industry for a in accounts}) >= 10
    assert len({a.city for a in accounts}) >= 20
    assert sum(1 for a in accounts if a.parent_account_id) >= 3
    assert sum(1 for a in accounts if not a.account_number) >= 2
    assert {a.status for a in accounts} == {"active", "inactive"}
    with_primary = [a for a in accounts if a.primary_contact_id]
    assert len(with_primary) >= 30
    assert all(a.primary_contact.account_id == a.pk for a in with_primary)

    assert Contact.objects.count() >= 150
    assert Contact.objects.filter(account__isnull=True).count() >= 10
    assert Contact.objects.filter(account__isnull=False).count() >= 100

    opportunities = list(Opportunity.objects.all())
    assert {o.sales_stage for o in opportunities if o.is_open} == set(SalesStage.values)
    every_reason = {(state, reason) for state, reasons in STATUS_REASONS_BY_STATE.items() for reason in reasons}
    assert {(o.state, o.status_reason) for o in opportunities} == every_reason
    assert all(o.actual_close_date for o in opportunities if not o.is_open)
    assert any(o.account_id is None for o in opportunities)  # for a contact without an account

    invoices = list(Invoice.objects.prefetch_related("lines"))
    assert {(i.state, i.status_reason) for i in invoices} == {
        ("active", "new"), ("active", "billed"), ("paid", "complete"), ("paid", "partial"), ("canceled", "canceled")
    }
    assert sum(1 for i in invoices if i.is_overdue) >= 5
    assert sum(1 for i in invoices if i.state == InvoiceState.ACTIVE and not i.is_overdue) >= 5
    assert any(i.opportunity_id for i in invoices)
    for invoice in invoices:
        lines = list(invoice.lines.all())
        assert lines, invoice.invoice_number
        amounts = [compute_line(quantity=ln.quantity, unit_price=ln.unit_price, discount=ln.discount,
                                tax_rate=ln.tax_rate) for ln in lines]
        assert invoice.total_amount == sum(total for _base, _tax, total in amounts)
        assert invoice.total_amount > 0
    # One numbering scheme: the demo's numbers are the ones invoice_create generates, and a new invoice goes on.
    assert sorted(i.invoice_number for i in invoices) == [invoice_number_for(n) for n in range(1, len(invoices) + 1)]
    new = invoice_create(actor=get_user_model().objects.get(username="ana"), name="Nouă", account=accounts[0])
    # Numbered by its primary key: the next number on a fresh database (PostgreSQL's test sequences run on).
    assert new.invoice_number == f"FCT-{new.pk:05d}" and new.invoice_number > max(i.invoice_number for i in invoices)

    # Spread over the demo users as owners, and written by them through the services.
    for model in (Account, Contact, Opportunity, Invoice):
        owners = set(model.objects.values_list("owner__username", flat=True))
        assert {"ana", "dan", "maria"} <= owners, model.__name__
        assert not model.objects.filter(created_by__isnull=True).exists(), model.__name__


def test_the_demo_accounts_have_a_timeline():
    from crm.activities.models import Activity, ActivityState
    from crm.history.models import ChangeEvent, RecordType

    seed()
    with_activities = Account.objects.filter(activities__isnull=False).distinct()
    assert with_activities.count() == 8
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    assert kinds == {"note": 8, "task": 16, "email": 8, "appointment": 8}
    assert Activity.objects.filter(state=ActivityState.OPEN, due_at__isnull=False).count() == 24
    email = Activity.objects.filter(kind="email").first()
    assert email.parties.filter(role="to", contact__isnull=False).exists()
    assert ChangeEvent.objects.filter(record_type=RecordType.ACTIVITY).count() == Activity.objects.count()
    seed()
    assert Activity.objects.count() == 40
