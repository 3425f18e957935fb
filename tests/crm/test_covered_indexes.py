"""Every foreign key is served by an index led by its column, and no index repeats what another leads with.

The covered indexes (a foreign key's own index beside an index led by it, a name index beside the list's sort
index on the name and id) were one more write per imported record; their migrations drop them concurrently on
PostgreSQL and build them back when reversed.
"""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

OUR_APPS = ("accounts", "contacts", "opportunities", "invoices", "history", "crm")


def leading_columns(table):
    """{first key column: [index name, ...]} of the table's indexes, as the database has them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    leading = {}
    for name, constraint in constraints.items():
        if (constraint["index"] or constraint["unique"] or constraint["primary_key"]) and constraint["columns"]:
            first = constraint["columns"][0]
            if first:  # an expression index has no column
                leading.setdefault(first, []).append(name)
    return leading


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    missing = []
    for config in OUR_APPS:
        for model in apps.get_app_config(config).get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            leading = leading_columns(model._meta.db_table)
            for field in model._meta.concrete_fields:
                if isinstance(field, models.ForeignKey) and field.column not in leading:
                    missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


COVERED = [
    ("accounts_account", "owner_id"),
    ("contacts_contact", "owner_id"),
    ("contacts_contact", "account_id"),
    ("opportunities_opportunity", "owner_id"),
    ("opportunities_opportunity", "account_id"),
    ("opportunities_opportunity", "contact_id"),
    ("invoices_invoice", "owner_id"),
    ("invoices_invoice", "account_id"),
    ("invoices_invoice", "contact_id"),
    ("history_changeevent", "account_id"),
    ("history_changeevent", "contact_id"),
    ("crm_importjob", "created_by_id"),
    ("crm_exportjob", "created_by_id"),
    ("accounts_account", "name"),
    ("opportunities_opportunity", "topic"),
    ("invoices_invoice", "name"),
]


def single_column_indexes(table, column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, constraint in constraints.items()
        if constraint["index"] and not constraint["unique"] and constraint["columns"] == [column]
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column"), COVERED)
def test_a_covered_column_has_no_index_of_its_own(table, column):
    assert single_column_indexes(table, column) == []
    if connection.vendor == "postgresql" or column.endswith("_id"):  # the lists' sort indexes are PostgreSQL's
        assert len(leading_columns(table).get(column, [])) >= 1


@pytest.mark.django_db
def test_no_index_repeats_the_lead_of_another_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalog")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, x.indkey::int2[], x.indnkeyatts, x.indisunique, x.indpred IS NOT NULL,
                   x.indexprs IS NOT NULL, am.amname
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_am am ON am.oid = i.relam
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema()
            """
        )
        rows = cursor.fetchall()
    plain = {}
    for table, name, keys, key_count, unique, partial, expressions, method in rows:
        if method == "btree" and not partial and not expressions:
            plain.setdefault(table, []).append((name, list(keys[:key_count]), unique))
    repeated = []
    for table, indexes in plain.items():
        if not table.startswith(tuple(f"{app}_" for app in OUR_APPS)):
            continue
        for name, keys, unique in indexes:
            if unique:
                continue
            wider = [
                other
                for other, other_keys, _unique in indexes
                if other != name and len(other_keys) > len(keys) and other_keys[: len(keys)] == keys
            ]
            if wider:
                repeated.append((table, name, wider))
    assert repeated == []


@pytest.mark.django_db(transaction=True)
def test_the_drops_reverse_and_apply_again():
    call_command("migrate", "accounts", "0004", verbosity=0)  # and every migration after it that depends on it
    call_command("migrate", "crm", "0019", verbosity=0)
    try:
        for table, column in COVERED:
            assert single_column_indexes(table, column) != [], (table, column)
    finally:
        call_command("migrate", verbosity=0)
    for table, column in COVERED:
        assert single_column_indexes(table, column) == [], (table, column)
