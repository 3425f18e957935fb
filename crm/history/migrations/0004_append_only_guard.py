"""On PostgreSQL, a trigger refuses UPDATE, DELETE and TRUNCATE on the change history; a no-op elsewhere.

Only a transaction that has run ``SET LOCAL crm.history_retention = 'on'`` may
DELETE or TRUNCATE rows: ``manage.py prune_history`` does, for its own delete.
No transaction may UPDATE a row.

A later migration that must change rows of this table (a backfill, say) does so
in one atomic migration between
``ALTER TABLE history_changeevent DISABLE TRIGGER history_changeevent_append_only``
and ``... ENABLE TRIGGER history_changeevent_append_only`` (a RunSQL on
PostgreSQL, as here); one that only deletes may use the setting instead. Schema
changes (ALTER TABLE, new indexes) are not blocked: the triggers fire on rows only.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION history_changeevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('crm.history_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The change history is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
        USING HINT = 'Old history is removed only by manage.py prune_history.';
END;
$$;
CREATE TRIGGER history_changeevent_append_only
    BEFORE UPDATE OR DELETE ON history_changeevent
    FOR EACH ROW EXECUTE FUNCTION history_changeevent_refuse_change();
CREATE TRIGGER history_changeevent_no_truncate
    BEFORE TRUNCATE ON history_changeevent
    FOR EACH STATEMENT EXECUTE FUNCTION history_changeevent_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS history_changeevent_no_truncate ON history_changeevent;
DROP TRIGGER IF EXISTS history_changeevent_append_only ON history_changeevent;
DROP FUNCTION IF EXISTS history_changeevent_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("history", "0003_changeevent_actor_protect")]

    operations = [migrations.RunPython(install, remove)]
