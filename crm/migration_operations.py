"""Migration operations safe on live PostgreSQL tables of millions of rows.

How we migrate a big table without stopping the site:
- New indexes: ``CreateIndexConcurrently`` (or Django's ``AddIndexConcurrently``
  for indexes declared on a model) in a migration with ``atomic = False``;
  CREATE INDEX CONCURRENTLY does not block reads or writes while it builds.
- New columns: nullable or with a database default (``db_default``), which
  PostgreSQL 11+ adds without rewriting the table; backfill in batches in a
  later data migration; add NOT NULL or a CHECK as ``NOT VALID`` then
  ``VALIDATE CONSTRAINT`` in a separate step.
- Never rename or drop a column the running code still reads: ship the code
  first, the schema change in the next release.
"""

from django.db import migrations


class CreateIndexConcurrently(migrations.RunSQL):
    """Build a PostgreSQL index with CREATE INDEX CONCURRENTLY; a no-op on other databases.

    ``definition`` is what follows ``ON``, e.g. ``accounts_account USING gin (...)``.
    An invalid index left by an interrupted earlier build is dropped and rebuilt.
    The migration holding it must set ``atomic = False``.
    """

    def __init__(self, name, definition):
        self.index_name = name
        self.definition = definition
        super().__init__(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"name": self.index_name, "definition": self.definition}

    def describe(self):
        return f"Create index {self.index_name} concurrently (PostgreSQL only)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [self.index_name]
            )
            row = cursor.fetchone()
        if row and row[0]:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {self.index_name}")
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class _ConcurrentlyOnPostgreSQL:
    """Run the operation as usual off PostgreSQL; on it, ``postgresql_forwards`` / ``_backwards`` (concurrently)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            self.postgresql_forwards(schema_editor, model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            self.postgresql_backwards(schema_editor, model)


class AddIndexConcurrently(_ConcurrentlyOnPostgreSQL, migrations.AddIndex):
    """AddIndex, built with CREATE INDEX CONCURRENTLY on PostgreSQL and as usual elsewhere.

    The migration holding it must set ``atomic = False``.
    """

    def postgresql_forwards(self, schema_editor, model):
        schema_editor.add_index(model, self.index, concurrently=True)

    def postgresql_backwards(self, schema_editor, model):
        schema_editor.remove_index(model, self.index, concurrently=True)


class AddUniqueConstraintConcurrently(_ConcurrentlyOnPostgreSQL, migrations.AddConstraint):
    """AddConstraint for a unique constraint on expressions (a unique index), built concurrently on PostgreSQL.

    The migration holding it must set ``atomic = False``.
    """

    def postgresql_forwards(self, schema_editor, model):
        sql = str(self.constraint.create_sql(model, schema_editor))
        if not sql.startswith("CREATE UNIQUE INDEX "):
            raise ValueError(f"{self.constraint.name} is not built as a unique index: {sql}")
        schema_editor.execute(sql.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX CONCURRENTLY ", 1))

    def postgresql_backwards(self, schema_editor, model):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.constraint.name)}")


class RemoveConstraintConcurrently(migrations.RemoveConstraint):
    """RemoveConstraint for a unique index, dropped with DROP INDEX CONCURRENTLY on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.name)}")


class AddCheckConstraintNotValid(migrations.AddConstraint):
    """AddConstraint for a check constraint, on PostgreSQL added NOT VALID and then validated.

    ADD CONSTRAINT ... CHECK scans the whole table under a lock that blocks every write; NOT VALID
    checks only new rows, and VALIDATE CONSTRAINT then scans the old ones under a lock that lets
    reads and writes go on. The migration holding it must set ``atomic = False``, so that the
    two statements commit apart.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        table, name = schema_editor.quote_name(model._meta.db_table), schema_editor.quote_name(self.constraint.name)
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


class RemoveIndexConcurrently(migrations.RemoveIndex):
    """RemoveIndex, dropped with DROP INDEX CONCURRENTLY on PostgreSQL (rebuilt so when reversed), as usual elsewhere.

    The migration holding it must set ``atomic = False``.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, concurrently=True)


class DropFieldIndexConcurrently(migrations.AlterField):
    """AlterField to ``db_index=False`` for a foreign key whose own index another index now leads with.

    On PostgreSQL the field's single-column index (Django's generated name,
    found in the catalog) is dropped with DROP INDEX CONCURRENTLY, and built
    concurrently when reversed; elsewhere AlterField runs as usual. The
    migration holding it must set ``atomic = False``.
    """

    def _column(self, state, app_label):
        return state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name).column

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        column = self._column(from_state, app_label)
        for name in schema_editor._constraint_names(model, [column], index=True, unique=False, primary_key=False):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        column = self._column(to_state, app_label)
        name = schema_editor._create_index_name(model._meta.db_table, [column])
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {schema_editor.quote_name(model._meta.db_table)} ({schema_editor.quote_name(column)})"
        )

    def describe(self):
        return f"Drop the index of {self.model_name}.{self.name} concurrently, covered by another index"


# Rows one backfill transaction updates: short enough that no row lock is held for long on a live site.
BACKFILL_BATCH_ROWS = 20_000


def backfill_base_amounts(apps, model_label, *, amount_field, base_field, batch_rows=BACKFILL_BATCH_ROWS):
    """Store ``amount_field`` in the base currency in ``base_field`` (and the rate in ``exchange_rate``), at the
    rates kept then, the base at 1, in transactions of ``batch_rows`` ids each.

    For a migration marked ``atomic = False``, after the one that adds the columns: the backfill then holds
    no table lock (on 1,000,000 opportunities and invoices one migration that added the columns and filled
    them kept both tables locked for 99 s). A currency without a rate is left without an amount in base.
    """
    from decimal import Decimal

    from django.conf import settings
    from django.db import transaction
    from django.db.models import DecimalField, F, Max, Min, Value
    from django.db.models.functions import Round

    rates = dict(apps.get_model("crm", "ExchangeRate").objects.values_list("currency", "rate"))
    rates[settings.CRM_BASE_CURRENCY] = Decimal(1)
    model = apps.get_model(model_label)
    bounds = model.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    for start in range(bounds["first"], bounds["last"] + 1, batch_rows):
        with transaction.atomic():
            batch = model.objects.filter(pk__gte=start, pk__lt=start + batch_rows)
            for currency, rate in rates.items():
                rate_value = Value(rate, output_field=DecimalField(max_digits=18, decimal_places=6))
                batch.filter(currency=currency).update(
                    exchange_rate=rate, **{base_field: Round(F(amount_field) * rate_value, 2)}
                )
