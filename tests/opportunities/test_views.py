"""The opportunity pages: permissions for every role, lists, forms, closing and reopening, query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from opportunities.models import Opportunity, OpportunityState, OpportunityStatusReason, SalesStage
from opportunities.services import opportunity_close_as_won
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InvoiceFactory,
    OpportunityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def page_urls(opportunity):
    """Every opportunity page reached with GET."""
    return [
        reverse("opportunities:list"),
        reverse("opportunities:create"),
        reverse("opportunities:detail", args=[opportunity.pk]),
        reverse("opportunities:edit", args=[opportunity.pk]),
        reverse("opportunities:delete", args=[opportunity.pk]),
        reverse("opportunities:reassign", args=[opportunity.pk]),
    ]


def action_urls(opportunity):
    """Every opportunity action reached with POST only."""
    return [
        reverse("opportunities:close_won", args=[opportunity.pk]),
        reverse("opportunities:close_lost", args=[opportunity.pk]),
        reverse("opportunities:reopen", args=[opportunity.pk]),
    ]


# Permissions


def test_anonymous_visitor_is_sent_to_sign_in(client):
    opportunity = OpportunityFactory()
    for url in page_urls(opportunity) + action_urls(opportunity):
        response = client.post(url) if url in action_urls(opportunity) else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url


def test_user_without_a_security_role_gets_403_everywhere(client):
    opportunity = OpportunityFactory()
    client.force_login(UserFactory())
    for url in page_urls(opportunity):
        assert client.get(url).status_code == 403, url
    for url in action_urls(opportunity):
        assert client.post(url).status_code == 403, url
    # Nothing changed either.
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


def test_user_who_may_only_read_cannot_add_change_or_close(client):
    from django.contrib.auth.models import Permission

    reader = UserFactory()
    reader.user_permissions.add(Permission.objects.get(codename="view_opportunity"))
    opportunity = OpportunityFactory()
    client.force_login(reader)
    assert client.get(reverse("opportunities:list")).status_code == 200
    assert client.get(reverse("opportunities:detail", args=[opportunity.pk])).status_code == 200
    assert client.get(reverse("opportunities:create")).status_code == 403
    assert client.get(reverse("opportunities:edit", args=[opportunity.pk])).status_code == 403
    response = client.post(
        reverse("opportunities:close_won", args=[opportunity.pk]),
        {"actual_revenue": "10", "close_date": "2026-01-05"},
    )
    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "administrator"])
def test_every_role_opens_every_page_of_its_own_opportunity(client, request, role):
    user = request.getfixturevalue(role)
    opportunity = OpportunityFactory(owner=user)
    client.force_login(user)
    for url in page_urls(opportunity):
        assert client.get(url).status_code == 200, url


def test_salesperson_edits_but_cannot_delete_or_reassign_someone_elses(client, salesperson, other_salesperson):
    opportunity = OpportunityFactory(owner=other_salesperson)
    client.force_login(salesperson)
    detail = client.get(reverse("opportunities:detail", args=[opportunity.pk]))
    assert reverse("opportunities:edit", args=[opportunity.pk]) in detail.text
    assert reverse("opportunities:delete", args=[opportunity.pk]) not in detail.text
    assert reverse("opportunities:reassign", args=[opportunity.pk]) not in detail.text
    assert client.get(reverse("opportunities:edit", args=[opportunity.pk])).status_code == 200
    assert client.get(reverse("opportunities:delete", args=[opportunity.pk])).status_code == 403
    assert client.post(reverse("opportunities:delete", args=[opportunity.pk])).status_code == 403
    response = client.post(reverse("opportunities:reassign", args=[opportunity.pk]), {"owner": salesperson.pk})
    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.owner == other_salesperson


def test_salesperson_deletes_own_opportunity(client, salesperson):
    opportunity = OpportunityFactory(owner=salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("opportunities:delete", args=[opportunity.pk]))
    assert response.status_code == 302
    assert response.url == reverse("opportunities:list")
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()


@pytest.mark.parametrize("role", ["sales_manager", "administrator"])
def test_manager_and_administrator_delete_anyones_opportunity(client, request, role, other_salesperson):
    opportunity = OpportunityFactory(owner=other_salesperson)
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("opportunities:delete", args=[opportunity.pk]))
    assert response.status_code == 302
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_opportunity_with_invoices_is_not_deleted_and_the_user_is_told_why(client, sales_manager):
    opportunity = OpportunityFactory()
    InvoiceFactory(opportunity=opportunity, account=opportunity.account)
    client.force_login(sales_manager)
    response = client.post(reverse("opportunities:delete", args=[opportunity.pk]), follow=True)
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert "cannot be deleted because other records refer to it" in response.text


def test_salesperson_reassigns_own_opportunity(client, salesperson, other_salesperson):
    opportunity = OpportunityFactory(owner=salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("opportunities:reassign", args=[opportunity.pk]), {"owner": other_salesperson.pk})
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.owner == other_salesperson


def test_manager_reassigns_anyones_opportunity(client, sales_manager, salesperson, other_salesperson):
    opportunity = OpportunityFactory(owner=other_salesperson)
    client.force_login(sales_manager)
    response = client.post(reverse("opportunities:reassign", args=[opportunity.pk]), {"owner": salesperson.pk})
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.owner == salesperson


def test_reassign_to_an_inactive_user_is_refused_beside_the_field(client, sales_manager):
    opportunity = OpportunityFactory()
    gone = UserFactory(is_active=False)
    client.force_login(sales_manager)
    response = client.post(reverse("opportunities:reassign", args=[opportunity.pk]), {"owner": gone.pk})
    assert response.status_code == 200
    assert response.context["form"].has_error("owner")
    opportunity.refresh_from_db()
    assert opportunity.owner != gone


def test_unknown_opportunity_is_404(client, salesperson):
    client.force_login(salesperson)
    assert client.get(reverse("opportunities:detail", args=[999999])).status_code == 404


# The list


def test_list_shows_the_columns_with_localized_amounts_and_customer_links(client, salesperson):
    account = AccountFactory(name="Dacia Automobile SA")
    contact = ContactFactory(first_name="Ioana", last_name="Ștefănescu", account=account)
    OpportunityFactory(
        topic="Flotă de autoturisme",
        account=account,
        contact=contact,
        estimated_revenue=Decimal("1234567.50"),
        currency="EUR",
        estimated_close_date=datetime.date(2026, 3, 31),
        probability=40,
        sales_stage=SalesStage.PROPOSE,
        owner=salesperson,
    )
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:list"))
    assert response.status_code == 200
    text = response.text
    for header in ("Topic", "Customer", "Estimated revenue", "Estimated close date", "Probability", "Sales stage",
                   "Status", "Owner"):
        assert re.search(rf">\s*{header}\s*<", text), header  # sortable or not
    assert "Flotă de autoturisme" in text
    assert "1,234,567.50 EUR" in text
    assert f'href="{account.get_absolute_url()}">Dacia Automobile SA</a>' in text
    assert f'href="{contact.get_absolute_url()}">Ioana Ștefănescu</a>' in text
    assert "31 Mar 2026" in text
    assert "40 %" in text
    assert "Propose" in text
    assert "In progress" in text


def test_list_in_romanian_uses_romanian_number_format(client, salesperson):
    OpportunityFactory(estimated_revenue=Decimal("1234567.50"), currency="RON")
    client.force_login(salesperson)
    client.cookies["django_language"] = "ro"
    response = client.get(reverse("opportunities:list"))
    assert "1.234.567,50 RON" in response.text


def test_romanian_pages_take_iso_dates_and_show_local_ones(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    client.cookies["django_language"] = "ro"
    response = client.post(
        reverse("opportunities:create"),
        {"topic": "Contract cadru", "account": account.pk, "currency": "RON", "probability": "10",
         "estimated_close_date": "2026-03-31", "estimated_revenue": "7500.5", "sales_stage": "qualify",
         "status_reason": "in_progress"},
    )
    opportunity = Opportunity.objects.get()
    assert response.url == opportunity.get_absolute_url()
    assert opportunity.estimated_close_date == datetime.date(2026, 3, 31)
    text = client.get(opportunity.get_absolute_url()).text
    assert "31.03.2026" in text
    assert "7.500,50 RON" in text


def test_list_filters_mine_status_and_stage(client, salesperson, other_salesperson):
    mine = OpportunityFactory(topic="Mine open", owner=salesperson, sales_stage=SalesStage.DEVELOP)
    won = OpportunityFactory(topic="Mine won", owner=salesperson)
    opportunity_close_as_won(opportunity=won, actual_revenue=Decimal("5"), actor=salesperson)
    OpportunityFactory(topic="Theirs open", owner=other_salesperson)
    client.force_login(salesperson)
    url = reverse("opportunities:list")

    def topics(**params):
        return {row.record.topic for row in client.get(url, params).context["table"].rows}

    assert topics() == {"Mine open", "Mine won", "Theirs open"}
    # With no choice made the box offers "All records" first, which is what the list shows.
    page = client.get(url).text
    assert page.index('<option value="all">All records</option>') < page.index('<option value="mine">')
    assert topics(scope="mine") == {"Mine open", "Mine won"}
    assert topics(scope="all") == {"Mine open", "Mine won", "Theirs open"}
    assert topics(state="won") == {"Mine won"}
    assert topics(sales_stage="develop") == {mine.topic}
    assert topics(q="theirs") == {"Theirs open"}


def test_list_sorts_by_estimated_revenue(client, salesperson):
    for amount in ("300", "100", "200"):
        OpportunityFactory(topic=f"Deal {amount}", estimated_revenue=Decimal(amount))
    client.force_login(salesperson)
    url = reverse("opportunities:list")
    rows = client.get(url, {"sort": "estimated_revenue"}).context["table"].rows
    assert [row.record.topic for row in rows] == ["Deal 100", "Deal 200", "Deal 300"]
    rows = client.get(url, {"sort": "-estimated_revenue"}).context["table"].rows
    assert [row.record.topic for row in rows] == ["Deal 300", "Deal 200", "Deal 100"]


def test_list_narrowed_to_an_account_says_so(client, salesperson):
    account = AccountFactory(name="Petrom SA")
    OpportunityFactory(topic="Petrom deal", account=account)
    OpportunityFactory(topic="Other deal")
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:list"), {"account": account.pk})
    assert [row.record.topic for row in response.context["table"].rows] == ["Petrom deal"]
    assert "Opportunities of the account" in response.text
    assert f'<a href="{account.get_absolute_url()}">Petrom SA</a>' in response.text
    # New opens prefilled with the same account.
    assert f'{reverse("opportunities:create")}?account={account.pk}' in response.text


def test_list_narrowed_to_a_contact_says_so(client, salesperson):
    contact = ContactFactory(first_name="Radu", last_name="Ionescu")
    OpportunityFactory(topic="Radu deal", account=None, contact=contact)
    OpportunityFactory(topic="Other deal")
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:list"), {"contact": contact.pk})
    assert [row.record.topic for row in response.context["table"].rows] == ["Radu deal"]
    assert "Opportunities of the contact" in response.text
    assert "Radu Ionescu" in response.text


def test_list_answers_htmx_with_the_results_only(client, salesperson):
    OpportunityFactory(topic="Licență anuală")
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:list"), {"q": "anuală"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Licență anuală" in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("params", [{}, {"account": "ACCOUNT"}])
def test_list_runs_the_same_number_of_queries_for_1_and_50_rows(
    client, salesperson, django_assert_max_num_queries, params
):
    account = AccountFactory()
    params = {key: account.pk if value == "ACCOUNT" else value for key, value in params.items()}
    client.force_login(salesperson)
    counts = []
    for total in (1, 50):
        Opportunity.objects.all().delete()
        for _ in range(total):
            OpportunityFactory(account=account, contact=ContactFactory(account=account), owner=salesperson)
        # 1-2 session and user, 3-4 permissions, 5 the user's saved views of the list, 6 count, 7 the page of rows
        # with their customer and owner, and when narrowed, 8 the account it is narrowed to.
        with django_assert_max_num_queries(7 + len(params)) as captured:
            response = client.get(reverse("opportunities:list"), params)
        assert response.status_code == 200
        assert len(response.context["table"].page.object_list) == min(total, 25)
        counts.append(len(captured))
    assert counts[0] == counts[1]


# Create


def test_create_opens_prefilled_with_the_account(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:create"), {"account": account.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["account"] == account.pk
    assert f'name="account" id="id_account_value" value="{account.pk}"' in response.text
    assert escape(account.name) in response.text
    assert f'name="next" value="{account.get_absolute_url()}"' in response.text


def test_create_opens_prefilled_with_the_contact_and_its_account(client, salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:create"), {"contact": contact.pk})
    assert response.context["form"].initial == {"contact": contact.pk, "account": account.pk}
    assert f'name="next" value="{contact.get_absolute_url()}"' in response.text


def test_create_from_an_account_returns_to_the_account(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    url = reverse("opportunities:create")
    form_page = client.get(url, {"account": account.pk})
    response = client.post(
        url,
        {
            "topic": "Servere noi",
            "account": account.pk,
            "estimated_revenue": "25000.00",
            "currency": "RON",
            "estimated_close_date": "2026-06-30",
            "probability": "50",
            "sales_stage": "develop",
            "status_reason": "in_progress",
            "next": form_page.context["next"],
        },
    )
    assert response.status_code == 302
    assert response.url == account.get_absolute_url()
    opportunity = Opportunity.objects.get()
    assert opportunity.topic == "Servere noi"
    assert opportunity.account == account
    assert opportunity.estimated_revenue == Decimal("25000.00")
    assert opportunity.owner == salesperson
    assert opportunity.created_by == salesperson


def test_create_for_a_contact_gets_the_contacts_account(client, salesperson):
    contact = ContactFactory(account=AccountFactory())
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:create"),
        {"topic": "Consultanță", "contact": contact.pk, "currency": "RON", "probability": "10",
         "sales_stage": "qualify", "status_reason": "in_progress"},
    )
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.account == contact.account
    assert response.url == opportunity.get_absolute_url()


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/x"])
def test_create_ignores_a_next_address_off_this_site(client, salesperson, next_url):
    account = AccountFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:create"),
        {"topic": "X", "account": account.pk, "currency": "RON", "probability": "10",
         "sales_stage": "qualify", "status_reason": "in_progress", "next": next_url},
    )
    assert response.status_code == 302
    assert response.url == Opportunity.objects.get().get_absolute_url()


def test_create_without_a_customer_shows_the_error_beside_the_field_and_writes_nothing(client, salesperson):
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:create"),
        {"topic": "Fără client", "currency": "RON", "probability": "10", "sales_stage": "qualify",
         "status_reason": "in_progress"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["account"] == ["Choose an account or a contact."]
    assert 'id="id_account_error"' in response.text
    assert not Opportunity.objects.exists()


def test_create_with_bad_values_shows_each_error_beside_its_field(client, salesperson):
    account = AccountFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:create"),
        {"topic": "", "account": account.pk, "currency": "XXX", "probability": "150",
         "estimated_revenue": "-5", "sales_stage": "qualify", "status_reason": "won"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"topic", "currency", "probability", "estimated_revenue", "status_reason"}
    for field in errors:
        assert f'id="id_{field}_error"' in response.text
    assert not Opportunity.objects.exists()


# Detail, edit, close, reopen


def test_detail_shows_fields_customer_links_invoices_and_close_forms(client, salesperson):
    account = AccountFactory(name="Bitdefender SRL")
    contact = ContactFactory(first_name="Ana", last_name="Mureșan", account=account)
    opportunity = OpportunityFactory(
        topic="Licențe antivirus", account=account, contact=contact, estimated_revenue=Decimal("98765.40")
    )
    invoice = InvoiceFactory(opportunity=opportunity, account=account, invoice_number="F-2026-001")
    InvoiceFactory(account=account, invoice_number="F-OTHER")
    client.force_login(salesperson)
    response = client.get(reverse("opportunities:detail", args=[opportunity.pk]))
    text = response.text
    assert "Licențe antivirus" in text
    assert "98,765.40 RON" in text
    assert f'<a href="{account.get_absolute_url()}">Bitdefender SRL</a>' in text
    assert f'<a href="{contact.get_absolute_url()}">Ana Mureșan</a>' in text
    assert f'<a href="{invoice.get_absolute_url()}">F-2026-001</a>' in text
    assert "F-OTHER" not in text
    assert "Close as Won" in text and "Close as Lost" in text
    assert reverse("opportunities:reopen", args=[opportunity.pk]) not in text


def test_detail_runs_the_same_number_of_queries_for_1_and_50_invoices(
    client, salesperson, django_assert_max_num_queries
):
    client.force_login(salesperson)
    counts = []
    for total in (1, 50):
        opportunity = OpportunityFactory()
        InvoiceFactory.create_batch(total, opportunity=opportunity, account=opportunity.account)
        # 1-2 session and user, 3-4 permissions, 5 the opportunity with its customer and people, 6 its invoices.
        with django_assert_max_num_queries(6) as captured:
            response = client.get(reverse("opportunities:detail", args=[opportunity.pk]))
        assert response.status_code == 200
        assert len(response.context["invoices"]) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_edit_changes_an_open_opportunity(client, salesperson):
    opportunity = OpportunityFactory(probability=10)
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:edit", args=[opportunity.pk]),
        {"topic": "Renamed", "account": opportunity.account_id, "currency": "EUR", "probability": "60",
         "sales_stage": "propose", "status_reason": "on_hold", "version": opportunity.version},
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.topic, opportunity.probability, opportunity.status_reason) == ("Renamed", 60, "on_hold")
    assert opportunity.modified_by == salesperson


def test_editing_a_closed_opportunity_is_refused_with_the_message(client, salesperson):
    opportunity = OpportunityFactory(topic="Closed deal")
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("10"), actor=salesperson)
    client.force_login(salesperson)
    url = reverse("opportunities:edit", args=[opportunity.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == opportunity.get_absolute_url()
    assert "A closed opportunity cannot be edited. Reopen it first." in response.text
    response = client.post(
        url,
        {"topic": "Changed", "account": opportunity.account_id, "currency": "RON", "probability": "10",
         "sales_stage": "qualify", "status_reason": "in_progress"},
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.topic == "Closed deal"
    assert opportunity.state == OpportunityState.WON


def test_close_as_won_with_actual_revenue_and_date(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:close_won", args=[opportunity.pk]),
        {"actual_revenue": "12500.75", "close_date": "2026-02-14"},
        follow=True,
    )
    assert "Opportunity closed as won." in response.text
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.WON
    assert opportunity.actual_revenue == Decimal("12500.75")
    assert opportunity.actual_close_date == datetime.date(2026, 2, 14)
    assert "12,500.75 RON" in response.text
    assert reverse("opportunities:reopen", args=[opportunity.pk]) in response.text


def test_close_as_won_with_bad_revenue_shows_the_error_and_stays_open(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:close_won", args=[opportunity.pk]), {"actual_revenue": "-1", "close_date": "x"}
    )
    assert response.status_code == 200
    form = response.context["won_form"]
    assert form.has_error("actual_revenue") and form.has_error("close_date")
    assert 'id="id_actual_revenue_error"' in response.text
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


def test_close_as_lost_as_out_sold(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:close_lost", args=[opportunity.pk]),
        {"status_reason": "out_sold", "close_date": "2026-03-01"},
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.status_reason) == (OpportunityState.LOST, OpportunityStatusReason.OUT_SOLD)
    assert opportunity.actual_close_date == datetime.date(2026, 3, 1)


def test_close_as_lost_refuses_a_reason_that_is_not_a_loss(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:close_lost", args=[opportunity.pk]),
        {"status_reason": "won", "close_date": "2026-03-01"},
    )
    assert response.status_code == 200
    assert response.context["lost_form"].has_error("status_reason")
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN


def test_closing_a_closed_opportunity_again_is_refused(client, salesperson):
    opportunity = OpportunityFactory()
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("10"), actor=salesperson)
    client.force_login(salesperson)
    response = client.post(
        reverse("opportunities:close_lost", args=[opportunity.pk]),
        {"status_reason": "canceled", "close_date": "2026-03-01"},
        follow=True,
    )
    assert "This opportunity is already closed." in response.text
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.WON


def test_reopen_a_lost_opportunity(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    client.post(
        reverse("opportunities:close_lost", args=[opportunity.pk]),
        {"status_reason": "canceled", "close_date": "2026-03-01"},
    )
    response = client.post(reverse("opportunities:reopen", args=[opportunity.pk]), follow=True)
    assert "Opportunity reopened." in response.text
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN
    assert opportunity.actual_close_date is None


def test_actions_refuse_get(client, salesperson):
    opportunity = OpportunityFactory()
    client.force_login(salesperson)
    for url in action_urls(opportunity):
        assert client.get(url).status_code == 405, url


def test_the_opportunity_page_has_its_header_command_bar_and_three_tabs(client, salesperson):
    from tests.factories import InvoiceFactory, OpportunityFactory

    opportunity = OpportunityFactory(topic="Servere noi", owner=salesperson)
    InvoiceFactory(opportunity=opportunity, account=opportunity.account, name="Găzduire", owner=salesperson)
    client.force_login(salesperson)
    summary = client.get(opportunity.get_absolute_url()).content.decode()
    assert '<div class="command-bar" role="toolbar" aria-label="Commands">' in summary
    for label in ["Edit", "New", "Assign", "Delete", "Close as Won", "Close as Lost"]:
        assert f">{label}</a>" in summary, label
    details = client.get(f"{opportunity.get_absolute_url()}details/")
    titles = [section["title"] for section in details.context["detail_sections"]]
    assert titles == ["Opportunity information", "Sales information", "Details", "Status and history"]
    related = client.get(f"{opportunity.get_absolute_url()}related/").content.decode()
    assert "Găzduire" in related
