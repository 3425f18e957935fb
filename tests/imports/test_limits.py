"""Import rows with an amount too big for its column fail, naming the row and the column; the others are imported.

Dates are checked on the same path: the import validates each record with
crm.services.RecordValidator, which runs the model's clean(), where the date
range is checked (tests/crm/test_limits.py). Accounts and contacts, the two
kinds of records imported today, have no date a file can set.
"""

from decimal import Decimal

import pytest

from accounts.models import Account
from tests.imports.conftest import csv_bytes, do_import, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("make_file", [csv_bytes, xlsx_bytes])
def test_an_annual_revenue_too_big_fails_its_row_only(importer, make_file):
    data = make_file(
        [
            ["Account Name", "Account Number", "Annual Revenue"],
            ["Bun SRL", "L-1", "9999999999999999.99"],
            ["Prea mare SRL", "L-2", "99999999999999999"],
            ["Cu zecimale SRL", "L-3", "10.000.000.000.000.000,00"],
            ["Tot bun SRL", "L-4", "10"],
        ]
    )
    outcome = do_import(data, actor=importer)
    assert (outcome.created, outcome.failed) == (2, 2)
    issues = {issue.row_number: issue for issue in outcome.issues}
    assert issues.keys() == {3, 4}
    for issue in issues.values():
        assert issue.column == "Annual Revenue"
        assert "Enter an amount of at most 9,999,999,999,999,999.99." in issue.message
    assert sorted(Account.objects.values_list("account_number", flat=True)) == ["L-1", "L-4"]
    assert Account.objects.get(account_number="L-4").annual_revenue == Decimal("10")
