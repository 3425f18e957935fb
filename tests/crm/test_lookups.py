"""The one_of lookup (crm.lookups): the rows __in finds, with one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_one_of_finds_what_in_finds():
    accounts = [AccountFactory(name=name) for name in ("Alfa SRL", "Beta SA", "Gama SRL", "Delta")]
    names = ["Beta SA", "Delta", "Nobody"]
    found = set(Account.objects.filter(name__one_of=names).values_list("pk", flat=True))
    assert found == set(Account.objects.filter(name__in=names).values_list("pk", flat=True))
    assert found == {accounts[1].pk, accounts[3].pk}


def test_one_of_on_an_annotation_and_ids():
    accounts = [AccountFactory(account_number=number) for number in ("AC-1", "ac-2", "AC-3")]
    keyed = Account.objects.annotate(key=Lower("account_number")).filter(key__one_of=["ac-1", "ac-2"])
    assert set(keyed.values_list("pk", flat=True)) == {accounts[0].pk, accounts[1].pk}
    by_id = Account.objects.filter(pk__one_of=[accounts[2].pk, accounts[0].pk])
    assert set(by_id.values_list("pk", flat=True)) == {accounts[0].pk, accounts[2].pk}


def test_an_empty_list_matches_nothing_without_a_query():
    AccountFactory()
    with CaptureQueriesContext(connection) as queries:
        assert list(Account.objects.filter(name__one_of=[])) == []
    assert len(queries) == 0


def test_many_values_are_one_parameter_on_postgresql():
    AccountFactory(name="Compania 7 SRL")
    names = [f"Compania {index} SRL" for index in range(1000)]
    with CaptureQueriesContext(connection) as queries:
        assert Account.objects.filter(name__one_of=names).count() == 1
    sql = queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY[" in sql and " IN (" not in sql, sql[:300]
    else:
        assert " IN (" in sql
