"""Services shared by every CRM record: saving with validation, reassigning, deleting."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions


def record_save(record, *, actor, fields=None):
    """Validate ``record`` fully, stamp who changed it, and save it.

    ``fields`` limits the save to those columns (plus the audit columns).
    """
    if record.pk is None or record._state.adding:
        record.created_by = actor
        if getattr(record, "owner_id", None) is None:
            record.owner = actor
    record.modified_by = actor
    record.full_clean()
    if fields is None:
        record.save()
    else:
        record.save(update_fields=[*fields, "modified_by", "modified_at"])
    return record


def record_apply(record, *, actor, data):
    """Set the given field values on ``record``, validate and save it."""
    for name, value in data.items():
        setattr(record, name, value)
    return record_save(record, actor=actor)


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
        record_save(record, actor=actor, fields=["owner"])
    return record


def record_delete(*, record, actor):
    """Delete ``record`` when the actor may and nothing depends on it."""
    permissions.require(
        permissions.can_delete(actor, record),
        _("You can delete only records you own."),
    )
    try:
        with transaction.atomic():
            record.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("%(record)s cannot be deleted because other records refer to it (%(count)d). Deactivate it instead.")
            % {"record": record, "count": len(error.protected_objects)},
            code="protected",
        ) from error


def record_validate(record, *, actor):
    """Stamp who changes ``record`` and validate it as record_save does, without saving.

    Foreign keys, uniqueness and database constraints are left out: a bulk
    caller resolves the related records and checks uniqueness for the whole
    batch in one query, and the database constraints stay the last word.
    """
    if record.pk is None or record._state.adding:
        record.created_by = actor
        if getattr(record, "owner_id", None) is None:
            record.owner = actor
    record.modified_by = actor
    foreign_keys = [field.name for field in record._meta.concrete_fields if field.is_relation]
    record.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)
    return record


def record_bulk_save(model, *, new, changed, actor):
    """Validate and save many records of ``model`` in two statements; the caller holds the transaction.

    ``new`` is a list of unsaved records; ``changed`` a list of (record, names of
    the fields that changed). Returns (created, updated, [(record, ValidationError)]):
    a record that fails validation is not saved and is returned with its error.
    """
    now = timezone.now()
    created, updated, errors = [], [], []
    fields = set()
    for record in new:
        try:
            created.append(record_validate(record, actor=actor))
        except ValidationError as error:
            errors.append((record, error))
    for record, names in changed:
        try:
            record_validate(record, actor=actor)
        except ValidationError as error:
            errors.append((record, error))
            continue
        record.modified_at = now
        updated.append(record)
        fields.update(name.removesuffix("_id") for name in names)
    if created:
        model.objects.bulk_create(created, batch_size=500)
    if updated:
        model.objects.bulk_update(updated, fields=sorted(fields | {"modified_at", "modified_by"}), batch_size=500)
    return created, updated, errors
