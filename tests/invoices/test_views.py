"""The invoice pages: permissions for every role, lists, line items, paying and canceling, query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from invoices.models import Invoice, InvoiceLine, InvoiceState, InvoiceStatusReason
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    OpportunityFactory,
    UserFactory,
)
from tests.invoices.helpers import invoice_post_data, line

pytestmark = pytest.mark.django_db


def page_urls(invoice):
    """Every invoice page reached with GET."""
    return [
        reverse("invoices:list"),
        reverse("invoices:create"),
        reverse("invoices:detail", args=[invoice.pk]),
        reverse("invoices:edit", args=[invoice.pk]),
        reverse("invoices:delete", args=[invoice.pk]),
        reverse("invoices:reassign", args=[invoice.pk]),
    ]


def action_urls(invoice):
    """Every invoice action that changes the invoice (POST)."""
    return [reverse("invoices:mark_paid", args=[invoice.pk]), reverse("invoices:cancel", args=[invoice.pk])]


def make_invoice(actor, **fields):
    """An invoice created the way the pages create one, with its totals computed by the service."""
    fields.setdefault("account", AccountFactory())
    fields.setdefault("name", "Servicii cloud")
    lines = fields.pop(
        "lines",
        [{"description": "Găzduire", "quantity": Decimal("2"), "unit_price": Decimal("1500.00"),
          "discount": Decimal("100.00"), "tax_rate": Decimal("19")}],
    )
    return invoice_create(actor=actor, lines=lines, **fields)


# Permissions


def test_anonymous_visitor_is_sent_to_sign_in(client):
    invoice = InvoiceFactory()
    for url in page_urls(invoice) + action_urls(invoice):
        response = client.post(url) if url in action_urls(invoice) else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url


def test_user_without_a_security_role_gets_403_everywhere(client):
    invoice = InvoiceFactory()
    client.force_login(UserFactory())
    for url in page_urls(invoice):
        assert client.get(url).status_code == 403, url
    for url in action_urls(invoice):
        assert client.post(url, {"paid_date": "2026-01-01"}).status_code == 403, url
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE


def test_user_who_may_only_read_cannot_add_change_pay_or_cancel(client):
    reader = UserFactory()
    reader.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    invoice = InvoiceFactory()
    client.force_login(reader)
    assert client.get(reverse("invoices:list")).status_code == 200
    assert client.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 200
    assert client.get(reverse("invoices:create")).status_code == 403
    assert client.get(reverse("invoices:edit", args=[invoice.pk])).status_code == 403
    for url in action_urls(invoice):
        assert client.post(url, {"paid_date": "2026-01-01"}).status_code == 403, url
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "administrator"])
def test_every_role_opens_every_page_of_its_own_invoice(client, request, role):
    user = request.getfixturevalue(role)
    invoice = make_invoice(user)
    client.force_login(user)
    for url in page_urls(invoice):
        assert client.get(url).status_code == 200, url


def test_salesperson_edits_but_cannot_delete_or_reassign_someone_elses(client, salesperson, other_salesperson):
    invoice = make_invoice(other_salesperson)
    client.force_login(salesperson)
    detail = client.get(reverse("invoices:detail", args=[invoice.pk]))
    assert reverse("invoices:edit", args=[invoice.pk]) in detail.text
    assert reverse("invoices:delete", args=[invoice.pk]) not in detail.text
    assert reverse("invoices:reassign", args=[invoice.pk]) not in detail.text
    assert client.get(reverse("invoices:edit", args=[invoice.pk])).status_code == 200
    assert client.get(reverse("invoices:delete", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("invoices:delete", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("invoices:reassign", args=[invoice.pk]), {"owner": salesperson.pk}).status_code == 403
    invoice.refresh_from_db()
    assert invoice.owner == other_salesperson


def test_salesperson_deletes_own_invoice_with_its_lines(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("invoices:delete", args=[invoice.pk]))
    assert response.status_code == 302
    assert response.url == reverse("invoices:list")
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


@pytest.mark.parametrize("role", ["sales_manager", "administrator"])
def test_manager_and_administrator_delete_anyones_invoice(client, request, role, other_salesperson):
    invoice = make_invoice(other_salesperson)
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("invoices:delete", args=[invoice.pk])).status_code == 302
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_salesperson_reassigns_own_invoice(client, salesperson, other_salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("invoices:reassign", args=[invoice.pk]), {"owner": other_salesperson.pk})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.owner == other_salesperson


def test_manager_reassigns_anyones_invoice(client, sales_manager, salesperson, other_salesperson):
    invoice = make_invoice(other_salesperson)
    client.force_login(sales_manager)
    assert client.post(reverse("invoices:reassign", args=[invoice.pk]), {"owner": salesperson.pk}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.owner == salesperson


def test_mark_paid_refuses_get(client, salesperson):
    invoice = InvoiceFactory()
    client.force_login(salesperson)
    assert client.get(reverse("invoices:mark_paid", args=[invoice.pk])).status_code == 405


def test_cancel_without_javascript_asks_first(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    url = reverse("invoices:cancel", args=[invoice.pk])
    html = client.get(url).text
    assert f"Cancel invoice {invoice.invoice_number}?" in html
    assert f'name="version" value="{invoice.version}"' in html
    assert f'href="{invoice.get_absolute_url()}">Back</a>' in html
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE
    client.post(url, {"version": invoice.version + 1})  # changed meanwhile: refused
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE
    client.post(url, {"version": invoice.version})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.CANCELED
    assert client.get(url).status_code == 302  # nothing left to confirm


def test_the_invoice_page_confirms_cancel_and_delete_in_dialogs(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    html = client.get(invoice.get_absolute_url()).text
    cancel, delete = reverse("invoices:cancel", args=[invoice.pk]), reverse("invoices:delete", args=[invoice.pk])
    assert f'href="{cancel}" data-confirm="confirm-cancel"' in html
    assert f'href="{delete}" data-confirm="confirm-delete"' in html
    assert html.count('class="confirm-dialog"') == 2
    assert f'<form method="post" action="{cancel}">' in html


# The list


def test_list_shows_the_columns_with_localized_amounts_and_overdue_marked(client, salesperson):
    account = AccountFactory(name="Electrica Furnizare SA")
    overdue = make_invoice(
        salesperson, account=account, invoice_number="F-100", name="Energie ianuarie",
        invoice_date=datetime.date(2025, 1, 10), due_date=datetime.date(2025, 2, 10),
        lines=[{"description": "kWh", "quantity": Decimal("1000"), "unit_price": Decimal("1234.50"),
                "discount": Decimal("0"), "tax_rate": Decimal("0")}],
    )
    today = timezone.localdate()
    make_invoice(salesperson, account=account, invoice_number="F-101", invoice_date=today,
                 due_date=today + datetime.timedelta(days=30))
    client.force_login(salesperson)
    response = client.get(reverse("invoices:list"))
    text = response.text
    for header in ("Invoice number", "Name", "Customer", "Invoice date", "Due date", "Total amount", "Status",
                   "Owner"):
        assert re.search(rf">\s*{header}\s*<", text), header  # sortable or not
    assert f'<a href="{overdue.get_absolute_url()}">F-100</a>' in text
    assert "Energie ianuarie" in text
    assert f'href="{account.get_absolute_url()}">Electrica Furnizare SA</a>' in text
    assert "1,234,500.00 RON" in text
    assert "10 Jan 2025" in text and "10 Feb 2025" in text
    assert text.count('class="badge overdue"') == 1


def test_list_filters_mine_status_overdue_and_search(client, salesperson, other_salesperson):
    today = timezone.localdate()
    late = make_invoice(salesperson, invoice_number="LATE", invoice_date=today - datetime.timedelta(days=60),
                        due_date=today - datetime.timedelta(days=30))
    paid = make_invoice(salesperson, invoice_number="PAID")
    invoice_mark_paid(invoice=paid, actor=salesperson)
    make_invoice(other_salesperson, invoice_number="THEIRS", name="Altceva")
    client.force_login(salesperson)
    url = reverse("invoices:list")

    def numbers(**params):
        return {row.record.invoice_number for row in client.get(url, params).context["table"].rows}

    assert numbers() == {"LATE", "PAID", "THEIRS"}
    assert numbers(scope="mine") == {"LATE", "PAID"}
    assert numbers(state="paid") == {"PAID"}
    assert numbers(overdue="true") == {late.invoice_number}
    assert numbers(overdue="false") == {"PAID", "THEIRS"}
    assert numbers(q="altceva") == {"THEIRS"}


def test_list_sorts_by_total_amount(client, salesperson):
    for amount in ("300", "100", "200"):
        make_invoice(salesperson, invoice_number=f"N{amount}", lines=[line(unit_price=amount, tax_rate="0")])
    client.force_login(salesperson)
    rows = client.get(reverse("invoices:list"), {"sort": "-total_amount"}).context["table"].rows
    assert [row.record.invoice_number for row in rows] == ["N300", "N200", "N100"]


def test_list_narrowed_to_an_account_or_a_contact_says_so(client, salesperson):
    account = AccountFactory(name="Romgaz SA")
    contact = ContactFactory(first_name="Elena", last_name="Dumitrescu")
    make_invoice(salesperson, account=account, invoice_number="ACC")
    make_invoice(salesperson, account=None, contact=contact, invoice_number="CON")
    client.force_login(salesperson)
    response = client.get(reverse("invoices:list"), {"account": account.pk})
    assert [row.record.invoice_number for row in response.context["table"].rows] == ["ACC"]
    assert "Invoices of the account" in response.text and "Romgaz SA" in response.text
    assert f'{reverse("invoices:create")}?account={account.pk}' in response.text
    response = client.get(reverse("invoices:list"), {"contact": contact.pk})
    assert [row.record.invoice_number for row in response.context["table"].rows] == ["CON"]
    assert "Invoices of the contact" in response.text and "Elena Dumitrescu" in response.text


def test_list_answers_htmx_with_the_results_only(client, salesperson):
    make_invoice(salesperson, invoice_number="HX-1")
    client.force_login(salesperson)
    response = client.get(reverse("invoices:list"), headers={"HX-Request": "true"})
    assert "HX-1" in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("narrowed", [False, True])
def test_list_runs_the_same_number_of_queries_for_1_and_50_rows(
    client, salesperson, django_assert_max_num_queries, narrowed
):
    account = AccountFactory()
    opportunity = OpportunityFactory(account=account)
    client.force_login(salesperson)
    counts = []
    for total in (1, 50):
        Invoice.objects.all().delete()
        for _ in range(total):
            InvoiceFactory(account=account, contact=ContactFactory(account=account), opportunity=opportunity,
                           owner=salesperson)
        # 1-2 session and user, 3-4 permissions, 5 the user's saved views of the list, 6 count, 7 the page of rows
        # with their customer and owner, and when narrowed, 8 the account it is narrowed to.
        with django_assert_max_num_queries(7 + narrowed) as captured:
            response = client.get(reverse("invoices:list"), {"account": account.pk} if narrowed else {})
        assert response.status_code == 200
        assert len(response.context["table"].page.object_list) == min(total, 25)
        counts.append(len(captured))
    assert counts[0] == counts[1]


# Create and edit


def test_create_opens_prefilled_from_an_opportunity(client, salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    opportunity = OpportunityFactory(topic="Echipamente", account=account, contact=contact, currency="EUR")
    client.force_login(salesperson)
    response = client.get(reverse("invoices:create"), {"opportunity": opportunity.pk})
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "opportunity": opportunity.pk, "account": account.pk, "contact": contact.pk, "name": "Echipamente",
        "currency": "EUR",
    }
    assert f'name="next" value="{opportunity.get_absolute_url()}"' in response.text


def test_create_opens_prefilled_from_an_account_and_from_a_contact(client, salesperson):
    account = AccountFactory(currency="EUR")
    contact = ContactFactory(account=account)
    client.force_login(salesperson)
    response = client.get(reverse("invoices:create"), {"account": account.pk})
    assert response.context["form"].initial == {"account": account.pk, "currency": "EUR"}
    assert f'name="account" id="id_account_value" value="{account.pk}"' in response.text
    assert escape(account.name) in response.text
    response = client.get(reverse("invoices:create"), {"contact": contact.pk})
    assert response.context["form"].initial == {"contact": contact.pk, "account": account.pk}


def test_create_ignores_a_customer_the_url_names_that_does_not_exist(client, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("invoices:create"), {"account": "999999", "next": "https://evil.example.com/"})
    assert response.status_code == 200
    assert response.context["form"].initial == {}
    assert response.context["next"] == ""


def test_create_with_lines_stores_the_totals_computed_by_the_service(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("invoices:create"),
        invoice_post_data(
            account=account.pk,
            lines=[
                line(description="Licențe", quantity="3", unit_price="1000.00", discount="150.00", tax_rate="19"),
                line(description="Instruire", quantity="1.5", unit_price="400.00", discount="0", tax_rate="9"),
                line(description="", quantity="1", unit_price="", discount="0.00", tax_rate="21.00"),
            ],
        ),
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == invoice.get_absolute_url()
    assert invoice.invoice_number == f"FCT-{invoice.pk:05d}"
    assert [(item.position, item.description) for item in invoice.lines.order_by("position")] == [
        (1, "Licențe"), (2, "Instruire"),
    ]
    # 3000 - 150 = 2850, tax 541.50; 600, tax 54.00.
    assert invoice.subtotal == Decimal("3600.00")
    assert invoice.discount_total == Decimal("150.00")
    assert invoice.tax_total == Decimal("595.50")
    assert invoice.total_amount == Decimal("4045.50")
    assert invoice.owner == salesperson


def test_create_from_an_opportunity_returns_to_it_and_bills_its_customer(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    form_page = client.get(reverse("invoices:create"), {"opportunity": opportunity.pk})
    response = client.post(
        reverse("invoices:create"),
        invoice_post_data(opportunity=opportunity.pk, next=form_page.context["next"], lines=[line()]),
    )
    assert response.status_code == 302
    assert response.url == opportunity.get_absolute_url()
    invoice = Invoice.objects.get()
    assert (invoice.opportunity, invoice.account) == (opportunity, opportunity.account)


def test_create_ignores_a_next_address_off_this_site(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("invoices:create"),
        invoice_post_data(account=account.pk, next="https://evil.example.com/", lines=[line()]),
    )
    assert response.status_code == 302
    assert response.url == Invoice.objects.get().get_absolute_url()


def test_edit_replaces_the_lines_and_recomputes_the_totals(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    form_page = client.get(reverse("invoices:edit", args=[invoice.pk]))
    assert form_page.context["lines"].initial[0]["description"] == "Găzduire"
    response = client.post(
        reverse("invoices:edit", args=[invoice.pk]),
        invoice_post_data(
            invoice_number=invoice.invoice_number,
            account=invoice.account_id,
            version=invoice.version,
            name="Servicii cloud (rev.)",
            initial_forms=1,
            lines=[
                line(description="Găzduire", quantity="2", unit_price="1500.00", discount="100.00", DELETE="on"),
                line(description="Mentenanță", quantity="1", unit_price="200.00", discount="0", tax_rate="19"),
            ],
        ),
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.name == "Servicii cloud (rev.)"
    assert list(invoice.lines.values_list("description", flat=True)) == ["Mentenanță"]
    assert invoice.total_amount == Decimal("238.00")


def test_edit_with_a_bad_line_changes_nothing(client, salesperson):
    invoice = make_invoice(salesperson)
    before = (invoice.total_amount, list(invoice.lines.values_list("pk", flat=True)))
    client.force_login(salesperson)
    response = client.post(
        reverse("invoices:edit", args=[invoice.pk]),
        invoice_post_data(
            invoice_number=invoice.invoice_number, account=invoice.account_id, name="Changed", initial_forms=1,
            version=invoice.version, lines=[line(quantity="-1")],
        ),
    )
    assert response.status_code == 200
    assert "quantity" in response.context["lines"].forms[0].errors
    invoice.refresh_from_db()
    assert invoice.name == "Servicii cloud"
    assert (invoice.total_amount, list(invoice.lines.values_list("pk", flat=True))) == before


@pytest.mark.parametrize("close", ["paid", "canceled"])
def test_a_paid_or_canceled_invoice_cannot_be_edited(client, salesperson, close):
    invoice = make_invoice(salesperson)
    if close == "paid":
        invoice_mark_paid(invoice=invoice, actor=salesperson)
    else:
        invoice_cancel(invoice=invoice, actor=salesperson)
    client.force_login(salesperson)
    url = reverse("invoices:edit", args=[invoice.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    state = "Paid" if close == "paid" else "Canceled"
    assert f"This invoice is {state} and can no longer be changed." in response.text
    response = client.post(
        url, invoice_post_data(invoice_number=invoice.invoice_number, account=invoice.account_id, name="Changed",
                               lines=[line()])
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.name == "Servicii cloud"
    detail = client.get(invoice.get_absolute_url())
    assert reverse("invoices:edit", args=[invoice.pk]) not in detail.text
    assert reverse("invoices:mark_paid", args=[invoice.pk]) not in detail.text


# Detail, pay, cancel


def test_detail_shows_customer_opportunity_lines_and_totals(client, salesperson):
    account = AccountFactory(name="Orange România SA")
    opportunity = OpportunityFactory(topic="Rețea 5G", account=account)
    invoice = make_invoice(
        salesperson, account=account, opportunity=opportunity,
        lines=[
            {"description": "Echipamente", "quantity": Decimal("4"), "unit_price": Decimal("2500.00"),
             "discount": Decimal("500.00"), "tax_rate": Decimal("19")},
            {"description": "Instalare", "quantity": Decimal("1"), "unit_price": Decimal("1200.00"),
             "discount": Decimal("0"), "tax_rate": Decimal("19")},
        ],
    )
    client.force_login(salesperson)
    text = client.get(reverse("invoices:detail", args=[invoice.pk])).text
    assert f'<a href="{account.get_absolute_url()}">Orange România SA</a>' in text
    assert f'<a href="{opportunity.get_absolute_url()}">Rețea 5G</a>' in text
    assert "Echipamente" in text and "Instalare" in text
    assert "10,000.00" in text  # the first line's amount
    assert "11,200.00 RON" in text  # subtotal
    assert "500.00 RON" in text  # discount
    assert "2,033.00 RON" in text  # tax
    assert "12,733.00 RON" in text  # total amount
    assert "Mark as paid" in text and "Cancel invoice" in text


def test_detail_runs_the_same_number_of_queries_for_1_and_50_lines(
    client, salesperson, django_assert_max_num_queries
):
    client.force_login(salesperson)
    counts = []
    for total in (1, 50):
        invoice = InvoiceFactory(opportunity=OpportunityFactory(), contact=ContactFactory())
        InvoiceLineFactory.create_batch(total, invoice=invoice)
        # 1-2 session and user, 3-4 permissions, 5 the invoice with customer, opportunity and people, 6 its lines.
        with django_assert_max_num_queries(6) as captured:
            response = client.get(reverse("invoices:detail", args=[invoice.pk]))
        assert response.status_code == 200
        assert len(response.context["lines"]) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_mark_as_paid_in_part(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    response = client.post(
        reverse("invoices:mark_paid", args=[invoice.pk]), {"paid_date": "2026-03-10", "partial": "on"}, follow=True
    )
    assert "Invoice marked as paid." in response.text
    invoice.refresh_from_db()
    assert (invoice.state, invoice.status_reason) == (InvoiceState.PAID, InvoiceStatusReason.PARTIAL)
    assert invoice.paid_date == datetime.date(2026, 3, 10)


def test_mark_as_paid_in_full(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    client.post(reverse("invoices:mark_paid", args=[invoice.pk]), {"paid_date": "2026-03-10"})
    invoice.refresh_from_db()
    assert (invoice.state, invoice.status_reason) == (InvoiceState.PAID, InvoiceStatusReason.COMPLETE)


def test_mark_as_paid_with_a_bad_date_shows_the_error(client, salesperson):
    invoice = make_invoice(salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("invoices:mark_paid", args=[invoice.pk]), {"paid_date": "31/31/2026"})
    assert response.status_code == 200
    assert response.context["paid_form"].has_error("paid_date")
    assert 'id="id_paid_date_error"' in response.text
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ACTIVE


def test_cancel_an_active_invoice_and_not_a_paid_one(client, salesperson):
    invoice = make_invoice(salesperson)
    paid = make_invoice(salesperson)
    invoice_mark_paid(invoice=paid, actor=salesperson)
    client.force_login(salesperson)
    client.post(reverse("invoices:cancel", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.CANCELED
    response = client.post(reverse("invoices:cancel", args=[paid.pk]), follow=True)
    assert "This invoice is Paid and can no longer be changed." in response.text
    paid.refresh_from_db()
    assert paid.state == InvoiceState.PAID


def test_unknown_invoice_is_404(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("invoices:detail", args=[999999])).status_code == 404


def test_the_invoice_page_has_its_tabs_and_lists_its_lines_on_related(client, salesperson):
    from decimal import Decimal

    from invoices.services import invoice_create
    from tests.factories import AccountFactory

    invoice = invoice_create(
        actor=salesperson,
        account=AccountFactory(owner=salesperson),
        name="Servicii cloud",
        lines=[{"description": "Găzduire", "quantity": Decimal("2"), "unit_price": Decimal("1500.00")}],
    )
    client.force_login(salesperson)
    summary = client.get(invoice.get_absolute_url()).content.decode()
    assert ">Mark paid</a>" in summary and ">Assign</a>" in summary
    details = client.get(f"{invoice.get_absolute_url()}details/").context["detail_sections"]
    rows = {row["label"]: row["value"] for section in details for row in section["rows"]}
    assert rows["Total amount"].endswith(invoice.currency) and rows["Invoice number"] == invoice.invoice_number
    related = client.get(f"{invoice.get_absolute_url()}related/").content.decode()
    assert "Găzduire" in related
