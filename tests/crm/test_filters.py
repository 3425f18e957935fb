"""The list search box: the same matches however the query is built for the indexes."""

import pytest
from django.test import RequestFactory

from contacts.filters import ContactFilter
from contacts.models import Contact
from opportunities.filters import OpportunityFilter
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory


class NarrowContactFilter(ContactFilter):
    related_match_limit = 1


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
def test_a_broad_related_match_gives_the_same_rows(people, salesperson):
    """More accounts match than the id list allows: the search joins instead, same answer."""
    assert names(NarrowContactFilter, "dunăre", salesperson) == ["Dunăreanu", "Ionescu", "Popa"]


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
