"""Query parameters with NUL and other control characters are bad input (400 or 200), never a server error.

PostgreSQL refuses a NUL byte in text, so a search passed straight to a lookup failed there with 500.
"""

import pytest
from django.urls import reverse

from crm.params import query_number, query_text, record_number
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

BAD_TEXT = ["\x00abc", "abc\x00", "\x00", "a\x01b\x1fc\x7f", "tab\tand\nnewline"]
BAD_NUMBERS = ["\x00", "1\x00", "²", "١", "-1", "99999999999999999999999"]


def assert_not_a_server_error(response):
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("source", ["accounts", "contacts", "opportunities"])
@pytest.mark.parametrize("value", BAD_TEXT)
def test_pickers_answer_a_control_character_in_the_search(client, salesperson, source, value):
    client.force_login(salesperson)
    url = reverse("crm:pick", args=[source])
    assert_not_a_server_error(client.get(url, {"q": value}))
    assert_not_a_server_error(client.get(url, {"q": value}, headers={"HX-Request": "true"}))


@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT)
def test_pickers_answer_a_bad_record_number_in_a_narrowing_parameter(client, salesperson, value):
    client.force_login(salesperson)
    url = reverse("crm:pick", args=["contacts"])
    assert_not_a_server_error(client.get(url, {"q": "abc", "account": value}))
    assert_not_a_server_error(client.get(url, {"q": "abc", "exclude": value}))


@pytest.mark.parametrize("value", BAD_TEXT)
def test_add_existing_contact_answers_a_control_character_in_the_search(client, salesperson, value):
    account = AccountFactory(owner=salesperson)
    client.force_login(salesperson)
    url = reverse("accounts:contact_add", args=[account.pk])
    assert_not_a_server_error(client.get(url, {"q": value}))
    assert_not_a_server_error(client.get(url, {"q": value}, headers={"HX-Request": "true"}))
    assert_not_a_server_error(client.post(url, {"q": value, "contact": value}))


@pytest.mark.parametrize("name", ["accounts:list", "contacts:list", "opportunities:list", "invoices:list"])
@pytest.mark.parametrize("value", BAD_TEXT)
def test_list_searches_answer_a_control_character(client, salesperson, name, value):
    client.force_login(salesperson)
    assert_not_a_server_error(client.get(reverse(name), {"q": value}))
    assert_not_a_server_error(client.get(reverse(name), {"q": value}, headers={"HX-Request": "true"}))


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("contacts:list", "account"),
        ("opportunities:list", "account"),
        ("opportunities:list", "contact"),
        ("opportunities:list", "owner"),
        ("opportunities:list", "account_tree"),
        ("invoices:list", "account"),
        ("invoices:list", "contact"),
        ("invoices:list", "owner"),
        ("invoices:list", "account_tree"),
        ("contacts:create", "account"),
        ("opportunities:create", "account"),
        ("opportunities:create", "contact"),
        ("invoices:create", "opportunity"),
        ("invoices:create", "account"),
        ("invoices:create", "contact"),
        ("accounts:export", "q"),
        ("contacts:export", "q"),
    ],
)
@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT)
def test_id_and_search_parameters_answer_bad_input(client, administrator, name, parameter, value):
    client.force_login(administrator)
    assert_not_a_server_error(client.get(reverse(name), {parameter: value, "format": "csv"}))


@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT)
def test_account_detail_page_parameters_answer_bad_input(client, salesperson, value):
    account = AccountFactory(owner=salesperson)
    ContactFactory(account=account, owner=salesperson)
    client.force_login(salesperson)
    url = account.get_absolute_url()
    assert_not_a_server_error(client.get(url, {"contacts_page": value}))
    assert_not_a_server_error(client.get(url, {"contacts_page": value}, headers={"HX-Target": "contacts-panel",
                                                                               "HX-Request": "true"}))


def test_query_text_drops_control_characters_and_keeps_the_rest():
    assert query_text({"q": "\x00Pop\x01escu\x7f Ștefan"}, "q") == "Popescu Ștefan"
    assert query_text({"q": "tab\tand\r\nnewline\x00"}, "q") == "tab and  newline"
    assert query_text({}, "q") == ""
    assert query_text({"q": "  a  "}, "q") == "a"


@pytest.mark.parametrize("value", BAD_NUMBERS + BAD_TEXT + ["0", "", "1.5", " 1", None, True])
def test_record_number_is_none_for_anything_but_a_positive_ascii_integer(value):
    assert record_number(value) is None


def test_record_number_reads_a_positive_integer():
    assert record_number("42") == 42
    assert record_number(7) == 7
    assert query_number({"account": "12"}, "account") == 12
    assert query_number({}, "account") is None
