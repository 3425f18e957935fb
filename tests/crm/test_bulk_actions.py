"""Bulk actions on the rows selected in a list (crm.lists.bulk): through the services, with per-record permissions."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from crm.history.models import ChangeEvent, ChangeKind
from crm.lists.bulk import MAX_SELECTED
from crm.models import RecordStatus
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InvoiceFactory,
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def bulk(client, list_key, action, records, **data):
    ids = [record.pk if hasattr(record, "pk") else record for record in records]
    return client.post(reverse("lists:bulk", args=[list_key]), {"action": action, "selected": ids, **data})


def message_texts(response):
    """The messages the response added (a redirect not followed leaves the earlier ones stored too)."""
    return [str(message) for message in get_messages(response.wsgi_request)._queued_messages]


def test_the_list_asks_its_table_for_selection_checkboxes_and_offers_the_actions(client, salesperson):
    AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    response = client.get(reverse("accounts:list"))
    assert response.context["table"].selectable is True
    html = response.content.decode()
    assert '<form id="bulk-selection" method="post" action="/lists/accounts/bulk/"' in html
    for action in ("assign", "activate", "deactivate", "delete", "export"):
        assert f'name="action" value="{action}"' in html
    assert '<input type="hidden" name="next" value="/accounts/">' in html
    assert 'src="/static/js/bulk.js"' in html
    # Opportunities and invoices have no Activate/Deactivate.
    html = client.get(reverse("opportunities:list")).content.decode()
    assert 'value="assign"' in html and 'value="deactivate"' not in html and 'value="delete"' in html


def test_assign_asks_for_the_owner_among_active_users_then_assigns_what_the_user_may(
    client, salesperson, other_salesperson
):
    ana = SalespersonFactory(username="ana.pop", first_name="Ana", last_name="Pop")
    UserFactory(username="gone", is_active=False)
    mine = [AccountFactory(name=f"Mine {n}", owner=salesperson) for n in range(3)]
    theirs = AccountFactory(name="Theirs SRL", owner=other_salesperson)
    client.force_login(salesperson)
    page = bulk(client, "accounts", "assign", [*mine, theirs], next="/accounts/?status=active")
    html = page.content.decode()
    assert page.status_code == 200 and "Assign 4 accounts to:" in html
    assert "ana.pop" in html and "gone" not in html
    assert Account.objects.filter(owner=ana).count() == 0
    response = bulk(client, "accounts", "assign", [*mine, theirs], owner=ana.pk, next="/accounts/?status=active")
    assert response.status_code == 302 and response.url == "/accounts/?status=active"
    assert set(Account.objects.filter(owner=ana)) == set(mine)
    theirs.refresh_from_db()
    assert theirs.owner == other_salesperson
    assert message_texts(response) == [
        "3 accounts assigned to Ana Pop; 1 could not be: Theirs SRL: You can reassign only records you own."
    ]
    # Through the service: each change is in the record's history.
    assert ChangeEvent.objects.filter(kind=ChangeKind.OWNER_CHANGED).count() == 3


def test_a_sales_manager_assigns_anyones_records(client, sales_manager, salesperson, other_salesperson):
    contacts = [ContactFactory(owner=salesperson), ContactFactory(owner=other_salesperson)]
    client.force_login(sales_manager)
    response = bulk(client, "contacts", "assign", contacts, owner=sales_manager.pk)
    assert set(Contact.objects.filter(owner=sales_manager)) == set(contacts)
    assert response.url == "/contacts/"


def test_an_inactive_or_unknown_owner_is_refused(client, salesperson):
    account = AccountFactory(owner=salesperson)
    gone = UserFactory(is_active=False)
    client.force_login(salesperson)
    response = bulk(client, "accounts", "assign", [account], owner=gone.pk)
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.owner == salesperson


def test_deactivate_confirms_how_many_first_then_deactivates(client, salesperson):
    accounts = AccountFactory.create_batch(2, owner=salesperson)
    client.force_login(salesperson)
    page = bulk(client, "accounts", "deactivate", accounts)
    html = page.content.decode()
    assert page.status_code == 200 and "Deactivate 2 accounts?" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert html.count('<input type="hidden" name="selected"') == 2
    assert Account.objects.filter(status=RecordStatus.ACTIVE).count() == 2
    response = bulk(client, "accounts", "deactivate", accounts, confirmed="1")
    assert Account.objects.filter(status=RecordStatus.INACTIVE).count() == 2
    assert message_texts(response) == ["2 accounts deactivated."]
    response = bulk(client, "accounts", "activate", accounts)
    assert Account.objects.filter(status=RecordStatus.ACTIVE).count() == 2
    assert message_texts(response) == ["2 accounts activated."]


def test_contacts_activate_and_deactivate_too(client, salesperson):
    contacts = ContactFactory.create_batch(2, owner=salesperson, status=RecordStatus.INACTIVE)
    client.force_login(salesperson)
    bulk(client, "contacts", "activate", contacts)
    assert Contact.objects.filter(status=RecordStatus.ACTIVE).count() == 2
    assert ChangeEvent.objects.filter(kind=ChangeKind.ACTIVATED).count() == 2


def test_a_salesperson_deletes_only_their_own_and_what_nothing_depends_on(client, salesperson, other_salesperson):
    mine = AccountFactory(name="Mine SRL", owner=salesperson)
    theirs = AccountFactory(name="Theirs SRL", owner=other_salesperson)
    busy = AccountFactory(name="Busy SRL", owner=salesperson)
    OpportunityFactory(account=busy)
    client.force_login(salesperson)
    page = bulk(client, "accounts", "delete", [mine, theirs, busy])
    assert "Delete 3 accounts?" in page.content.decode()
    assert Account.objects.filter(pk=mine.pk).exists()
    response = bulk(client, "accounts", "delete", [mine, theirs, busy], confirmed="1")
    assert not Account.objects.filter(pk=mine.pk).exists()
    assert Account.objects.filter(pk__in=[theirs.pk, busy.pk]).count() == 2
    [text] = message_texts(response)
    assert text.startswith("1 account deleted; 2 could not be: Theirs SRL: You can delete only records you own; ")
    assert "Busy SRL: The account Busy SRL has 1 opportunities and 0 invoices" in text


def test_a_sales_manager_deletes_anyones_opportunities_and_invoices(client, sales_manager, salesperson):
    opportunities = OpportunityFactory.create_batch(2, owner=salesperson)
    invoices = InvoiceFactory.create_batch(2, owner=salesperson)
    client.force_login(sales_manager)
    bulk(client, "opportunities", "delete", opportunities, confirmed="1")
    bulk(client, "invoices", "delete", invoices, confirmed="1")
    assert not Opportunity.objects.exists() and not Invoice.objects.exists()


def test_opportunities_and_invoices_have_no_status_action(client, sales_manager):
    opportunity = OpportunityFactory()
    client.force_login(sales_manager)
    response = bulk(client, "opportunities", "deactivate", [opportunity], confirmed="1")
    assert response.status_code == 400 and "This action is not available here." in response.content.decode()
    assert bulk(client, "invoices", "activate", [InvoiceFactory()]).status_code == 400


def test_export_selected_writes_only_those_records(client, salesperson):
    chosen = [AccountFactory(name="Alfa SRL"), AccountFactory(name="Beta SRL")]
    AccountFactory(name="Gama SRL")
    client.force_login(salesperson)
    response = bulk(client, "accounts", "export", chosen, export_format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row[rows[0].index("Account Name")] for row in rows[1:]) == ["Alfa SRL", "Beta SRL"]
    xlsx = bulk(client, "invoices", "export", [InvoiceFactory()])
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]


def test_more_than_the_limit_is_refused_and_nothing_changes(client, salesperson):
    account = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    ids = [account.pk] + list(range(10**6, 10**6 + MAX_SELECTED))
    response = bulk(client, "accounts", "deactivate", ids, confirmed="1")
    assert response.status_code == 400
    assert "At most 500 records can be changed at once; 501 were selected." in response.content.decode()
    account.refresh_from_db()
    assert account.status == RecordStatus.ACTIVE


def test_no_selection_or_an_unsafe_next_goes_back_to_the_list(client, salesperson):
    client.force_login(salesperson)
    response = bulk(client, "accounts", "activate", ["x"], next="https://evil.example/")
    assert response.status_code == 302 and response.url == "/accounts/"
    assert message_texts(response) == ["Select at least one record first."]


def test_records_gone_meanwhile_are_counted(client, salesperson):
    account = AccountFactory(owner=salesperson, status=RecordStatus.INACTIVE)
    client.force_login(salesperson)
    response = bulk(client, "accounts", "activate", [account.pk, 987654])
    assert message_texts(response) == ["1 account activated; 1 was not found."]


def test_a_user_who_may_not_read_the_list_acts_on_none_of_it(client, user_without_role):
    account = AccountFactory()
    client.force_login(user_without_role)
    assert bulk(client, "accounts", "delete", [account], confirmed="1").status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


def test_an_unexpected_failure_leaves_nothing_half_done(client, salesperson, monkeypatch):
    accounts = AccountFactory.create_batch(3, owner=salesperson)
    calls = []
    from accounts import services

    real = services.account_set_status

    def failing(**kwargs):
        calls.append(kwargs["account"].pk)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "account_set_status", failing)
    client.force_login(salesperson)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        bulk(client, "accounts", "deactivate", accounts, confirmed="1")
    # The first account's change was rolled back with the rest.
    assert Account.objects.filter(status=RecordStatus.ACTIVE).count() == 3
    assert not ChangeEvent.objects.filter(kind=ChangeKind.DEACTIVATED).exists()


@pytest.mark.parametrize("rows", [1, 20])
def test_a_bulk_assign_runs_a_bounded_number_of_queries_per_record(
    client, salesperson, other_salesperson, django_assert_max_num_queries, rows
):
    accounts = AccountFactory.create_batch(rows, owner=salesperson)
    client.force_login(salesperson)
    # A fixed part (session, user, permissions, the owner, the records: 8 measured) and, per record, the
    # service's own queries (24 measured: savepoints, full_clean's unique and constraint checks, the stored
    # values, the version-checked update, the history row).
    with django_assert_max_num_queries(10 + 25 * rows):
        response = bulk(client, "accounts", "assign", accounts, owner=other_salesperson.pk)
    assert response.status_code == 302
    assert Account.objects.filter(owner=other_salesperson).count() == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_a_bulk_export_runs_a_fixed_number_of_queries(client, salesperson, django_assert_max_num_queries, rows):
    accounts = AccountFactory.create_batch(rows, owner=salesperson)
    client.force_login(salesperson)
    with django_assert_max_num_queries(8):
        response = bulk(client, "accounts", "export", accounts, export_format="csv")
        content = b"".join(response.streaming_content)
    assert content.count(b"\n") == rows + 1


def test_an_action_the_user_has_no_right_to_is_not_offered(client, salesperson):
    """A salesperson whose role lacks the delete right gets no Delete button, and a posted delete is refused."""
    from django.contrib.auth.models import Permission

    account = AccountFactory(owner=salesperson)
    group = salesperson.groups.get()
    group.permissions.remove(Permission.objects.get(codename="delete_account"))
    client.force_login(salesperson)
    assert 'value="delete"' not in client.get(reverse("accounts:list")).content.decode()
    assert bulk(client, "accounts", "delete", [account], confirmed="1").status_code == 400
    assert Account.objects.filter(pk=account.pk).exists()
