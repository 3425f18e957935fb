"""Writing many new records at once, faster than QuerySet.bulk_create, for imports.

bulk_create compiles every value through Django's SQL compiler, which costs
more than validating the row. Here the ids are taken from the table's sequence
first, then the rows go in with PostgreSQL's COPY (or one executemany on
SQLite), each value prepared by its field's own get_db_prep_save once per
distinct Python type. The caller holds the transaction.
"""

import io
import json

from django.db import connections, models, router


def _sequence_ids(connection, model, count):
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so the next ids are ours.
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
        return list(range(start + 1, start + count + 1))


def _escape_copy(value):
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_records(model, records):
    """Insert unsaved ``records`` of ``model``, setting their ids; return them."""
    if not records:
        return records
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    for record, pk in zip(records, _sequence_ids(connection, model, len(records)), strict=True):
        record.pk = pk
        record._state.adding = False
        record._state.db = using
    rows = []
    for record in records:
        row = []
        for field in fields:
            value = getattr(record, field.attname)
            if isinstance(field, models.JSONField):
                value = None if value is None else json.dumps(value, cls=field.encoder)
            elif value is not None and not isinstance(value, str | int):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        rows.append(row)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            buffer.writelines("\t".join(_escape_copy(value) for value in row) + "\n" for row in rows)
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
    return records
