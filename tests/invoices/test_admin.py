"""The invoice admin writes through the invoice services: totals, numbering, state rules, deletes."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.models import Invoice, InvoiceState
from invoices.services import invoice_create, invoice_mark_paid
from tests.factories import AccountFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

LINE_PREFIX = "lines"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def invoice_form(*, account, owner, lines, **overrides):
    data = {
        "invoice_number": "",
        "name": "Servicii de consultanță",
        "account": account.pk,
        "contact": "",
        "opportunity": "",
        "owner": owner.pk,
        "description": "",
        "invoice_date": "2026-11-02",
        "due_date": "2026-12-02",
        "status_reason": "new",
        "currency": "RON",
        f"{LINE_PREFIX}-TOTAL_FORMS": str(len(lines)),
        f"{LINE_PREFIX}-INITIAL_FORMS": "0",
        f"{LINE_PREFIX}-MIN_NUM_FORMS": "0",
        f"{LINE_PREFIX}-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"{LINE_PREFIX}-{index}-{name}"] = value
    data.update(overrides)
    return data


@pytest.fixture
def staff_salesperson(db):
    return SalespersonFactory(username="ana.staff", is_staff=True)


def test_admin_pages_load(client, administrator):
    invoice = invoice_create(
        actor=administrator, name="Licențe", account=AccountFactory(),
        lines=[{"description": "Licență", "quantity": 1, "unit_price": 100}],
    )
    client.force_login(administrator)
    for url in (
        reverse("admin:invoices_invoice_changelist"),
        reverse("admin:invoices_invoice_changelist") + "?q=Licențe&state__exact=active",
        reverse("admin:invoices_invoice_add"),
        reverse("admin:invoices_invoice_change", args=[invoice.pk]),
        reverse("admin:invoices_invoice_delete", args=[invoice.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_an_invoice_added_in_the_admin_gets_its_number_and_totals_from_the_service(client, administrator):
    account = AccountFactory(name="Oțelăria Reșița SA")
    client.force_login(administrator)
    lines = [
        # 3 x 33.33 = 99.99, less 10.00 = 89.99, tax 19% = 17.0981 -> 17.10
        {"description": "Consultanță", "quantity": "3", "unit_price": "33.33", "discount": "10.00", "tax_rate": "19"},
        # 0.5 x 0.05 = 0.025 -> 0.03, tax 9% of 0.03 = 0.0027 -> 0.00
        {"description": "Timbru", "quantity": "0.5", "unit_price": "0.05", "discount": "0", "tax_rate": "9"},
    ]
    response = client.post(
        reverse("admin:invoices_invoice_add"), invoice_form(account=account, owner=administrator, lines=lines)
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    invoice = Invoice.objects.get()
    assert invoice.invoice_number == f"FCT-{invoice.pk:05d}"
    assert invoice.subtotal == Decimal("100.02")
    assert invoice.discount_total == Decimal("10.00")
    assert invoice.tax_total == Decimal("17.10")
    assert invoice.total_amount == Decimal("107.12")
    assert invoice.created_by == administrator
    assert [line.position for line in invoice.lines.all()] == [1, 2]


def test_changing_lines_in_the_admin_recomputes_the_totals(client, administrator):
    invoice = invoice_create(
        actor=administrator, name="Abonament", account=AccountFactory(),
        lines=[{"description": "Abonament", "quantity": 1, "unit_price": 100, "tax_rate": 0}],
    )
    line = invoice.lines.get()
    client.force_login(administrator)
    data = invoice_form(
        account=invoice.account, owner=administrator,
        lines=[{"id": line.pk, "invoice": invoice.pk, "description": "Abonament", "quantity": "2",
                "unit_price": "100", "discount": "0", "tax_rate": "0"}],
        invoice_number=invoice.invoice_number, name="Abonament",
        **{f"{LINE_PREFIX}-INITIAL_FORMS": "1"},
    )
    response = client.post(reverse("admin:invoices_invoice_change", args=[invoice.pk]), data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.total_amount == Decimal("200.00")
    assert invoice.lines.count() == 1


def test_a_paid_invoice_cannot_be_changed_in_the_admin(client, administrator):
    invoice = invoice_create(
        actor=administrator, name="Plătită", account=AccountFactory(),
        lines=[{"description": "Serviciu", "quantity": 1, "unit_price": 100}],
    )
    invoice_mark_paid(invoice=invoice, actor=administrator)
    client.force_login(administrator)
    page = client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    assert "name" not in page.context["adminform"].form.fields  # shown read-only
    response = client.post(
        reverse("admin:invoices_invoice_change", args=[invoice.pk]),
        invoice_form(account=invoice.account, owner=administrator, lines=[], name="Changed"),
    )
    assert response.status_code == 302
    assert messages_of(response) == ["This invoice is Paid and can no longer be changed."]
    invoice.refresh_from_db()
    assert invoice.name == "Plătită"
    assert invoice.state == InvoiceState.PAID


def test_deleting_someone_elses_invoice_as_a_salesperson_is_refused(client, staff_salesperson):
    owner = SalespersonFactory(username="dan")
    invoice = invoice_create(actor=owner, name="A lui Dan", account=AccountFactory(), lines=[])
    client.force_login(staff_salesperson)
    response = client.post(reverse("admin:invoices_invoice_delete", args=[invoice.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert response.url == reverse("admin:invoices_invoice_change", args=[invoice.pk])
    assert messages_of(response) == ["You can delete only records you own."]
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_deleting_own_invoice_as_a_salesperson_goes_through(client, staff_salesperson):
    invoice = invoice_create(actor=staff_salesperson, name="A mea", account=AccountFactory(), lines=[])
    client.force_login(staff_salesperson)
    response = client.post(reverse("admin:invoices_invoice_delete", args=[invoice.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_bulk_delete_is_all_or_nothing(client, staff_salesperson):
    mine = invoice_create(actor=staff_salesperson, name="A mea", account=AccountFactory(), lines=[])
    theirs = invoice_create(actor=SalespersonFactory(), name="A lui", account=AccountFactory(), lines=[])
    client.force_login(staff_salesperson)
    response = client.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert messages_of(response) == [f"{theirs}: You can delete only records you own."]
    assert Invoice.objects.count() == 2


def test_mark_paid_and_cancel_actions_call_the_services(client, administrator):
    account = AccountFactory()
    active = invoice_create(actor=administrator, name="De plătit", account=account, lines=[])
    to_cancel = invoice_create(actor=administrator, name="De anulat", account=account, lines=[])
    client.force_login(administrator)
    changelist = reverse("admin:invoices_invoice_changelist")
    client.post(changelist, {"action": "mark_paid", "_selected_action": [active.pk]})
    client.post(changelist, {"action": "cancel", "_selected_action": [to_cancel.pk]})
    active.refresh_from_db()
    to_cancel.refresh_from_db()
    assert (active.state, active.status_reason, active.modified_by) == ("paid", "complete", administrator)
    assert active.paid_date is not None
    assert (to_cancel.state, to_cancel.status_reason) == ("canceled", "canceled")
    # Paying a canceled invoice is refused by the service; the message says why.
    response = client.post(changelist, {"action": "mark_paid", "_selected_action": [to_cancel.pk]})
    assert any("can no longer be changed" in message for message in messages_of(response))
    to_cancel.refresh_from_db()
    assert to_cancel.state == "canceled"


def changelist_queries(client, count):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:invoices_invoice_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(captured)


def test_changelist_runs_a_fixed_number_of_queries(client, administrator):
    client.force_login(administrator)
    owners = [SalespersonFactory() for _ in range(3)]
    invoice_create(actor=owners[0], name="Prima", account=AccountFactory(owner=owners[0]), lines=[])
    one = changelist_queries(client, 1)
    for number in range(49):
        owner = owners[number % 3]
        invoice_create(actor=owner, name=f"Factura {number}", account=AccountFactory(owner=owner), lines=[])
    fifty = changelist_queries(client, 50)
    # Session, user, owner filter's users, two counts (filtered and total), the page with its
    # customer and owner joined, and two for the date hierarchy: none per row.
    assert one == fifty == 8
