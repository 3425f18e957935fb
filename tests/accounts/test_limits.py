"""An annual revenue too big for its column is refused with a message, never a 500."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Account
from accounts.services import account_create

pytestmark = pytest.mark.django_db

TOO_BIG = "Enter an amount of at most 9,999,999,999,999,999.99."


@pytest.mark.parametrize("amount", [Decimal("10000000000000000"), Decimal("1E+20"), "99999999999999999.5"])
def test_the_service_refuses_an_annual_revenue_too_big_with_a_code(salesperson, amount):
    with pytest.raises(ValidationError) as error:
        account_create(actor=salesperson, name="Prea bogat SRL", annual_revenue=amount)
    assert error.value.message_dict == {"annual_revenue": [TOO_BIG]}
    assert [item.code for item in error.value.error_dict["annual_revenue"]] == ["amount_too_big"]
    assert not Account.objects.exists()


def test_the_largest_annual_revenue_is_accepted(salesperson):
    account = account_create(actor=salesperson, name="La limită SRL", annual_revenue=Decimal("9999999999999999.99"))
    assert account.annual_revenue == Decimal("9999999999999999.99")


def test_too_many_decimals_keep_their_own_message(salesperson):
    with pytest.raises(ValidationError) as error:
        account_create(actor=salesperson, name="Zecimale SRL", annual_revenue=Decimal("1.234"))
    assert [item.code for item in error.value.error_dict["annual_revenue"]] == ["max_decimal_places"]


@pytest.mark.parametrize("text", ["99999999999999999", "1e20", "10000000000000000.00"])
def test_the_form_shows_an_annual_revenue_too_big_beside_its_field(client, salesperson, text):
    client.force_login(salesperson)
    response = client.post(reverse("accounts:create"),
                           {"name": "Prea bogat SRL", "relationship_type": "customer", "currency": "RON",
                            "annual_revenue": text})
    assert response.status_code == 200
    assert response.context["form"].errors == {"annual_revenue": [TOO_BIG]}
    assert 'id="id_annual_revenue_error"' in response.text
    assert not Account.objects.exists()


def test_the_limit_is_written_in_romanian_on_a_romanian_page(client, salesperson):
    client.force_login(salesperson)
    client.cookies["django_language"] = "ro"
    # The page switches the language to Romanian; the block switches it back after.
    with translation.override("ro"):
        response = client.post(reverse("accounts:create"),
                               {"name": "Prea bogat SRL", "relationship_type": "customer", "currency": "RON",
                                "annual_revenue": "99999999999999999"})
    assert response.status_code == 200
    assert "Introduceți o sumă de cel mult 9.999.999.999.999.999,99." in response.text
