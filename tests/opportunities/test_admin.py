"""The opportunity admin writes through the opportunity services: create, edit, close, reopen, delete."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import account_create
from contacts.services import contact_create
from invoices.services import invoice_create
from opportunities.models import Opportunity
from opportunities.services import opportunity_close_as_won, opportunity_create
from tests.factories import AccountFactory, SalespersonFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def opportunity_form(*, owner, account="", contact="", **overrides):
    data = {
        "topic": "Flotă de autoutilitare",
        "account": account,
        "contact": contact,
        "owner": owner.pk,
        "description": "",
        "estimated_revenue": "120000.00",
        "currency": "RON",
        "estimated_close_date": "2027-01-15",
        "probability": "40",
        "sales_stage": "develop",
        "status_reason": "in_progress",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_salesperson(db):
    return SalespersonFactory(username="ana.staff", is_staff=True)


def test_admin_pages_load(client, administrator):
    opportunity = opportunity_create(actor=administrator, topic="Licențe ERP", account=AccountFactory())
    won = opportunity_create(actor=administrator, topic="Câștigată", account=AccountFactory())
    opportunity_close_as_won(opportunity=won, actual_revenue=Decimal("10.00"), actor=administrator)
    client.force_login(administrator)
    for url in (
        reverse("admin:opportunities_opportunity_changelist"),
        reverse("admin:opportunities_opportunity_changelist") + "?q=ERP&state__exact=open&sales_stage__exact=qualify",
        reverse("admin:opportunities_opportunity_add"),
        reverse("admin:opportunities_opportunity_change", args=[opportunity.pk]),
        reverse("admin:opportunities_opportunity_change", args=[won.pk]),
        reverse("admin:opportunities_opportunity_delete", args=[opportunity.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_an_opportunity_added_for_a_contact_gets_the_contacts_account(client, administrator):
    account = account_create(actor=administrator, name="Brutăria Țărănească SRL")
    contact = contact_create(actor=administrator, first_name="Ștefan", last_name="Bălan", account=account)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:opportunities_opportunity_add"), opportunity_form(owner=administrator, contact=contact.pk)
    )
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert opportunity.account == account
    assert opportunity.created_by == administrator
    assert opportunity.estimated_revenue == Decimal("120000.00")


def test_reassigning_someone_elses_opportunity_as_a_salesperson_is_refused(client, staff_salesperson):
    owner = SalespersonFactory(username="dan")
    opportunity = opportunity_create(actor=owner, topic="A lui Dan", account=AccountFactory(owner=owner))
    client.force_login(staff_salesperson)
    response = client.post(
        reverse("admin:opportunities_opportunity_change", args=[opportunity.pk]),
        opportunity_form(owner=staff_salesperson, account=opportunity.account_id, topic="A lui Dan"),
    )
    assert response.status_code == 302
    assert messages_of(response) == ["You can reassign only records you own."]
    opportunity.refresh_from_db()
    assert opportunity.owner == owner


def test_a_salesperson_edits_someone_elses_opportunity(client, staff_salesperson):
    owner = SalespersonFactory(username="dan")
    opportunity = opportunity_create(actor=owner, topic="A lui Dan", account=AccountFactory(owner=owner))
    client.force_login(staff_salesperson)
    response = client.post(
        reverse("admin:opportunities_opportunity_change", args=[opportunity.pk]),
        opportunity_form(owner=owner, account=opportunity.account_id, topic="Redenumită", probability="60"),
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.topic, opportunity.probability, opportunity.owner) == ("Redenumită", 60, owner)
    assert opportunity.modified_by == staff_salesperson


def test_deleting_someone_elses_opportunity_as_a_salesperson_is_refused(client, staff_salesperson):
    owner = SalespersonFactory(username="dan")
    opportunity = opportunity_create(actor=owner, topic="A lui Dan", account=AccountFactory(owner=owner))
    client.force_login(staff_salesperson)
    response = client.post(reverse("admin:opportunities_opportunity_delete", args=[opportunity.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert messages_of(response) == ["You can delete only records you own."]
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_deleting_an_invoiced_opportunity_is_refused(client, administrator):
    opportunity = opportunity_create(actor=administrator, topic="Facturată", account=AccountFactory())
    invoice_create(actor=administrator, name="Factura", opportunity=opportunity, lines=[])
    client.force_login(administrator)
    response = client.post(reverse("admin:opportunities_opportunity_delete", args=[opportunity.pk]), {"post": "yes"})
    # The admin's own confirmation page lists the invoice that protects it, and deletes nothing.
    assert response.status_code == 200
    assert [str(item) for item in response.context["protected"]][0].startswith("Invoice: ")
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_close_and_reopen_actions_call_the_services(client, administrator):
    account = AccountFactory()
    won = opportunity_create(actor=administrator, topic="Câștig", account=account, estimated_revenue=Decimal("500"))
    canceled = opportunity_create(actor=administrator, topic="Anulare", account=account)
    out_sold = opportunity_create(actor=administrator, topic="Concurență", account=account)
    client.force_login(administrator)
    changelist = reverse("admin:opportunities_opportunity_changelist")
    client.post(changelist, {"action": "close_as_won", "_selected_action": [won.pk]})
    client.post(changelist, {"action": "close_as_canceled", "_selected_action": [canceled.pk]})
    client.post(changelist, {"action": "close_as_out_sold", "_selected_action": [out_sold.pk]})
    for opportunity in (won, canceled, out_sold):
        opportunity.refresh_from_db()
    assert (won.state, won.status_reason, won.actual_revenue, won.probability) == ("won", "won", Decimal("500"), 100)
    assert (canceled.state, canceled.status_reason) == ("lost", "canceled")
    assert (out_sold.state, out_sold.status_reason) == ("lost", "out_sold")

    # Closing again is refused by the service, and the message names the record.
    response = client.post(changelist, {"action": "close_as_won", "_selected_action": [won.pk]})
    assert messages_of(response)[-1] == "Câștig: This opportunity is already closed."

    client.post(changelist, {"action": "reopen", "_selected_action": [won.pk, canceled.pk]})
    won.refresh_from_db()
    canceled.refresh_from_db()
    assert (won.state, won.status_reason, won.actual_revenue, won.actual_close_date) == (
        "open", "in_progress", None, None
    )
    assert canceled.state == "open"


def test_a_closed_opportunity_cannot_be_edited_in_the_admin(client, administrator):
    opportunity = opportunity_create(actor=administrator, topic="Închisă", account=AccountFactory())
    opportunity_close_as_won(opportunity=opportunity, actual_revenue=Decimal("1"), actor=administrator)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:opportunities_opportunity_change", args=[opportunity.pk]),
        opportunity_form(owner=administrator, account=opportunity.account_id, topic="Schimbată"),
    )
    assert response.status_code == 302
    assert messages_of(response) == ["A closed opportunity cannot be edited. Reopen it first."]
    opportunity.refresh_from_db()
    assert opportunity.topic == "Închisă"


def changelist_queries(client, count):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:opportunities_opportunity_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(captured)


def test_changelist_runs_a_fixed_number_of_queries(client, administrator):
    client.force_login(administrator)
    owners = [SalespersonFactory() for _ in range(3)]
    account = AccountFactory(owner=owners[0])
    contact = contact_create(actor=owners[0], last_name="Mureșan", account=account)
    opportunity_create(actor=owners[0], topic="Prima", contact=contact)
    one = changelist_queries(client, 1)
    for number in range(49):
        owner = owners[number % 3]
        opportunity_create(actor=owner, topic=f"Oportunitate {number}", account=AccountFactory(owner=owner),
                           contact=contact if number % 2 else None)
    fifty = changelist_queries(client, 50)
    # Session, user, owner filter's users, two counts (filtered and total), the page with its
    # customer and owner joined, and two for the date hierarchy: none per row.
    assert one == fifty == 8
