"""Writing many new records at once, faster than QuerySet.bulk_create, for imports.

bulk_create compiles every value through Django's SQL compiler, which costs
more than validating the row. Here the ids are taken from the table's sequence
first, then the rows go in with PostgreSQL's COPY (CSV, written by the csv module)
or one executemany on SQLite; values other than text and whole numbers
(decimals, dates, JSON) are prepared by their field's own get_db_prep_save. The caller holds the transaction.
"""

import contextvars
import csv
import io
import json
import operator
from contextlib import contextmanager
from functools import partial

from django.db import IntegrityError, connections, models, router

_deferred_writes = contextvars.ContextVar("crm_bulk_deferred_writes", default=None)


@contextmanager
def deferred_writes():
    """Within this block the writes of insert_records, insert_rows and defer_or_run are kept, not run.

    Ids are still taken (from the sequence, which no transaction holds back)
    and values prepared now; the block yields the list of writes, functions of
    no arguments that a caller runs later, in order, in one transaction, on
    whichever connection that thread has (see crm.imports.engine.BatchWriter).
    """
    writes = []
    token = _deferred_writes.set(writes)
    try:
        yield writes
    finally:
        _deferred_writes.reset(token)


def defer_or_run(write):
    """Run ``write()`` now, or keep it for later inside a deferred_writes() block."""
    writes = _deferred_writes.get()
    if writes is None:
        write()
    else:
        writes.append(write)


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


# Fields whose validated values (text, whole numbers, ids) go to the driver and to COPY as they are.
PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.AutoField, models.ForeignKey)


def _preparers(fields, connection):
    """{index: function} for the fields whose values need preparing: JSON, decimals, dates, booleans..."""
    preparers = {}
    for index, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            preparers[index] = lambda value, encoder=field.encoder: json.dumps(value, cls=encoder)
        elif not isinstance(field, PLAIN_FIELDS):
            preparers[index] = _preparer(field, connection)
    return list(preparers.items())


def _preparer(field, connection):
    """field.get_db_prep_save, reusing its result while the same value object comes again (the batch's timestamp)."""
    last = [object(), None]

    def prepare(value):
        if value is last[0]:
            return last[1]
        prepared = field.get_db_prep_save(value, connection)
        last[0], last[1] = value, prepared
        return prepared

    return prepare


def _write(connection, model, fields, rows):
    """Insert ``rows`` (sequences of already prepared values, in the order of ``fields``) into ``model``'s table."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CSV with every non-NULL value quoted: NULL is the unquoted empty field, '' the quoted one,
            # and the csv module (C code) does the quoting instead of a Python loop over the values.
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _prepared_rows(rows, preparers):
    """Rows as lists, with each value that needs it prepared by its field (None stays None)."""
    if not preparers:
        return list(rows)
    prepared = []
    for row in rows:
        row = list(row)
        for index, prepare in preparers:
            value = row[index]
            if value is not None:
                row[index] = prepare(value)
        prepared.append(row)
    return prepared


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
    values = operator.attrgetter(*(field.attname for field in fields))
    rows = _prepared_rows(map(values, records), _preparers(fields, connection))
    defer_or_run(partial(_write_now, model, fields, rows))
    return records


def insert_rows(model, names, rows):
    """Insert ``rows`` (tuples of values for the fields ``names``) into ``model``'s table, ids from its default.

    For link rows nobody needs as instances afterwards (an import's job
    records): no model instance is built for them.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in names]
    defer_or_run(partial(_write_now, model, fields, _prepared_rows(rows, _preparers(fields, connection))))


def _write_now(model, fields, rows):
    """_write on the connection of the thread that runs it (a deferred write runs in another thread)."""
    _write(connections[router.db_for_write(model)], model, fields, rows)


# Imports into one kind of record take this lock per batch, so concurrent imports match each other's rows.
IMPORT_LOCK_NAMESPACE = 0x43524D


def hold_import_lock(target: str, *, using="default") -> None:
    """Wait for, then hold until this transaction ends, the lock each import batch into ``target`` takes.

    A batch reads what exists, decides (create, update, skip) and writes in one
    transaction. Two imports of the same file at once would each read "no such
    account" and both create it. Under this lock (a transaction-level advisory
    lock on PostgreSQL) a batch reads only after every other batch into the
    same records has committed, so imports behave as if they ran one after
    the other, batch by batch; the lock is held for one batch, not the job,
    and no page takes it. SQLite needs none: its write transactions are
    IMMEDIATE, so they run one at a time already.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("hold_import_lock() needs a transaction to hold the lock for")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [IMPORT_LOCK_NAMESPACE, target])


class RowsChanged(IntegrityError):
    """Records to update were changed by someone else since they were read: the caller's transaction must not commit.

    An IntegrityError, so that the import plans the batch again (crm.imports.engine), as for a unique index.
    """


def update_records(model, records, names, *, batch_size=1000):
    """Write the fields ``names`` of saved ``records`` of ``model``: on PostgreSQL one UPDATE ... FROM VALUES a batch.

    QuerySet.bulk_update writes a CASE WHEN per field with a branch per record,
    which PostgreSQL evaluates for every row it updates: 2,000 imported updates
    took longer than creating 2,000 accounts. Here each row's values come in a
    VALUES list joined on the id. Elsewhere, bulk_update. The caller holds the
    transaction (and the records' row locks).
    """
    if not records:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._base_manager.bulk_update(records, fields=names, batch_size=500)
        return
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in names)]
    # Records read without a row lock (an import batch planned ahead of its writer) are written only while
    # they are still at the version they were read at: record.version is already the next one.
    versioned = "version" in names
    quote = connection.ops.quote_name
    casts = [f"::{field.db_type(connection)}" for field in fields]
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields[1:])
    columns = ", ".join(quote(field.column) for field in fields)
    table = quote(model._meta.db_table)
    row_template = "(" + ", ".join(f"%s{cast}" for cast in casts) + ")"
    values = operator.attrgetter(*(field.attname for field in fields))
    rows = _prepared_rows(map(values, records), _preparers(fields, connection))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            # The first row carries the casts, so every column of the VALUES list has the column's type.
            placeholders = ", ".join([row_template] * len(chunk))
            condition = f"t.{quote(pk.column)} = v.{quote(pk.column)}"
            if versioned:
                condition += " AND t.version = v.version - 1"
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {placeholders}) AS v ({columns}) "
                f"WHERE {condition}",
                [value for row in chunk for value in row],
            )
            if versioned and cursor.rowcount != len(chunk):
                raise RowsChanged(
                    f"{len(chunk) - cursor.rowcount} of {len(chunk)} {model._meta.verbose_name_plural} changed "
                    "since they were read"
                )
