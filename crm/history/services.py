"""Writing the change history. Called by the services that make the change, inside their transaction."""

import datetime
from decimal import Decimal

from django.db import connections, models, router, transaction
from django.utils import timezone

from crm.history.context import current_import_job_id, current_via
from crm.history.models import ChangeEvent, ChangeKind, RecordType, Via

# Columns that say who touched a record when; the event itself carries that.
UNTRACKED = frozenset({"id", "created_at", "created_by", "modified_at", "modified_by", "version"})


def tracked_fields(model) -> list[models.Field]:
    """The fields whose changes the history records (not the keys a model derives from its other fields)."""
    derived = getattr(model, "DERIVED_FIELDS", ())
    return [field for field in model._meta.concrete_fields if field.name not in UNTRACKED and field.name not in derived]


def snapshot(record, *, fields=None) -> dict:
    """Return the stored values of ``record``'s tracked fields (by attribute name), read from the database."""
    names = [field.attname for field in _fields(type(record), fields)]
    return type(record)._base_manager.filter(pk=record.pk).values(*names).first() or {}


def record_change(
    *, record, actor, kind, before=None, fields=None, deleted=False, extra_changes=None
) -> ChangeEvent | None:
    """Write one history row for a change ``record`` has just had (or is about to have, when ``deleted``).

    ``before`` holds the old values by attribute name (None for a new record);
    the new values are read from ``record``. ``fields`` limits the comparison to
    those field names. ``extra_changes`` adds changes that are not the record's own columns, by name, as
    [old, new] texts (an email's recipients); the model's ``history_labels`` names them. Nothing is written
    when an update changed nothing.
    """
    model = type(record)
    changes = {}
    for field in _fields(model, fields):
        old = None if before is None else before.get(field.attname)
        new = None if deleted else getattr(record, field.attname)
        if before is None and _is_empty(new):
            continue
        if deleted and _is_empty(old):
            continue
        if before is not None and not deleted and _same(old, new):
            continue
        changes[field.name] = [_json_value(field, old, record, side="old"), _json_value(field, new, record, side="new")]
    changes.update(extra_changes or {})
    if not changes and kind not in (ChangeKind.CREATED, ChangeKind.DELETED):
        return None
    account_id, contact_id = record_concerns(record, before or {})
    event = ChangeEvent(
        actor=actor,
        actor_name=_name_of(actor),
        kind=kind,
        via=current_via(),
        import_job_id=current_import_job_id(),
        record_type=RecordType(model._meta.model_name),
        record_id=record.pk,
        record_label=str(record)[:250],
        account_id=account_id,
        contact_id=contact_id,
        changes=changes,
    )
    event.save()
    return event


def history_prune(*, before: datetime.date) -> int:
    """Delete the history of changes made before the day ``before`` (in the site's time zone); return how many.

    The retention path of ``manage.py prune_history``, the one delete the
    append-only guard allows: on PostgreSQL it lifts the guard (the trigger of
    migration 0004) for its own transaction only, and puts it back before
    returning, also when called inside a longer transaction.
    """
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    using = router.db_for_write(ChangeEvent)
    guarded = connections[using].vendor == "postgresql"
    with transaction.atomic(using=using):
        if guarded:
            with connections[using].cursor() as cursor:
                cursor.execute("SET LOCAL crm.history_retention = 'on'")
        deleted, _ = ChangeEvent.objects.using(using).filter(occurred_at__lt=cutoff).delete()
        if guarded:
            with connections[using].cursor() as cursor:
                cursor.execute("SET LOCAL crm.history_retention = 'off'")
    return deleted


def record_bulk_change(*, queryset, actor, kind, field_name, new_value) -> int:
    """Write one history row per record of ``queryset`` before ``field_name`` is set to ``new_value`` in bulk.

    For the bulk updates a workflow makes on other records (unlinking the
    contacts of a deleted account, for example). Returns how many rows it wrote.
    """
    model = queryset.model
    field = model._meta.get_field(field_name)
    events = []
    labels = {}  # a link's label, looked up once per linked record rather than once per row

    def shown(value, record, side):
        if not field.is_relation or value is None:
            return _json_value(field, value, record, side=side)
        if value not in labels:
            labels[value] = _json_value(field, value, record, side=side)
        return labels[value]

    for record in queryset:
        before = {field.attname: getattr(record, field.attname)}
        setattr(record, field.attname, new_value.pk if isinstance(new_value, models.Model) else new_value)
        if _same(before[field.attname], getattr(record, field.attname)):
            continue
        account_id, contact_id = record_concerns(record, before)
        events.append(
            ChangeEvent(
                actor=actor,
                actor_name=_name_of(actor),
                kind=kind,
                via=current_via(),
                import_job_id=current_import_job_id(),
                record_type=RecordType(model._meta.model_name),
                record_id=record.pk,
                record_label=str(record)[:250],
                account_id=account_id,
                contact_id=contact_id,
                changes={
                    field.name: [
                        shown(before[field.attname], record, "old"),
                        shown(getattr(record, field.attname), record, "new"),
                    ]
                },
            )
        )
    ChangeEvent.objects.bulk_create(events)
    return len(events)


def _fields(model, names):
    fields = tracked_fields(model)
    if names is None:
        return fields
    wanted = set(names)
    return [field for field in fields if field.name in wanted or field.attname in wanted]


def record_concerns(record, before):
    """The account and contact a change concerns: the record's own, or the ones it had before."""
    kind = record._meta.model_name
    if kind == RecordType.ACCOUNT:
        return record.pk, None
    account_id = getattr(record, "account_id", None) or before.get("account_id")
    if kind == RecordType.CONTACT:
        return account_id, record.pk
    return account_id, getattr(record, "contact_id", None) or before.get("contact_id")


def _is_empty(value):
    return value is None or value == ""


def _same(old, new):
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except (ArithmeticError, ValueError):
            return False
    return old == new


def _json_value(field, value, record, *, side):
    if value is None:
        return None
    if field.is_relation:
        related = None
        cached = field.get_cached_value(record, default=None) if side == "new" else None
        if cached is not None and cached.pk == value:
            related = cached
        else:
            related = field.related_model._base_manager.filter(pk=value).first()
        return {"id": value, "label": str(related) if related is not None else ""}
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        return str(value.quantize(Decimal(1).scaleb(-places)) if places is not None else value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _name_of(actor):
    if actor is None:
        return ""
    return (actor.get_full_name() or actor.get_username())[:150]


# The columns of the history rows an import job writes in bulk (see import_change_rows).
IMPORT_EVENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "kind",
    "via",
    "import_job_id",
    "record_type",
    "record_id",
    "record_label",
    "account_id",
    "contact_id",
    "changes",
)


def import_change_rows(*, created, changed, actor, job_id, occurred_at) -> list[tuple]:
    """History rows, as tuples of IMPORT_EVENT_FIELDS, for the records one import batch created or changed.

    ``changed`` holds (record, {field name or attname: previous JSON value}). The
    rows are written in the batch's transaction with crm.bulk.insert_rows; the
    timeline shows each job's rows as one entry.
    """
    actor_id, actor_name = getattr(actor, "pk", None), _name_of(actor)
    rows = []

    def row(record, kind, changes):
        account_id, contact_id = record_concerns(record, {})
        return (
            occurred_at,
            actor_id,
            actor_name,
            kind,
            Via.IMPORT,
            job_id,
            RecordType(record._meta.model_name),
            record.pk,
            str(record)[:250],
            account_id,
            contact_id,
            changes,
        )

    for record in created:
        rows.append(row(record, ChangeKind.CREATED, {}))
    for record, previous in changed:
        changes = {}
        for name, old in previous.items():
            field = record._meta.get_field(name)
            new = getattr(record, field.attname)
            if field.is_relation:
                changes[field.name] = [{"id": old, "label": ""}, {"id": new, "label": ""}]
            else:
                changes[field.name] = [old, _json_value(field, new, record, side="new")]
        rows.append(row(record, ChangeKind.UPDATED, changes))
    return rows
