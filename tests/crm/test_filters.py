"""The list search box: the same matches however the query is built for the indexes."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from contacts.filters import ContactFilter
from contacts.models import Contact
from opportunities.filters import OpportunityFilter
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory


class NarrowContactFilter(ContactFilter):
    related_match_limit = 1


class ShortContactFilter(ContactFilter):
    search_match_limit = 2


def names(filter_class, term, user):
    request = RequestFactory().get("/", {"q": term})
    request.user = user
    found = filter_class({"q": term}, queryset=Contact.objects.all(), request=request).qs
    return sorted(contact.last_name for contact in found)


@pytest.fixture
def people(salesperson):
    dunarea = AccountFactory(name="Dunărea Trans SA", owner=salesperson)
    dunarea_two = AccountFactory(name="Dunărea Agro SRL", owner=salesperson)
    ContactFactory(last_name="Ionescu", account=dunarea, owner=salesperson)
    ContactFactory(last_name="Popa", account=dunarea_two, owner=salesperson)
    ContactFactory(last_name="Dunăreanu", account=None, owner=salesperson)
    ContactFactory(last_name="Stan", account=AccountFactory(name="Carpați SA", owner=salesperson), owner=salesperson)


@pytest.mark.django_db
def test_search_matches_own_columns_and_the_related_account(people, salesperson):
    assert names(ContactFilter, "dunăre", salesperson) == ["Dunăreanu", "Ionescu", "Popa"]
    assert names(ContactFilter, "CARPAți", salesperson) == ["Stan"]  # SQLite folds ASCII case only
    assert names(ContactFilter, "nothing like it", salesperson) == []


@pytest.mark.django_db
def test_a_broad_related_match_takes_the_first_related_records_found(people, salesperson):
    """More accounts match than the limit: the contacts of the first ones found, and the own-column matches."""
    found = names(NarrowContactFilter, "dunăre", salesperson)
    assert found in (["Dunăreanu", "Ionescu"], ["Dunăreanu", "Popa"])


@pytest.mark.django_db
def test_the_related_records_are_looked_up_unsorted(people, salesperson):
    """Sorting them (the account's default order) would read every match of a common name to keep the limit."""
    with CaptureQueriesContext(connection) as queries:
        names(ContactFilter, "dunăre", salesperson)
    lookup = next(query["sql"] for query in queries.captured_queries if 'FROM "accounts_account"' in query["sql"])
    assert "ORDER BY" not in lookup, lookup


@pytest.mark.django_db
def test_a_search_lists_at_most_search_match_limit_rows(people, salesperson):
    found = names(ShortContactFilter, "dunăre", salesperson)
    assert len(found) == 2 and set(found) <= {"Dunăreanu", "Ionescu", "Popa"}


@pytest.mark.django_db
def test_the_search_is_applied_after_the_other_filters(people, salesperson):
    """With a low limit, the matches are still taken among the rows the other filters kept."""
    request = RequestFactory().get("/")
    request.user = salesperson
    data = {"q": "dunăre", "has_account": "false"}
    found = ShortContactFilter(data, queryset=Contact.objects.all(), request=request).qs
    assert [contact.last_name for contact in found] == ["Dunăreanu"]


@pytest.mark.django_db
def test_opportunity_search_covers_account_and_contact_names(salesperson):
    contact = ContactFactory(first_name="Ioana", last_name="Mocanu", account=None, owner=salesperson)
    by_contact = OpportunityFactory(topic="Flotă", account=None, contact=contact, owner=salesperson)
    by_account = OpportunityFactory(
        topic="Server", account=AccountFactory(name="Mocanu Soft SRL", owner=salesperson), owner=salesperson
    )
    OpportunityFactory(topic="Altceva", owner=salesperson)
    request = RequestFactory().get("/")
    request.user = salesperson
    found = OpportunityFilter({"q": "mocanu"}, queryset=Opportunity.objects.all(), request=request).qs
    assert set(found) == {by_contact, by_account}
