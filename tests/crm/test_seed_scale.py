"""seed_scale: many valid rows fast, every model rule and database constraint respected."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum

from accounts.models import Account
from contacts.models import Contact
from crm.activities.models import Activity
from invoices.models import STATUS_REASONS_BY_STATE as INVOICE_REASONS
from invoices.models import Invoice, InvoiceLine, compute_line
from opportunities.models import STATUS_REASONS_BY_STATE as OPPORTUNITY_REASONS
from opportunities.models import Opportunity


def seed(**options):
    call_command("seed_scale", no_progress=True, **options)


@pytest.mark.django_db
def test_rows_per_account_and_the_large_accounts(salesperson):
    seed(accounts=40, large=2, large_contacts=30, large_deals=12, large_activities=20, batch=15, defer_indexes="no")
    assert Account.objects.count() == 40
    assert Contact.objects.count() == 38 * 3 + 2 * 30 + 2
    assert Contact.objects.filter(account=None).count() == 2
    assert Opportunity.objects.count() == Invoice.objects.count() == 38 + 2 * 12
    assert InvoiceLine.objects.count() == 3 * Invoice.objects.count()
    sizes = Account.objects.annotate(contact_count=Count("contacts")).order_by("-contact_count")
    assert [account.contact_count for account in sizes[:3]] == [30, 30, 3]
    assert set(Account.objects.values_list("owner", flat=True)) == {salesperson.pk}
    assert Activity.objects.count() == 38 * 5 + 2 * 20


@pytest.mark.django_db
def test_every_row_passes_the_model_rules(salesperson):
    seed(accounts=25, large=1, large_contacts=10, large_deals=5, defer_indexes="no")
    for model in (Account, Contact, Opportunity, Invoice, InvoiceLine, Activity):
        for record in model.objects.all():
            record.full_clean()
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert kinds == {"note", "task", "phone_call", "appointment", "email"}
    regarding = Activity.objects.aggregate(
        accounts=Count("pk", filter=Q(account__isnull=False)), contacts=Count("pk", filter=Q(contact__isnull=False)),
        opportunities=Count("pk", filter=Q(opportunity__isnull=False)),
    )
    assert all(regarding.values()), regarding
    assert Activity.objects.filter(state="open", kind="task").exists()


@pytest.mark.django_db
def test_the_timeline_of_a_large_account_rolls_up_its_seeded_activities(salesperson):
    from crm.activities.selectors import record_timeline

    seed(accounts=3, large=1, large_contacts=5, large_deals=3, large_activities=50, activities=0,
         defer_indexes="no")
    large = Account.objects.annotate(count=Count("contacts")).order_by("-count").first()
    entries, following = record_timeline(user=salesperson, record=large, size=100)
    assert len([entry for entry in entries if entry.source == "activity"]) == 50 and following is None
    # Primary contacts are the account's own contacts.
    assert not Account.objects.exclude(primary_contact=None).exclude(primary_contact__account=F("pk")).exists()
    assert Account.objects.exclude(primary_contact=None).exists()
    # Status reasons fit the state, closed opportunities have a close date, won ones a revenue.
    for state, reasons in OPPORTUNITY_REASONS.items():
        assert not Opportunity.objects.filter(state=state).exclude(status_reason__in=reasons).exists()
    assert not Opportunity.objects.exclude(state="open").filter(actual_close_date=None).exists()
    assert not Opportunity.objects.filter(state="won", actual_revenue=None).exists()
    for state, reasons in INVOICE_REASONS.items():
        assert not Invoice.objects.filter(state=state).exclude(status_reason__in=reasons).exists()
    assert not Invoice.objects.filter(state="paid", paid_date=None).exists()
    assert not Invoice.objects.filter(due_date__lt=F("invoice_date")).exists()
    assert Invoice.objects.values("invoice_number").distinct().count() == Invoice.objects.count()


@pytest.mark.django_db
def test_invoice_totals_add_up_from_their_lines(salesperson):
    seed(accounts=20, large=0)
    for line in InvoiceLine.objects.all():
        assert (line.base_amount, line.tax_amount, line.line_total) == compute_line(
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, tax_rate=line.tax_rate
        )
        assert line.discount <= line.quantity * line.unit_price
    sums = Invoice.objects.annotate(
        lines_base=Sum("lines__base_amount"), lines_discount=Sum("lines__discount"), lines_tax=Sum("lines__tax_amount")
    )
    for invoice in sums:
        assert invoice.subtotal == invoice.lines_base
        assert invoice.discount_total == invoice.lines_discount
        assert invoice.tax_total == invoice.lines_tax
        assert invoice.total_amount == invoice.subtotal - invoice.discount_total + invoice.tax_total > Decimal(0)


@pytest.mark.django_db
def test_seeding_twice_adds_more_rows_with_fresh_numbers(salesperson):
    seed(accounts=10, large=0)
    seed(accounts=10, large=0, seed=7)
    assert Account.objects.count() == 20
    assert Account.objects.values("account_number").distinct().count() == 20


@pytest.mark.django_db
def test_owners_are_made_when_no_salesperson_exists():
    seed(accounts=5, large=0)
    owners = {account.owner for account in Account.objects.select_related("owner")}
    assert owners and all(owner.username.startswith("scale.seller") for owner in owners)
    assert not any(owner.has_usable_password() for owner in owners)


@pytest.mark.django_db
def test_deferred_indexes_are_built_again(salesperson):
    if connection.vendor != "postgresql":
        pytest.skip("index deferral is for PostgreSQL's COPY path")

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('accounts_account', 'contacts_contact', 'opportunities_opportunity', 'invoices_invoice',"
                " 'invoices_invoiceline', 'activities_activity')"
            )
            return set(cursor.fetchall())

    before = indexes()
    assert any(name == "account_name_trgm" for name, _ in before)
    seed(accounts=10, large=0, defer_indexes="yes")
    assert indexes() == before
    assert Account.objects.count() == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"accounts": 0}, "--accounts must be at least 1"),
        ({"accounts": 5, "large": 6}, "--large must be between 0 and --accounts (5), not 6"),
        ({"accounts": 5, "batch": 0}, "--batch and --large-contacts must be at least 1"),
        ({"accounts": 5, "activities": -1}, "--activities and --large-activities must be at least 0"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        seed(**options)
    assert not Account.objects.exists()
