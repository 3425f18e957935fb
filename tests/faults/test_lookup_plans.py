"""The exact lookups of imports and services read B-tree indexes, never a trigram index, on a large table.

200,000 accounts and 100,000 contacts are generated in the database itself
(INSERT ... SELECT from generate_series, the fastest bulk path), analysed, and
then a real import of accounts and of contacts runs with its queries captured:
each query on the accounts or contacts table is explained, and its plan must
read an index of ours that is not a trigram index, and scan neither table.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.forms import AccountForm
from accounts.models import Account
from contacts.models import Contact
from crm.imports.engine import ImportOptions, run_import
from crm.imports.readers import open_table
from tests.factories import SalesManagerFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS, CONTACTS, ROWS = 200_000, 100_000, 2_000


def generate(model, count, varying, owner):
    """Insert ``count`` rows of ``model``: the model's defaults, ``varying`` {column: SQL of g.i} for the rest."""
    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in varying:
            values.append(varying[field.column])
        elif field.column in ("owner_id",):
            values.append("%s")
            params.append(owner.pk)
        elif field.column in ("created_at", "modified_at"):
            values.append("now()")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM generate_series(1, {count}) AS g(i)")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def plans_of(queries, tables, *, seqscan=True):
    """EXPLAIN of each captured SELECT that reads one of ``tables`` by a condition.

    With ``seqscan=False`` the planner may not scan a table whole, so a plan that
    still does has no index for the condition's expression at all.
    """
    plans = []
    with connection.cursor() as cursor:
        cursor.execute(f"SET enable_seqscan = {'on' if seqscan else 'off'}")
        try:
            for query in queries:
                sql = query["sql"]
                reads = any(f'FROM "{table}"' in sql for table in tables)
                if not sql.startswith("SELECT") or " WHERE " not in sql or not reads:
                    continue
                cursor.execute("EXPLAIN " + sql)
                plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        finally:
            cursor.execute("RESET enable_seqscan")
    return plans


def shown(sql, plan):
    return f"{sql[:240]}...\n{plan[:1500]}"


def test_import_and_form_lookups_use_btree_indexes_at_200000_accounts():
    manager = SalesManagerFactory()
    generate(Account, ACCOUNTS, {
        "name": "'Compania ' || g.i || ' SRL'",
        "account_number": "'AC-' || lpad(g.i::text, 7, '0')",
        "email": "'office' || g.i || '@compania.ro'",
        "city": "'Cluj-Napoca'",
    }, manager)
    generate(Contact, CONTACTS, {
        "first_name": "'Ana'",
        "last_name": "'Pop' || g.i",
        "email": "'ana.pop' || g.i || '@exemplu.ro'",
        "account_id": f"(SELECT min(id) FROM accounts_account) + g.i %% {ACCOUNTS}",
    }, manager)
    # Half the rows match existing records, half are new: both branches of every lookup run.
    numbers = range(ACCOUNTS - ROWS // 2, ACCOUNTS + ROWS // 2)
    accounts = [["Account Name", "Account Number", "City"]] + [
        [f"Compania {index} SRL", f"AC-{index:07d}", "Iași"] for index in numbers
    ] + [[f"Firma fără număr {index}", "", "Iași"] for index in range(ROWS // 4)]
    contacts = [["First Name", "Last Name", "Email", "Account Number"]] + [
        ["Ana", f"Pop{index}", f"ana.pop{index}@exemplu.ro", f"AC-{index:07d}"] for index in range(1, ROWS)
    ] + [["Ion", f"Pop{index}", "", f"AC-{index:07d}"] for index in range(1, ROWS // 4)]

    with CaptureQueriesContext(connection) as captured:
        run_import(table=open_table(io.BytesIO(csv_bytes(accounts))), options=ImportOptions(target="accounts"),
                   actor=manager)
        run_import(table=open_table(io.BytesIO(csv_bytes(contacts))), options=ImportOptions(target="contacts"),
                   actor=manager)
        form = AccountForm({"name": "Alta", "account_number": "ac-0000007", "relationship_type": "customer",
                            "currency": "RON"}, user=manager)
        assert not form.is_valid() and "account_number" in form.errors
        with pytest.raises(ValidationError):
            Account(name="Alta", account_number="AC-0000008", owner=manager).validate_constraints()

    tables = ("accounts_account", "contacts_contact")
    # As PostgreSQL plans them: never a trigram index, whichever it prefers.
    plans = plans_of(captured.captured_queries, tables)
    assert plans
    for sql, plan in plans:
        assert "_trgm" not in plan, shown(sql, plan)
    # Each has a B-tree index on exactly its expression: without whole-table scans, one serves it.
    for sql, plan in plans_of(captured.captured_queries, tables, seqscan=False):
        assert "_trgm" not in plan, shown(sql, plan)
        for table in tables:
            assert f"Seq Scan on {table}" not in plan, shown(sql, plan)
    used = "\n".join(plan for _sql, plan in plans)
    for index in ("account_number_unique_ci",):
        assert index in used, used[:3000]
