"""Writing activities: one function per action, each atomic, each through crm.services so its history is kept.

Who may: as for every record (crm.permissions): a Salesperson creates and
edits any activity and deletes or reassigns their own; a Sales Manager and a
System Administrator any. A completed or canceled activity is read-only until
it is reopened.
"""

import logging
import smtplib
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from crm.activities import attachments
from crm.activities.models import (
    REGARDING_FIELDS,
    Activity,
    ActivityKind,
    ActivityParty,
    ActivityState,
    Attachment,
    Direction,
    PartyRole,
    SendState,
)
from crm.activities.parties import party_texts, resolve
from crm.history.models import ChangeKind
from crm.history.services import record_change
from crm.services import (
    record_apply,
    record_bulk_save,
    record_changed_fields,
    record_delete,
    record_reassign,
    record_save,
    record_sync,
    record_values,
    require_version,
)

logger = logging.getLogger("crm.activities")

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


# The roles each kind has people in.
KIND_ROLES = {
    ActivityKind.EMAIL: (PartyRole.SENDER, PartyRole.TO, PartyRole.CC),
    ActivityKind.APPOINTMENT: (PartyRole.ATTENDEE,),
}


def _check_roles(kind, parties):
    unknown = {role for role, pairs in parties.items() if pairs} - set(KIND_ROLES.get(kind, ()))
    if unknown:
        raise ValueError(f"A {kind} has no {', '.join(sorted(unknown))}.")
    if len(parties.get(PartyRole.SENDER, ())) > 1:
        raise ValidationError({"sender": _("An email is from one address.")}, code="one_sender")


def _party_changes(before: dict, after: dict) -> dict:
    """The history's entry for the parties: each role whose addresses changed, as [old, new] lines."""
    return {
        role: [before.get(role, ""), after.get(role, "")]
        for role in PartyRole.values
        if before.get(role, "") != after.get(role, "")
    }


def _write_parties(activity, parties, actor) -> dict:
    """Replace the activity's parties by ``parties`` ({role: [(name, address)]}); return the history changes."""
    before = party_texts(activity.parties.all()) if activity.pk else {}
    rows = resolve(parties, user=actor)
    for row in rows:
        row.activity = activity
    ActivityParty.objects.filter(activity=activity).delete()
    ActivityParty.objects.bulk_create(rows)
    return _party_changes(before, party_texts(rows))


@transaction.atomic
def activity_create(*, kind: str, regarding, actor, owner=None, parties=None, send=False, **values) -> Activity:
    """Create an activity of ``kind`` about ``regarding``; a note is written closed, as it happened.

    ``parties`` ({role: [(name, address)]}, crm.activities.parties.parse_addresses) gives an email's from,
    to and cc, and an appointment's attendees. An email is logged completed, as sent or received (at
    ``due_at``, now if not given), unless ``send``: then it is queued for the task worker to send
    (email_send), and completed once sent.
    """
    permissions.require(permissions.can_add(actor, Activity), _("You do not have permission to add activities."))
    permissions.require(permissions.can_view(actor, type(regarding)), _("You cannot see that record."))
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not fields an activity's form sets: {', '.join(sorted(unknown))}")
    parties = parties or {}
    _check_roles(kind, parties)
    activity = Activity(kind=kind, owner=owner or actor, **values)
    setattr(activity, regarding_field(regarding), regarding)
    if send and kind != ActivityKind.EMAIL:
        raise ValueError("Only an email is sent.")
    if kind == ActivityKind.NOTE or (kind == ActivityKind.EMAIL and not send):
        activity.state = ActivityState.COMPLETED
        activity.completed_at = timezone.now()
        if kind == ActivityKind.EMAIL and activity.due_at is None:
            activity.due_at = activity.completed_at
    if not parties:
        record_save(activity, actor=actor)
    else:
        record_save(activity, actor=actor, track=False)
        changes = _write_parties(activity, parties, actor)
        record_change(record=activity, actor=actor, kind=ChangeKind.CREATED, extra_changes=changes)
    if send:
        return email_send(activity=activity, actor=actor)
    return activity


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
def activity_update(*, activity: Activity, data: dict, actor, parties=None) -> Activity:
    """Change an open activity's fields (a note's text too), and its parties when given, at the version the
    user read."""
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require_version(activity, locked)
    if locked.kind != ActivityKind.NOTE:
        _require_open(locked)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not fields an activity's form sets: {', '.join(sorted(unknown))}")
    changes = {}
    if parties is not None:
        _check_roles(locked.kind, parties)
        changes = _write_parties(locked, parties, actor)
    saved = record_apply(locked, actor=actor, data=data, extra_changes=changes)
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


def email_can_send(activity) -> bool:
    """Whether ``activity`` is an email the CRM may send: outgoing, open, with a recipient, email configured."""
    return (
        settings.CRM_EMAIL_ENABLED
        and activity.kind == ActivityKind.EMAIL
        and activity.direction == Direction.OUTGOING
        and activity.state == ActivityState.OPEN
        and activity.send_state in ("", SendState.FAILED)
    )


@transaction.atomic
def email_send(*, activity: Activity, actor) -> Activity:
    """Queue an open outgoing email for the task worker to send (crm.activities.tasks.email_deliver).

    It is sent once: a second click, or a second worker, finds it queued or sent. Sent, it is completed
    with its sent time; refused by the mail server, it stays open with the server's reason, to be sent again.
    """
    _require_change(actor, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require_version(activity, locked)
    if not settings.CRM_EMAIL_ENABLED:
        raise ValidationError(_("This CRM sends no email: its administrator has set no mail server."),
                              code="email_off")
    if locked.kind != ActivityKind.EMAIL or locked.direction != Direction.OUTGOING:
        raise ValidationError(_("Only an outgoing email can be sent."), code="not_outgoing_email")
    _require_open(locked)
    if locked.send_state == SendState.QUEUED:
        raise ValidationError(_("This email is already queued to send."), code="already_queued")
    if locked.send_state == SendState.SENT:
        # Reopened after it went out: it is not sent twice (a new email is).
        raise ValidationError(_("This email has been sent already."), code="already_sent")
    if not locked.parties.filter(role__in=(PartyRole.TO, PartyRole.CC)).exists():
        raise ValidationError(_("Give at least one address to send the email to."), code="no_recipient")
    if not locked.subject.strip():
        raise ValidationError(_("Give the subject."), code="subject_required")
    before = record_values(locked)
    locked.send_state = SendState.QUEUED
    locked.send_error = ""
    saved = record_save(locked, actor=actor, fields=record_changed_fields(locked, before))

    from crm.activities.tasks import email_deliver

    pk = saved.pk
    transaction.on_commit(lambda: email_deliver.enqueue(pk))
    return record_sync(activity, saved)


def email_message(activity, sender) -> EmailMessage:
    """The message for an email activity: the CRM's own address as From, with the sender's name, and the
    sender's address (the From party) as Reply-To, so the mail server need not let the CRM send as them."""
    parties = list(activity.parties.all())
    addresses = {role: [formataddr((p.name, p.email)) for p in parties if p.role == role] for role in PartyRole}
    own = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = sender.get_full_name() if sender else ""
    from_party = next((p for p in parties if p.role == PartyRole.SENDER), None)
    return EmailMessage(
        subject=" ".join(activity.subject.split()),
        body=activity.description,
        from_email=formataddr((name or own[0], own[1])),
        to=addresses[PartyRole.TO],
        cc=addresses[PartyRole.CC],
        reply_to=[formataddr((from_party.name, from_party.email))] if from_party else None,
        headers={"X-CRM-Activity": str(activity.pk)},
    )


def email_deliver_now(activity_id: int) -> str:
    """Send the queued email ``activity_id`` (the task worker's work); return its send state afterwards.

    The row stays locked while the mail server takes the message, so two workers given the same email send
    it once; one that is no longer queued (sent, or deleted) is left as it is.
    """
    with transaction.atomic():
        locked = Activity.objects.select_for_update(of=("self",)).select_related("modified_by")
        activity = locked.filter(pk=activity_id).first()
        if activity is None or activity.send_state != SendState.QUEUED or activity.state != ActivityState.OPEN:
            return activity.send_state if activity else ""
        sender = activity.modified_by
        before = record_values(activity)
        try:
            email_message(activity, sender).send()
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("Email activity %s was not sent: %s", activity_id, error)
            activity.send_state = SendState.FAILED
            activity.send_error = (str(error) or type(error).__name__)[:500]
            record_save(activity, actor=sender, fields=record_changed_fields(activity, before))
            return activity.send_state
        now = timezone.now()
        activity.send_state = SendState.SENT
        activity.state = ActivityState.COMPLETED
        activity.completed_at = now
        activity.due_at = now
        record_save(activity, actor=sender, kind=ChangeKind.COMPLETED,
                    fields=record_changed_fields(activity, before))
        return activity.send_state


def activity_import_batch(*, new: list[Activity], changed: list, actor, validator=None):
    """Validate and save a batch of imported activities in bulk, as activity_create and activity_update would one
    by one: a note is closed, a closed activity has its closing time.

    ``changed`` holds (activity, changed field names). The caller (the import) holds the transaction, has checked
    the permissions and the records the activities regard, and writes the change history with the batch.
    Returns (created, updated, [(activity, ValidationError)]).
    """
    errors = []
    closing = ValidationError({"state": _("A closed activity has its closing time.")}, code="closed_on")
    for activity in new:
        if activity.kind == ActivityKind.NOTE:
            activity.state = ActivityState.COMPLETED
            activity.completed_at = activity.completed_at or timezone.now()
    for activity in [*new, *(activity for activity, _names in changed)]:
        if (activity.state == ActivityState.OPEN) != (activity.completed_at is None):
            errors.append((activity, closing))
    refused = {id(activity) for activity, _error in errors}
    created, updated, failures = record_bulk_save(
        Activity,
        new=[activity for activity in new if id(activity) not in refused],
        changed=[(activity, names) for activity, names in changed if id(activity) not in refused],
        actor=actor,
        validator=validator,
    )
    return created, updated, errors + failures
