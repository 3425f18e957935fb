"""The bulk validator accepts and refuses exactly what Model.full_clean does, with the same messages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account
from contacts.models import Contact
from crm.services import RecordValidator

NOT_CHECKED = ("owner", "created_by", "modified_by", "parent_account", "primary_contact", "account", "id")


def full_clean_errors(record):
    """{field: [messages]} from Django's own full_clean (relations, uniqueness and constraints left out)."""
    try:
        record.full_clean(exclude=NOT_CHECKED, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error.message_dict
    return {}


def validator_errors(validator, record):
    try:
        validator.validate(record)
    except ValidationError as error:
        return error.message_dict
    return {}


text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\x00", "a" * 160, "a" * 161, "ț" * 40, "ț" * 41, "Compania SRL"]),
)
emails = st.one_of(
    text,
    st.sampled_from(
        ["ana@exemplu.ro", "ana@", "@exemplu.ro", "ana@exemplu", "ana@@exemplu.ro", "a" * 250 + "@x.ro",
         "ana@[1.2.3.4]"]
    ),
)
urls = st.one_of(
    text,
    st.sampled_from(
        ["https://exemplu.ro", "exemplu.ro", "ftp://exemplu.ro/x", "https://", "http://[::1]:80/", "https://a b.ro",
         "https://" + "a" * 250 + ".ro", "javascript:alert(1)"]
    ),
)
numbers = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=2**40),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.sampled_from([Decimal("1234567890123456.78"), Decimal("12345678901234567.8"), Decimal("0.001"), "12,5", "x"]),
)


def account(**values):
    return Account(owner_id=1, **values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=text, number=text, email=emails, website=urls, revenue=numbers,
    # (Django's own IntegerField cannot take an infinite Decimal: full_clean raises OverflowError; the import
    # gives number fields whole numbers only.)
    employees=st.one_of(st.none(), st.integers(min_value=-5, max_value=2**33), st.sampled_from(["7", "x", "1.5"])),
    status=st.sampled_from(["active", "inactive", "Active", "", "deleted"]),
    currency=st.sampled_from(["RON", "EUR", "ron", "XXX", ""]),
    relationship=st.sampled_from(["customer", "partner", "Customer", "", "x" * 30]),
)
def test_accounts_same_verdict_and_messages_as_full_clean(
    name, number, email, website, revenue, employees, status, currency, relationship
):
    values = dict(
        name=name, account_number=number, email=email, website=website, annual_revenue=revenue,
        number_of_employees=employees, status=status, currency=currency, relationship_type=relationship,
    )
    expected = full_clean_errors(account(**values))
    validator = RecordValidator(Account)
    # Twice with the same validator: what it remembers from the first record must not change the second verdict.
    assert validator_errors(validator, account(**values)) == expected
    assert validator_errors(validator, account(**values)) == expected


@settings(max_examples=200, deadline=None)
@given(first=text, last=text, email=emails, method=st.sampled_from(["any", "email", "phone", "", "fax", "Email"]))
def test_contacts_same_verdict_and_messages_as_full_clean(first, last, email, method):
    values = dict(first_name=first, last_name=last, email=email, preferred_contact_method=method)
    expected = full_clean_errors(Contact(owner_id=1, **values))
    assert validator_errors(RecordValidator(Contact), Contact(owner_id=1, **values)) == expected


def test_cleaned_values_are_those_full_clean_gives():
    record = account(name="  Compania SRL ", annual_revenue="12.50", number_of_employees="7", email="ana@exemplu.ro")
    RecordValidator(Account).validate(record)
    assert (record.name, record.annual_revenue, record.number_of_employees) == ("Compania SRL", Decimal("12.50"), 7)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"email": "ana@exemplu"}, "email"),
        ({"website": "exemplu ro"}, "website"),
        ({"name": "a" * 161}, "name"),
        ({"status": "deleted"}, "status"),
        ({"annual_revenue": Decimal("-1")}, "annual_revenue"),
        ({"annual_revenue": Decimal("Infinity")}, "annual_revenue"),
        ({"number_of_employees": -1}, "number_of_employees"),
    ],
)
def test_a_bad_value_is_refused_after_good_ones_were_accepted(values, field):
    validator = RecordValidator(Account)
    for index in range(5):
        validator.validate(account(name=f"Compania {index}", email=f"ana{index}@exemplu.ro", website="https://x.ro"))
    with pytest.raises(ValidationError) as refused:
        validator.validate(account(**{"name": "Compania", **values}))
    assert field in refused.value.message_dict
