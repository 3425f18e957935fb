"""The invoice form and its line items: bad input gets errors beside the fields and nothing is written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.forms import InvoiceForm, line_formset
from invoices.models import Invoice, InvoiceLine
from tests.factories import AccountFactory, InvoiceFactory, OpportunityFactory
from tests.invoices.helpers import invoice_post_data, line

pytestmark = pytest.mark.django_db


def post_create(client, **kwargs):
    return client.post(reverse("invoices:create"), invoice_post_data(**kwargs))


def test_a_line_with_a_negative_quantity_leaves_no_invoice_and_no_lines(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = post_create(client, account=account.pk, lines=[line(), line(description="Suport", quantity="-2")])
    assert response.status_code == 200
    lines = response.context["lines"]
    assert lines.forms[0].errors == {}
    assert list(lines.forms[1].errors) == ["quantity"]
    assert 'id="id_lines-1-quantity_error"' in response.text
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"tax_rate": "120"}, "tax_rate"),
        ({"discount": "-5"}, "discount"),
        ({"description": ""}, "description"),
    ],
)
def test_each_bad_line_value_is_shown_beside_its_field_on_its_line(client, salesperson, bad, field):
    account = AccountFactory()
    client.force_login(salesperson)
    response = post_create(client, account=account.pk, lines=[line(**bad)])
    assert response.status_code == 200
    assert field in response.context["lines"].forms[0].errors
    assert f'id="id_lines-0-{field}_error"' in response.text
    assert not Invoice.objects.exists()


def test_a_discount_larger_than_the_line_is_refused_on_that_line(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = post_create(client, account=account.pk, lines=[line(quantity="2", unit_price="10", discount="25")])
    assert response.status_code == 200
    assert response.context["lines"].forms[0].errors["discount"] == ["The discount cannot exceed the line amount."]
    assert not Invoice.objects.exists()


def test_an_invoice_needs_at_least_one_line(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = post_create(client, account=account.pk, lines=[line(description="", unit_price="")])
    assert response.status_code == 200
    assert "Add at least one line item." in response.context["lines"].non_form_errors()
    assert "Add at least one line item." in response.text
    assert not Invoice.objects.exists()


def test_header_errors_are_shown_beside_their_fields(client, salesperson):
    client.force_login(salesperson)
    response = post_create(
        client, account=None, name="", invoice_date="2026-02-01", due_date="2026-01-01", currency="ZZZ",
        lines=[line()],
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"account", "name", "due_date", "currency"} <= set(errors)
    assert errors["due_date"] == ["The due date cannot be before the invoice date."]
    for field in ("account", "name", "due_date", "currency"):
        assert f'id="id_{field}_error"' in response.text
    assert not Invoice.objects.exists()


def test_a_taken_invoice_number_is_refused_beside_the_field(client, salesperson):
    InvoiceFactory(invoice_number="F-2026-7")
    account = AccountFactory()
    client.force_login(salesperson)
    response = post_create(client, account=account.pk, invoice_number="F-2026-7", lines=[line()])
    assert response.status_code == 200
    assert response.context["form"].errors["invoice_number"] == [
        "An invoice with this invoice number already exists."
    ]
    assert Invoice.objects.count() == 1


def test_add_line_offers_one_more_line_and_saves_nothing(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    data = invoice_post_data(account=account.pk, lines=[line(), line(description="Al doilea")])
    data["add_line"] = "1"
    response = client.post(reverse("invoices:create"), data)
    assert response.status_code == 200
    lines = response.context["lines"]
    assert len(lines.forms) == 3
    assert 'name="lines-2-description"' in response.text
    assert 'value="Al doilea"' in response.text
    assert not Invoice.objects.exists()


def test_removed_and_empty_lines_are_left_out():
    formset = line_formset(
        invoice_post_data(
            lines=[
                line(description="Kept"),
                line(description="Removed", DELETE="on"),
                line(description="", unit_price=""),
            ]
        )
    )
    assert formset.is_valid(), formset.errors
    assert [item["description"] for item in formset.cleaned_lines()] == ["Kept"]
    assert formset.cleaned_lines()[0]["unit_price"] == Decimal("100.00")


def test_an_unchanged_existing_line_is_kept_on_edit():
    initial = [{"description": "Existing", "quantity": Decimal("1"), "unit_price": Decimal("5.00"),
                "discount": Decimal("0.00"), "tax_rate": Decimal("19.00")}]
    data = invoice_post_data(lines=[line(description="Existing", unit_price="5.00")], initial_forms=1)
    formset = line_formset(data, initial=initial)
    assert formset.is_valid(), formset.errors
    assert [item["description"] for item in formset.cleaned_lines()] == ["Existing"]


def test_an_opportunity_alone_gives_the_invoice_its_customer():
    opportunity = OpportunityFactory()
    form = InvoiceForm(
        {"name": "Din oportunitate", "opportunity": opportunity.pk, "invoice_date": "2026-01-01",
         "currency": "RON", "status_reason": "new"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["account"] == opportunity.account


def test_the_invoice_number_may_be_left_empty_on_a_new_invoice_but_not_on_an_existing_one():
    account = AccountFactory()
    data = {"name": "X", "account": account.pk, "invoice_date": "2026-01-01", "currency": "RON",
            "status_reason": "new", "invoice_number": ""}
    assert InvoiceForm(data).is_valid()
    form = InvoiceForm(data, instance=InvoiceFactory())
    assert not form.is_valid()
    assert "invoice_number" in form.errors
