"""Two people edit the same account at once, through a real gunicorn: the second save is refused, nothing is lost."""

import pytest
from django.urls import reverse

from accounts.models import Account
from tests.factories import AccountFactory, SalesManagerFactory, SalespersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def account_form(account, version, **changes):
    data = {"name": account.name, "relationship_type": account.relationship_type, "currency": account.currency,
            "main_phone": account.main_phone, "city": account.city, "country": account.country, "version": version}
    data.update(changes)
    return data


@pytest.mark.parametrize("first", ["ana", "maria"])
def test_the_second_of_two_concurrent_saves_is_refused_and_no_field_is_lost(server, first):
    from tests.faults.conftest import Browser, page_version

    users = {"ana": SalespersonFactory(first_name="Ana", last_name="Pop"),
             "maria": SalesManagerFactory(first_name="Maria", last_name="Ionescu")}
    account = AccountFactory(name="Petrom SA", main_phone="021 000 0000", city="Ploiești")
    edit = reverse("accounts:edit", args=[account.pk])
    browsers = {name: Browser(server, user) for name, user in users.items()}
    opened = {}
    for name, browser in browsers.items():
        status, html = browser.get(edit)
        assert status == 200
        opened[name] = page_version(html)
    second = "maria" if first == "ana" else "ana"
    changes = {"ana": {"main_phone": "021 111 1111"}, "maria": {"city": "Câmpina"}}

    status, _html = browsers[first].post(edit, account_form(account, opened[first], **changes[first]))
    assert status == 302
    status, html = browsers[second].post(edit, account_form(account, opened[second], **changes[second]))
    assert status == 200
    assert f"was changed by {users[first].get_full_name()}" in html and "Nothing was saved" in html
    stored = Account.objects.get(pk=account.pk)
    # The first save is whole; the second wrote nothing (in particular, not the first one's field back).
    expected = {"main_phone": "021 000 0000", "city": "Ploiești", **changes[first]}
    assert {"main_phone": stored.main_phone, "city": stored.city} == expected
    assert stored.version == opened[first] + 1

    # The second user reloads (takes theirs) and makes their change again: both changes are kept.
    status, html = browsers[second].get(edit)
    current = Account.objects.get(pk=account.pk)
    status, _html = browsers[second].post(edit, account_form(current, page_version(html), **changes[second]))
    assert status == 302
    stored = Account.objects.get(pk=account.pk)
    assert {"main_phone": stored.main_phone, "city": stored.city} == {
        "main_phone": "021 111 1111", "city": "Câmpina"
    }
