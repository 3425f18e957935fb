"""Merging two records of one kind into one, and undoing a merge, for every kind an app registers.

As in Dynamics 365: the master record stays and takes, field by field, the values the user picked from the
subordinate; everything linked to the subordinate (the links its app's DuplicateKind.moves names, and the
import jobs' links) moves to the master; the subordinate is deactivated, never deleted, and names the record
it was merged into. One transaction; both rows are locked in id order first, so that of two merges of the
same records one waits for the other and then finds its result. Each moved record's version is kept, so that
an undo moves back exactly what was moved and leaves (and lists) what someone changed since.
"""

import datetime
from collections.abc import Mapping

from django.apps import apps
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from crm.duplicates.models import RecordMerge
from crm.history.models import ChangeKind, RecordType
from crm.history.services import record_bulk_change
from crm.models import RecordStatus
from crm.services import record_save, record_sync

MASTER, SUBORDINATE = "master", "subordinate"
IMPORT_LINKS = "crm.ImportJobRecord"


def can_merge(user, master, subordinate) -> bool:
    """Whether ``user`` may merge the two records: a Sales Manager or System Administrator (merge_any_record),
    or a salesperson who owns both; either way only records they may change."""
    if not (permissions.can_change(user, master) and permissions.can_change(user, subordinate)):
        return False
    if user.has_perm("duplicates.merge_any_record"):
        return True
    return master.owner_id == user.pk and subordinate.owner_id == user.pk


def refuse_reactivating_merged(record, status):
    """A record merged into another comes back only by undoing the merge (which moves its records back too)."""
    if status == RecordStatus.ACTIVE and getattr(record, "merged_into_id", None) is not None:
        raise ValidationError(
            _("%(record)s was merged into another record: undo the merge to have it back.") % {"record": record},
            code="merged_record",
        )


def taken_fields(kind, fields) -> dict:
    """``fields`` as {field name: MASTER or SUBORDINATE}: a mapping as it is, or the names taken from the
    subordinate. Unknown names and sides are refused."""
    if isinstance(fields, Mapping):
        chosen = dict(fields)
    else:
        chosen = dict.fromkeys(fields or (), SUBORDINATE)
    unknown = sorted(name for name in chosen if name not in kind.merge_fields)
    if unknown:
        raise ValidationError(
            _("These fields cannot be merged: %(fields)s.") % {"fields": ", ".join(unknown)}, code="merge_field_unknown"
        )
    sides = sorted({side for side in chosen.values() if side not in (MASTER, SUBORDINATE)})
    if sides:
        raise ValidationError(
            _("Each field's value comes from the master or the subordinate record."), code="merge_side"
        )
    return chosen


def _lock_pair(model, master, subordinate):
    if master.pk == subordinate.pk:
        raise ValidationError(_("A record cannot be merged into itself."), code="merge_same_record")
    locked = {
        record.pk: record
        for record in model._base_manager.select_for_update().filter(pk__in=[master.pk, subordinate.pk]).order_by("pk")
    }
    for record in (master, subordinate):
        if record.pk not in locked:
            raise ValidationError(
                _("%(record)s was deleted by another user. Nothing was merged.") % {"record": record},
                code="merge_record_deleted",
            )
    return locked[master.pk], locked[subordinate.pk]


def _already_merged_error(record, into_pk, model):
    into = model._base_manager.filter(pk=into_pk).first()
    return ValidationError(
        _(
            "%(record)s has already been merged into %(other)s, perhaps by another user a moment ago. "
            "Nothing was merged."
        )
        % {"record": record, "other": into if into is not None else into_pk},
        code="already_merged",
    )


def _json(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _move(*, label, field_name, source, target, actor, now, exclude=()):
    """Point ``field_name`` of the ``label`` records that point to ``source`` at ``target`` (None clears it),
    with their history; return [[id, version after]] of those moved."""
    model = apps.get_model(label)
    # Locked as read (in id order), so that an edit of one of them meanwhile waits rather than being undone.
    queryset = model._base_manager.filter(**{field_name: source}).exclude(pk__in=list(exclude))
    queryset = queryset.select_for_update().order_by("pk")
    has_version = any(field.name == "version" for field in model._meta.concrete_fields)
    rows = list(queryset.values_list("pk", "version") if has_version else queryset.values_list("pk", flat=True))
    if not rows:
        return []
    ids = [row[0] for row in rows] if has_version else rows
    moved = [[pk, version + 1] for pk, version in rows] if has_version else [[pk, None] for pk in rows]
    if model._meta.model_name in RecordType.values:
        record_bulk_change(
            queryset=model._base_manager.filter(pk__in=ids),
            actor=actor,
            kind=ChangeKind.UPDATED,
            field_name=field_name,
            new_value=target,
        )
    values = {field_name: target}
    if has_version:
        values.update(version=F("version") + 1, modified_by=actor, modified_at=now)
    model._base_manager.filter(pk__in=ids, **{field_name: source}).update(**values)
    return moved


@transaction.atomic
def merge_records(*, kind, master, subordinate, fields, actor, prepare=None) -> RecordMerge:
    """Merge ``subordinate`` into ``master`` (records of ``kind``); ``fields`` says which values the master takes
    from the subordinate (taken_fields). ``prepare(master, subordinate, chosen, cleared)``, the app's own step,
    runs on the locked copies before anything is written: it may refuse, or clear fields of the subordinate
    (noting their values in ``cleared``). The caller's copies may name the versions the user saw: the merge is
    refused if either record changed since. Returns the RecordMerge, which an undo reads."""
    from crm.services import require_version

    model = kind.model
    chosen = taken_fields(kind, fields)
    stored_master, stored_subordinate = _lock_pair(model, master, subordinate)
    for record in (stored_master, stored_subordinate):
        if record.merged_into_id is not None:
            raise _already_merged_error(record, record.merged_into_id, model)
    require_version(master, stored_master)
    require_version(subordinate, stored_subordinate)
    given_master, given_subordinate = master, subordinate
    permissions.require(
        can_merge(actor, stored_master, stored_subordinate),
        _("You can merge only records you own both of; a Sales Manager can merge any."),
    )
    master, subordinate = stored_master, stored_subordinate
    # The master's values before, and the values it takes (read before the app's step clears any).
    master_before, taken, values = {}, {}, {}
    for name, side in chosen.items():
        field = model._meta.get_field(name)
        old, new = getattr(master, field.attname), getattr(subordinate, field.attname)
        if side == SUBORDINATE and old != new:
            master_before[name], taken[name], values[field.attname] = _json(old), _json(new), new
    cleared = {}
    if prepare is not None:
        prepare(master, subordinate, chosen, cleared)
    now = timezone.now()
    for attname, value in values.items():
        setattr(master, attname, value)
    # Everything linked to the subordinate moves to the master.
    moved = []
    for label, field_name in kind.moves:
        exclude = kind.extra.get("keep_linked", lambda *args: ())(label, field_name, master, subordinate)
        ids = _move(
            label=label, field_name=field_name, source=subordinate, target=master, actor=actor, now=now, exclude=exclude
        )
        if ids:
            moved.append([label, field_name, ids, "moved"])
    links = apps.get_model(IMPORT_LINKS)._base_manager.filter(target=kind.key, object_id=subordinate.pk)
    link_ids = list(links.values_list("pk", flat=True))
    if link_ids:
        links.update(object_id=master.pk)
        moved.append([IMPORT_LINKS, "object_id", [[pk, None] for pk in link_ids], "moved"])
    if after_moves := kind.extra.get("after_moves"):
        moved.extend(after_moves(master, subordinate, actor=actor, now=now, move=_move))
    # The subordinate: deactivated, naming the master; and the fields the app's step cleared.
    subordinate_before = {"status": subordinate.status, **{name: _json(value) for name, value in cleared.items()}}
    subordinate.status = RecordStatus.INACTIVE
    subordinate.merged_into = master
    record_save(
        subordinate,
        actor=actor,
        fields=["status", "merged_into", *(name for name in cleared)],
        kind=ChangeKind.MERGED,
        extra_changes={"merged_record": ["", f"{master} → {_('master record')}"]},
    )
    record_save(
        master,
        actor=actor,
        fields=list(taken),
        kind=ChangeKind.MERGED,
        extra_changes={"merged_record": ["", str(subordinate)]},
    )
    # The caller's copies, as saved: a next workflow on them starts from the new versions.
    record_sync(given_master, master)
    record_sync(given_subordinate, subordinate)
    return RecordMerge.objects.create(
        model=kind.model_label,
        master_id=master.pk,
        subordinate_id=subordinate.pk,
        merged_by=actor,
        master_before=master_before,
        master_after=taken,
        master_version=master.version,
        subordinate_before=subordinate_before,
        moved=moved,
    )


def merge_undo_deadline(merge):
    return merge.merged_at + datetime.timedelta(hours=settings.CRM_MERGE_UNDO_HOURS)


def can_undo_merge(user, merge) -> bool:
    return merge.undone_at is None and (merge.merged_by_id == user.pk or user.has_perm("duplicates.merge_any_record"))


@transaction.atomic
def merge_undo(*, merge: RecordMerge, kind, actor) -> list[str]:
    """Undo ``merge`` within CRM_MERGE_UNDO_HOURS: the subordinate is active again with the fields it gave up,
    the master gets back the values it took, and every record moved goes back, except what someone changed
    since, which is kept as it is and listed (the returned sentences)."""
    merge = RecordMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."), code="merge_already_undone")
    if timezone.now() > merge_undo_deadline(merge):
        raise ValidationError(
            _("A merge can be undone for %(hours)d hours after it; this one can no longer be.")
            % {"hours": settings.CRM_MERGE_UNDO_HOURS},
            code="merge_undo_too_late",
        )
    permissions.require(
        can_undo_merge(actor, merge), _("Only who merged the records, or a Sales Manager, can undo it.")
    )
    model = kind.model
    master = model._base_manager.filter(pk=merge.master_id).first()
    subordinate = model._base_manager.filter(pk=merge.subordinate_id).first()
    if master is None or subordinate is None:
        raise ValidationError(
            _("One of the merged records was deleted since: the merge cannot be undone."), code="merge_record_deleted"
        )
    master, subordinate = _lock_pair(model, master, subordinate)
    if subordinate.merged_into_id != master.pk:
        raise ValidationError(_("The subordinate record is no longer merged into the master."), code="merge_changed")
    permissions.require(
        permissions.can_change(actor, master) and permissions.can_change(actor, subordinate),
        _("You can undo a merge only of records you may change."),
    )
    kept, now = [], timezone.now()
    # The master's primary contact (say) stays with it, whoever it came from: the master chose it since.
    staying = kind.extra.get("keep_on_undo", lambda *args: {})(master)
    # The links moved, back where they were, unless changed since.
    for entry in merge.moved:
        label, field_name, rows, how = entry[:4]
        back_to = master if len(entry) > 4 and entry[4] == MASTER else subordinate
        related = apps.get_model(label)
        ids = [pk for pk, _version in rows]
        versions = dict(map(tuple, rows))
        current_value = master.pk if how == "moved" else None
        has_version = any(field.name == "version" for field in related._meta.concrete_fields)
        stored = related._base_manager.filter(pk__in=ids).select_for_update().order_by("pk")
        stored = stored.values_list("pk", field_name, *(("version",) if has_version else ()))
        field = related._meta.get_field(field_name)
        back = []
        for row in stored:
            pk, value = row[0], row[1]
            unchanged = value == current_value and (not has_version or row[2] == versions.get(pk))
            if unchanged and pk not in staying.get(label, ()):
                back.append(pk)
            else:
                record = related._base_manager.filter(pk=pk).first()
                kept.append(
                    _("%(record)s was changed after the merge and stays as it is (%(field)s).")
                    % {"record": record, "field": field.verbose_name}
                )
        if back:
            _move_back(related, field_name, back, back_to, actor, now, label, current_value)
    # The master's fields, back unless changed since.
    master_values = {}
    for name, old in merge.master_before.items():
        field = model._meta.get_field(name)
        if _json(getattr(master, field.attname)) == merge.master_after.get(name):
            master_values[name] = field.to_python(old) if old is not None else None
        else:
            kept.append(
                _("The master's %(field)s was changed after the merge and keeps its new value.")
                % {"field": field.verbose_name}
            )
    # The subordinate's, as they were, unless changed since (its status is still the merge's inactive, a field
    # the merge cleared is still empty).
    subordinate_values = {}
    for name, value in merge.subordinate_before.items():
        field = model._meta.get_field(name)
        now_value = getattr(subordinate, field.attname)
        left_by_merge = RecordStatus.INACTIVE if name == "status" else None
        if now_value in (left_by_merge, "", None):
            subordinate_values[name] = field.to_python(value) if value is not None else None
        else:
            kept.append(
                _("The subordinate's %(field)s was changed after the merge and keeps its new value.")
                % {"field": field.verbose_name}
            )
    # The master first (it gives back an account number the subordinate takes again), each record with every
    # value that still fits; one that does not (taken since, or no longer valid) stays as it is, and is listed.
    given = _restore(master, master_values, kept, _("The master's %(field)s could not be given back: %(reason)s"))
    record_save(
        master,
        actor=actor,
        fields=given,
        kind=ChangeKind.MERGE_UNDONE,
        extra_changes={"merged_record": [str(subordinate), ""]},
    )
    subordinate.merged_into = None
    given = _restore(
        subordinate, subordinate_values, kept, _("The subordinate's %(field)s could not be given back: %(reason)s")
    )
    record_save(
        subordinate,
        actor=actor,
        fields=["merged_into", *given],
        kind=ChangeKind.MERGE_UNDONE,
        extra_changes={"merged_record": [str(master), ""]},
    )
    merge.undone_at, merge.undone_by = now, actor
    merge.save(update_fields=["undone_at", "undone_by"])
    return kept


def _restore(record, values, kept, refusal) -> list:
    """Set ``values`` ({field name: value}) on ``record``, each only if the record still validates with it
    (the database's constraints included); return the names set, noting the others in ``kept``."""
    model = type(record)
    given = []
    for name, value in values.items():
        field = model._meta.get_field(name)
        before = getattr(record, field.attname)
        setattr(record, field.attname, value)
        try:
            record.full_clean()
        except ValidationError as error:
            setattr(record, field.attname, before)
            messages = error.message_dict.get(name) or error.message_dict.get(NON_FIELD_ERRORS) or error.messages
            kept.append(refusal % {"field": field.verbose_name, "reason": " ".join(messages)})
            continue
        given.append(name)
    return given


def _move_back(related, field_name, ids, subordinate, actor, now, label, current_value=None):
    if label == IMPORT_LINKS:
        related._base_manager.filter(pk__in=ids).update(object_id=subordinate.pk)
        return
    has_version = any(field.name == "version" for field in related._meta.concrete_fields)
    if related._meta.model_name in RecordType.values:
        record_bulk_change(
            queryset=related._base_manager.filter(pk__in=ids),
            actor=actor,
            kind=ChangeKind.UPDATED,
            field_name=field_name,
            new_value=subordinate,
        )
    values = {field_name: subordinate}
    if has_version:
        values.update(version=F("version") + 1, modified_by=actor, modified_at=now)
    related._base_manager.filter(pk__in=ids, **{field_name: current_value}).update(**values)
