"""Writing activities: one function per action, each atomic, each through crm.services so its history is kept.

Who may: as for every record (crm.permissions): a Salesperson creates and
edits any activity and deletes or reassigns their own; a Sales Manager and a
System Administrator any. A completed or canceled activity is read-only until
it is reopened.
"""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from crm.activities import attachments
from crm.activities.models import REGARDING_FIELDS, Activity, ActivityKind, ActivityState, Attachment
from crm.history.models import ChangeKind
from crm.services import (
    record_apply,
    record_changed_fields,
    record_delete,
    record_reassign,
    record_save,
    record_sync,
    record_values,
    require_version,
)

# What a form may set; the state, its closing time and the audit columns are the workflows' own.
EDITABLE_FIELDS = (
    "subject",
    "description",
    "due_at",
    "ends_at",
    "all_day",
    "location",
    "priority",
    "direction",
    "phone_number",
    "duration_minutes",
    "outcome",
)


def regarding_field(record) -> str:
    """The name of the link an activity about ``record`` sets: account, contact, opportunity or invoice."""
    name = record._meta.model_name
    if name not in REGARDING_FIELDS:
        raise ValueError(f"An activity cannot regard a {name}.")
    return name


def _require_change(actor, activity):
    permissions.require(permissions.can_change(actor, activity), _("You do not have permission to change activities."))


def _require_open(activity):
    if activity.state != ActivityState.OPEN:
        raise ValidationError(
            _("This activity is %(state)s: reopen it to change it.") % {"state": activity.get_state_display().lower()},
            code="activity_closed",
        )


@transaction.atomic
def activity_create(*, kind: str, regarding, actor, owner=None, **values) -> Activity:
    """Create an activity of ``kind`` about ``regarding``; a note is written closed, as it happened."""
    permissions.require(permissions.can_add(actor, Activity), _("You do not have permission to add activities."))
    permissions.require(permissions.can_view(actor, type(regarding)), _("You cannot see that record."))
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not fields an activity's form sets: {', '.join(sorted(unknown))}")
    activity = Activity(kind=kind, owner=owner or actor, **values)
    setattr(activity, regarding_field(regarding), regarding)
    if kind == ActivityKind.NOTE:
        activity.state = ActivityState.COMPLETED
        activity.completed_at = timezone.now()
    return record_save(activity, actor=actor)


def note_create(*, regarding, text: str, actor, files=()) -> Activity:
    """Write a note about ``regarding`` (the Timeline's "Enter a note" box), with the files attached to it.

    Every file is checked before anything is written; one that is refused refuses the note, and a file
    stored for a note whose transaction does not commit is deleted again.
    """
    files = list(files)
    if len(files) > attachments.MAX_ATTACHMENTS:
        raise ValidationError(
            _("A note can carry at most %(count)d files.") % {"count": attachments.MAX_ATTACHMENTS},
            code="too_many_attachments",
        )
    checked = [(upload, *attachments.check(upload)) for upload in files]
    stored = []
    try:
        with transaction.atomic():
            note = activity_create(kind=ActivityKind.NOTE, regarding=regarding, actor=actor, description=text)
            for upload, name, size, content_type in checked:
                stored.append(attachments.store(upload))
                Attachment.objects.create(activity=note, file=stored[-1], name=name, size=size,
                                          content_type=content_type, created_by=actor)
    except BaseException:
        for path in stored:
            default_storage.delete(path)
        raise
    return note


@transaction.atomic
def activity_update(*, activity: Activity, data: dict, actor) -> Activity:
    """Change an open activity's fields (a note's text too), at the version the user read."""
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require_version(activity, locked)
    if locked.kind != ActivityKind.NOTE:
        _require_open(locked)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not fields an activity's form sets: {', '.join(sorted(unknown))}")
    saved = record_apply(locked, actor=actor, data=data)
    return record_sync(activity, saved)


def _close(activity, actor, state, kind):
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require_version(activity, locked)
    if locked.kind == ActivityKind.NOTE:
        raise ValidationError(_("A note is not opened or closed."), code="note_state")
    _require_open(locked)
    before = record_values(locked)
    locked.state = state
    locked.completed_at = timezone.now()
    saved = record_save(locked, actor=actor, kind=kind, fields=record_changed_fields(locked, before))
    return record_sync(activity, saved)


@transaction.atomic
def activity_complete(*, activity: Activity, actor) -> Activity:
    """Mark an open activity completed; it is read-only until reopened."""
    return _close(activity, actor, ActivityState.COMPLETED, ChangeKind.COMPLETED)


@transaction.atomic
def activity_cancel(*, activity: Activity, actor) -> Activity:
    """Cancel an open activity; it is read-only until reopened."""
    return _close(activity, actor, ActivityState.CANCELED, ChangeKind.ACTIVITY_CANCELED)


@transaction.atomic
def activity_reopen(*, activity: Activity, actor) -> Activity:
    """Open a completed or canceled activity again."""
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require_version(activity, locked)
    if locked.kind == ActivityKind.NOTE:
        raise ValidationError(_("A note is not opened or closed."), code="note_state")
    if locked.state == ActivityState.OPEN:
        raise ValidationError(_("This activity is already open."), code="already_open")
    before = record_values(locked)
    locked.state = ActivityState.OPEN
    locked.completed_at = None
    saved = record_save(locked, actor=actor, kind=ChangeKind.REOPENED, fields=record_changed_fields(locked, before))
    return record_sync(activity, saved)


def activity_reassign(*, activity: Activity, owner, actor) -> Activity:
    """Give the activity to another owner."""
    return record_reassign(record=activity, owner=owner, actor=actor)


@transaction.atomic
def activity_delete(*, activity: Activity, actor) -> None:
    """Delete an activity: its owner (Salesperson) or a Sales Manager or System Administrator; its files go
    once the delete has committed."""
    files = list(activity.attachments.values_list("file", flat=True))
    record_delete(record=activity, actor=actor)
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
