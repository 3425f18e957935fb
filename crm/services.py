"""Services shared by every CRM record: saving with validation, reassigning, deleting.

Each writes its change history (crm.history) in the same transaction as the change.
"""

import copy
import re
from decimal import Decimal
from functools import partial

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, router, transaction
from django.db.models import F, ProtectedError
from django.utils import formats, timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext as _

from crm import permissions
from crm.history.models import ChangeKind
from crm.history.services import record_change, snapshot


class RecordChanged(ValidationError):
    """Someone else saved the record after the version the caller read: nothing was written.

    ``current`` is the record as it is now in the database, so a form can show
    the other user's values beside its own.
    """

    def __init__(self, record, current):
        self.record = record
        self.current = current
        who = _name_of(current.modified_by) if current is not None and current.modified_by_id else _("another user")
        if current is None:
            message = _("%(record)s was deleted by another user after you opened it. Nothing was saved.") % {
                "record": record
            }
        else:
            when = formats.date_format(timezone.localtime(current.modified_at), "DATETIME_FORMAT")
            message = _(
                "%(record)s was changed by %(user)s on %(when)s, after you opened it. Nothing was saved: "
                "their values are shown beside yours. Save again to keep yours, or reload to take theirs."
            ) % {"record": current, "user": who, "when": when}
        super().__init__(message, code="record_changed")

    def command_message(self):
        """The refusal of a command (delete, deactivate, reassign, close, pay...), which has no values to show."""
        current = self.current
        if current is None:
            return _("%(record)s was deleted by another user after you opened it. Nothing was done.") % {
                "record": self.record
            }
        who = _name_of(current.modified_by) if current.modified_by_id else _("another user")
        when = formats.date_format(timezone.localtime(current.modified_at), "DATETIME_FORMAT")
        return _(
            "%(record)s was changed by %(user)s on %(when)s, after you opened it. Nothing was done: "
            "look at it again and repeat the command if it still applies."
        ) % {"record": current, "user": who, "when": when}


def _name_of(user):
    return (user.get_full_name() or user.get_username()) if user is not None else _("another user")


def record_current(record):
    """The record as stored now, with who changed it last; None when it was deleted."""
    return type(record)._base_manager.select_related("modified_by").filter(pk=record.pk).first()


def require_version(record, stored):
    """Refuse (RecordChanged) when ``stored``, the row as locked now, is not at the version ``record`` was read at.

    For workflows that lock the row and check its state before deciding (close,
    reopen, pay, cancel): the caller's copy names the version it was shown.
    """
    expected = getattr(record, "version", None)
    if stored is None or (expected is not None and stored.version != expected):
        raise RecordChanged(record, record_current(record))
    return stored


def record_sync(record, saved):
    """Bring the caller's copy of a record up to what a workflow saved through its locked copy; return ``saved``.

    So that the caller's next workflow on its copy starts from the new version.
    """
    if record is not saved:
        for field in saved._meta.concrete_fields:
            value = getattr(saved, field.attname)
            if field.is_relation and getattr(record, field.attname) != value and field.is_cached(record):
                field.delete_cached_value(record)
            setattr(record, field.attname, value)
    return saved


def _update_fields(model, fields):
    """The concrete fields an update of ``fields`` writes (all editable ones when None), with the audit columns."""
    meta = model._meta
    if fields is None:
        return [
            field
            for field in meta.concrete_fields
            if not field.primary_key and field.name not in ("created_at", "created_by", "version")
        ]
    names = dict.fromkeys([*fields, "modified_by", "modified_at"])
    return [meta.get_field(name) for name in names]


def record_update_checked(record, fields=None):
    """Write ``record``'s ``fields`` in one UPDATE that also checks and increments its version.

    The WHERE clause names the version the caller read, so when anyone saved
    the row since, no row matches, nothing is written and RecordChanged is
    raised. On success ``record.version`` is the new version.
    """
    model = type(record)
    values = {field.attname: field.pre_save(record, add=False) for field in _update_fields(model, fields)}
    expected = record.version
    rows = model._base_manager.filter(pk=record.pk, version=expected).update(version=F("version") + 1, **values)
    if rows != 1:
        raise RecordChanged(record, record_current(record))
    record.version = expected + 1


def record_save(record, *, actor, fields=None, kind=None, track=True, before=None, extra_changes=None):
    """Validate ``record`` fully, stamp who changed it, save it and record the change in its history.

    ``fields`` limits the save to those columns (plus the audit columns).
    ``kind`` names the change for the history (created or updated by default);
    ``track=False`` leaves the history to the caller, for a workflow that
    records the change itself once it is complete; ``before``, the stored values
    when the caller has just read them (snapshot); ``extra_changes``, changes to
    record beside the columns' (crm.history.services.record_change). An existing record is
    written only if it is still at the version it was read at (RecordChanged
    otherwise), and its version goes up by one.
    """
    adding = record.pk is None or record._state.adding
    if adding:
        record.created_by = actor
        if getattr(record, "owner_id", None) is None:
            record.owner = actor
    record.modified_by = actor
    record.full_clean()
    if derived := set_derived_fields(record):
        if fields is not None:
            fields = [*fields, *(name for name in derived if name not in fields)]
    with transaction.atomic():
        if adding or not track:
            before = None
        elif before is None:
            before = snapshot(record, fields=fields)
        if adding:
            record.save()
        elif hasattr(record, "version"):
            record_update_checked(record, fields)
        elif fields is None:
            record.save()
        else:
            record.save(update_fields=[*fields, "modified_by", "modified_at"])
        if track:
            record_change(
                record=record,
                actor=actor,
                kind=kind or (ChangeKind.CREATED if adding else ChangeKind.UPDATED),
                before=before,
                fields=fields,
                extra_changes=extra_changes,
            )
    return record


def set_derived_fields(record) -> tuple:
    """Set the fields ``record``'s model derives from its others (its duplicate keys), if it has any; return
    their names, to be written with the fields they come from."""
    derive = getattr(record, "set_derived_fields", None)
    return derive() if derive is not None else ()


def refuse_computed_fields(model, names):
    """Refuse field names that are unknown or computed (state, totals, audit): only their workflows set those."""
    refused = []
    for name in names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            refused.append(name)
            continue
        if not field.editable or field.primary_key:
            refused.append(name)
    if refused:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(sorted(refused))},
            code="computed_field",
        )


def record_apply(record, *, actor, data, kind=None, extra_changes=None):
    """Set the given field values on ``record``, validate it and save the fields whose values changed.

    ``data`` may name the ``version`` the values were entered against (a form
    carries the version it was opened at); the save is refused with
    RecordChanged when the record has moved on since.
    """
    data = dict(data)
    expect_version(record, data.pop("version", None))
    refuse_computed_fields(type(record), data)
    # Compared with the stored values, not the instance's: a form may already have set its values on it.
    stored = snapshot(record, fields=list(data)) if record.pk is not None else {}
    changed = []
    for name, value in data.items():
        field = type(record)._meta.get_field(name)
        new = value.pk if field.is_relation and isinstance(value, models.Model) else value
        if field.attname not in stored or stored[field.attname] != new:
            changed.append(name)
        setattr(record, name, value)
    return record_save(record, actor=actor, kind=kind, fields=changed, before=stored, extra_changes=extra_changes)


def expect_version(record, version):
    """Make ``record``'s next save check against ``version`` (the one the user was shown), when given."""
    if version is not None and hasattr(record, "version"):
        record.version = int(version)
    return record


# Written by record_save itself on every save, so never part of a workflow's changed fields.
AUDIT_FIELDS = frozenset({"created_at", "created_by", "modified_at", "modified_by", "version"})


def record_values(record) -> dict:
    """The record's field values by field name, as they are on this instance (audit fields aside)."""
    return {
        field.name: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if not field.primary_key and field.name not in AUDIT_FIELDS
    }


def record_changed_fields(record, before: dict) -> list[str]:
    """The names of the fields whose values differ from ``before`` (record_values before a workflow changed it):
    the only columns the workflow's save writes.

    So that a column changed meanwhile by a path that does not check versions (a recalculation of base
    amounts, a data fix) is not written back with the value the workflow read.
    """
    return [name for name, value in record_values(record).items() if value != before[name]]


def record_lock_at_version(record):
    """Lock ``record``'s row and refuse (RecordChanged) when it is no longer at the version ``record`` names.

    For a delete: the user confirmed deleting the record as the page showed it, not as someone changed it since.
    Call inside the workflow's transaction, before it touches anything.
    """
    if not hasattr(record, "version"):
        return record
    return require_version(record, type(record)._base_manager.select_for_update().filter(pk=record.pk).first())


def record_reassign(*, record, owner, actor):
    """Give ``record`` to ``owner``; only its owner (with the right) or a manager may."""
    permissions.require(
        permissions.can_reassign(actor, record),
        _("You can reassign only records you own."),
    )
    if not owner.is_active:
        raise ValidationError({"owner": _("The new owner is not an active user.")}, code="owner_inactive")
    with transaction.atomic():
        record.owner = owner
        record_save(record, actor=actor, fields=["owner"], kind=ChangeKind.OWNER_CHANGED)
    return record


def record_delete(*, record, actor):
    """Delete ``record`` when the actor may and nothing depends on it."""
    permissions.require(
        permissions.can_delete(actor, record),
        _("You can delete only records you own."),
    )
    try:
        with transaction.atomic():
            record_lock_at_version(record)
            record_change(record=record, actor=actor, kind=ChangeKind.DELETED, before=snapshot(record), deleted=True)
            record.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("%(record)s cannot be deleted because other records refer to it (%(count)d). Deactivate it instead.")
            % {"record": record, "count": len(error.protected_objects)},
            code="protected",
        ) from error


class RecordValidator:
    """Validate records of one model as ``full_clean`` does, minus foreign keys, uniqueness and constraints.

    Field by field the result is exactly Model.clean_fields' (each field's
    clean(): to Python, choices, blank, validators), then the model's clean()
    runs. For the common case, a value already of the field's type (text for
    text fields, Decimal, int), the same checks run without the framework
    around them: the field's own validators, its length limit and its choices.
    Whenever that quick check does not accept a value, the field's clean()
    runs on it and its error is the one reported, so the messages are the
    forms' own. Values of other fields that a field has already accepted (a
    date, a currency) are remembered and not checked again.
    """

    CACHE_LIMIT = 2000

    def __init__(self, model):
        self.fields = [field for field in model._meta.concrete_fields if not field.is_relation and not field.generated]
        # What validate() needs of each field, looked up once rather than once per record: with a quick check,
        # no remembered values (the check is cheaper than the lookup); without one, the values accepted so far.
        self.checks = []
        for field in self.fields:
            quick = _quick_check(field)
            accepted = None if quick else {}
            self.checks.append(
                (field.attname, field.name, field.blank, field.empty_values, quick, accepted, field.clean)
            )

    def validate(self, record):
        errors = {}
        limit = self.CACHE_LIMIT
        values = record.__dict__
        for attname, name, blank, empty_values, quick, accepted, clean in self.checks:
            raw = values[attname]
            if blank and raw in empty_values:
                continue
            if quick is not None:
                if quick(raw):
                    continue
            else:
                try:
                    values[attname] = accepted[raw]
                    continue
                except (KeyError, TypeError):
                    pass
            try:
                cleaned = clean(raw, record)
            except ValidationError as error:
                # A copy: clean()'s errors are added to this list, which must not grow the field error's own.
                errors[name] = list(error.error_list)
                continue
            values[attname] = cleaned
            if accepted is not None and len(accepted) < limit:
                try:
                    accepted[raw] = cleaned
                except TypeError:
                    pass
        try:
            record.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        return record


def _eager(validator):
    """``validator``, or a copy of it whose lazily compiled patterns are compiled now.

    Django's validators compile their regular expressions on first use behind
    a lazy proxy that every call goes through; a copy holding the compiled
    patterns themselves checks the same way, without the proxy.
    """
    eager = validator
    for name in ("regex", "user_regex", "domain_regex", "literal_regex"):
        pattern = getattr(validator, name, None)
        if isinstance(pattern, LazyObject):
            if eager is validator:
                eager = copy.copy(validator)
            setattr(eager, name, re.compile(pattern.pattern, pattern.flags))
    return eager


def _quick_check(field):
    """A function telling whether ``field.clean`` would accept a value unchanged, for the common case; or None.

    It answers True only when clean() would return the value as it is: text
    (not empty) for text fields, a finite Decimal or an int for number fields,
    that passes the field's validators and is one of its choices. False means
    "not sure": the caller runs clean() itself.
    """
    if not field.editable:
        return None
    validators = [_eager(validator) for validator in field.validators]
    choices = None
    if field.choices is not None:
        choices = {key for key, _label in field.flatchoices}
    if isinstance(field, models.CharField | models.TextField):
        # CharField.to_python keeps text as it is; its length limit is the MaxLengthValidator.
        limits = [validator.limit_value for validator in validators if type(validator) is MaxLengthValidator]
        others = [validator for validator in validators if type(validator) is not MaxLengthValidator]
        if any(callable(limit) for limit in limits):
            return None
        longest = min(limits) if limits else None

        def quick(value):
            if type(value) is not str or not value:
                return False
            if longest is not None and len(value) > longest:
                return False
            if choices is not None and value not in choices:
                return False
            try:
                for validator in others:
                    validator(value)
            except ValidationError:
                return False
            return True

        return quick
    if choices is not None:
        return None
    if isinstance(field, models.DecimalField):
        kind = Decimal
    elif isinstance(field, models.IntegerField) and not isinstance(field, models.AutoField):
        kind = int
    else:
        return None

    def quick_number(value):
        # DecimalField.to_python(Decimal) and IntegerField.to_python(int) give back an equal value.
        if type(value) is not kind or (kind is Decimal and not value.is_finite()):
            return False
        try:
            for validator in validators:
                validator(value)
        except ValidationError:
            return False
        return True

    return quick_number


def _stamp(record, actor):
    if record.pk is None or record._state.adding:
        record.created_by = actor
        if getattr(record, "owner_id", None) is None:
            record.owner = actor
    record.modified_by = actor


def _new_record_stamper(model, actor):
    """_stamp for new records of ``model``, setting the audit links as their descriptors would, less the checks."""
    try:
        links = [model._meta.get_field(name) for name in ("created_by", "modified_by", "owner")]
    except FieldDoesNotExist:
        links = None
    if links is None or actor is None or actor.pk is None:
        return lambda record: _stamp(record, actor)

    database = router.db_for_write(model, instance=actor)

    def stamp(record):
        if record.pk is not None and not record._state.adding:
            _stamp(record, actor)
            return
        if record._state.db is None:
            record._state.db = database  # as the descriptor does when given a saved record
        for field in links:
            if field.name == "owner" and record.owner_id is not None:
                continue
            setattr(record, field.attname, actor.pk)
            field.set_cached_value(record, actor)

    return stamp


def record_validate(record, *, actor, validator=None):
    """Stamp who changes ``record`` and validate it as record_save does, without saving.

    Foreign keys, uniqueness and database constraints are left out: a bulk
    caller resolves the related records and checks uniqueness for the whole
    batch in one query, and the database constraints stay the last word.
    """
    _stamp(record, actor)
    (validator or RecordValidator(type(record))).validate(record)
    return record


def record_bulk_save(model, *, new, changed, actor, validator=None):
    """Validate and save many records of ``model`` in bulk; the caller holds the transaction.

    ``new`` is a list of unsaved records; ``changed`` a list of (record, names of
    the fields that changed). Returns (created, updated, [(record, ValidationError)]):
    a record that fails validation is not saved and is returned with its error.
    New records are written with one multi-row insert (COPY on PostgreSQL), see
    crm.bulk.insert_records.
    """
    from crm.bulk import defer_or_run, insert_records, update_records

    validator = validator or RecordValidator(model)
    now = timezone.now()
    created, updated, errors = [], [], []
    fields = set()
    stamp_new = _new_record_stamper(model, actor)
    for record in new:
        try:
            stamp_new(record)
            validator.validate(record)
        except ValidationError as error:
            errors.append((record, error))
            continue
        set_derived_fields(record)
        record.created_at = record.modified_at = now
        created.append(record)
    for record, names in changed:
        try:
            _stamp(record, actor)
            validator.validate(record)
        except ValidationError as error:
            errors.append((record, error))
            continue
        record.modified_at = now
        fields.update(set_derived_fields(record))
        if hasattr(record, "version"):
            # The import read the record under a row lock, so its version is the stored one.
            record.version += 1
            fields.add("version")
        updated.append(record)
        fields.update(name.removesuffix("_id") for name in names)
    if created:
        insert_records(model, created)
    if updated:
        # Runs now, or later in the import's writing thread (crm.bulk.deferred_writes).
        names = sorted(fields | {"modified_at", "modified_by"})
        defer_or_run(partial(update_records, model, updated, names))
    return created, updated, errors
