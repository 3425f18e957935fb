import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_a_refused_action_says_why(client, salesperson, other_salesperson):
    account = AccountFactory(owner=other_salesperson)
    client.force_login(salesperson)
    response = client.post(reverse("accounts:delete", args=[account.pk]))
    assert response.status_code == 403
    assert "You can delete only records you own." in response.text
    assert "Accounts" in response.text  # the site map is still there


def test_a_missing_record_gives_a_page_in_the_house_style(client, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("accounts:detail", args=[999999]))
    assert response.status_code == 404
    assert "There is no such page or record." in response.text
