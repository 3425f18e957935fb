"""Activities: the notes, tasks, phone calls, appointments and emails a salesperson keeps about a record.

As Dynamics' activities, each regards one record (an account, a contact, an
opportunity or an invoice: exactly one of the four links is set, which the
database checks), has an owner and the audit columns of every record
(crm.models.OwnedRecord), and is open, completed or canceled. A note is never
open: it is written as it happened. One table holds every kind, so that a
record's timeline and a salesperson's own activities are one indexed query
each; the fields a kind does not use stay empty.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import OwnedRecord


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    TASK = "task", _("Task")
    PHONE_CALL = "phone_call", _("Phone call")
    APPOINTMENT = "appointment", _("Appointment")
    EMAIL = "email", _("Email")


class ActivityState(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELED = "canceled", _("Canceled")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class SendState(models.TextChoices):
    """Where an email the CRM sends for a user stands: queued for the task worker, sent, or refused."""

    QUEUED = "queued", _("Queued to send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class PartyRole(models.TextChoices):
    SENDER = "from", _("From")
    TO = "to", _("To")
    CC = "cc", _("Cc")
    ATTENDEE = "attendee", _("Attendee")


# The records an activity can regard, by the name of its link to them.
REGARDING_FIELDS = ("account", "contact", "opportunity", "invoice")
# Kinds with a due date or a start: what My Activities' Overdue and Due views read.
SCHEDULED_KINDS = (ActivityKind.TASK, ActivityKind.PHONE_CALL, ActivityKind.APPOINTMENT)


def _regarding(model, related_name):
    return models.ForeignKey(
        model,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
        db_index=False,  # the timeline's index (regarding, newest first) leads with it
        verbose_name=_("regarding"),
    )


class Activity(OwnedRecord):
    kind = models.CharField(_("activity type"), max_length=12, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, validators=[MaxLengthValidator(20000)])
    account = _regarding("accounts.Account", "activities")
    contact = _regarding("contacts.Contact", "activities")
    opportunity = _regarding("opportunities.Opportunity", "activities")
    invoice = _regarding("invoices.Invoice", "activities")
    state = models.CharField(
        _("status"), max_length=10, choices=ActivityState.choices, default=ActivityState.OPEN, editable=False
    )
    # A task's due date, a phone call's or an appointment's start.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    location = models.CharField(_("location"), max_length=200, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    phone_number = models.CharField(_("phone number"), max_length=40, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MaxValueValidator(24 * 60 * 7)]
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("closed on"), null=True, blank=True, editable=False)
    # An email sent from the CRM: queued until the task worker has given it to the mail server.
    send_state = models.CharField(
        _("sending"), max_length=10, choices=SendState.choices, blank=True, editable=False
    )
    send_error = models.CharField(_("why it was not sent"), max_length=500, blank=True, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("delete_any_activity", _("Can delete activities owned by others")),
            ("reassign_activity", _("Can reassign own activities")),
            ("reassign_any_activity", _("Can reassign activities owned by others")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(account__isnull=False, contact__isnull=True, opportunity__isnull=True, invoice__isnull=True)
                    | Q(account__isnull=True, contact__isnull=False, opportunity__isnull=True, invoice__isnull=True)
                    | Q(account__isnull=True, contact__isnull=True, opportunity__isnull=False, invoice__isnull=True)
                    | Q(account__isnull=True, contact__isnull=True, opportunity__isnull=True, invoice__isnull=False)
                ),
                name="activity_regards_one_record",
                violation_error_message=_("An activity regards exactly one record."),
            ),
            models.CheckConstraint(condition=Q(kind__in=ActivityKind.values), name="activity_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=ActivityState.values), name="activity_state_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="activity_priority_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ActivityKind.NOTE) | ~Q(state=ActivityState.OPEN), name="activity_note_not_open"
            ),
            models.CheckConstraint(
                condition=Q(state=ActivityState.OPEN, completed_at__isnull=True)
                | (~Q(state=ActivityState.OPEN) & Q(completed_at__isnull=False)),
                name="activity_closed_on_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(send_state="") | Q(kind=ActivityKind.EMAIL, send_state__in=SendState.values),
                name="activity_send_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(due_at__isnull=True) | Q(ends_at__gte=F("due_at")),
                name="activity_ends_after_start",
                violation_error_message=_("The end must not be before the start."),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="activity_account_idx"),
            models.Index(fields=["contact", "-created_at", "-id"], name="activity_contact_idx"),
            models.Index(fields=["opportunity", "-created_at", "-id"], name="activity_opportunity_idx"),
            models.Index(fields=["invoice", "-created_at", "-id"], name="activity_invoice_idx"),
            # My Activities' dated views and the dashboard's counts: the kind included, so counting them reads
            # the index alone.
            models.Index(fields=["owner", "state", "due_at", "kind"], name="activity_owner_due_kind_idx"),
            # All my activities, newest first.
            models.Index(fields=["owner", "-created_at", "-id"], name="activity_owner_recent_idx"),
        ]

    # The history's names of the changes that are not columns: the parties, by role (crm.activities.parties).
    history_labels = {
        "from": _("From"),
        "to": _("To"),
        "cc": _("Cc"),
        "attendee": _("Attendees"),
    }

    def __str__(self):
        return self.subject or self.get_kind_display()

    def get_absolute_url(self):
        return reverse("activities:detail", args=[self.pk])

    @property
    def regarding(self):
        """The record this activity is about."""
        for name in REGARDING_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def is_open(self):
        return self.state == ActivityState.OPEN

    def clean(self):
        errors = {}
        if self.kind != ActivityKind.NOTE and not self.subject.strip():
            errors["subject"] = ValidationError(_("Give the subject."), code="subject_required")
        if self.kind == ActivityKind.NOTE and not self.description.strip():
            errors["description"] = ValidationError(_("Write the note."), code="note_empty")
        if self.kind == ActivityKind.APPOINTMENT and self.due_at is None:
            errors["due_at"] = ValidationError(_("Give the start of the appointment."), code="start_required")
        if self.due_at and self.ends_at and self.ends_at < self.due_at:
            errors["ends_at"] = ValidationError(_("The end must not be before the start."), code="ends_before_start")
        if sum(getattr(self, f"{name}_id") is not None for name in REGARDING_FIELDS) != 1:
            errors["__all__"] = ValidationError(_("An activity regards exactly one record."), code="regarding")
        if errors:
            raise ValidationError(errors)


class ActivityParty(models.Model):
    """Who an email is from, to and copied to, and who attends an appointment: a contact, a user, or an address.

    The address is kept as it was given, so the activity still says whom it was sent to when the contact's
    email changes; a typed address that is a contact's or a user's is linked to them.
    """

    # Led by the unique constraint's index (activity, role, email).
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="parties", db_index=False,
                                 verbose_name=_("activity"))
    role = models.CharField(_("role"), max_length=10, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("contact"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "role", "email"], name="activity_party_unique"),
            models.CheckConstraint(condition=Q(role__in=PartyRole.values), name="activity_party_role_valid"),
            models.CheckConstraint(condition=~Q(email=""), name="activity_party_has_email"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email


class Attachment(models.Model):
    """A file attached to a note (or any activity), stored through Django's storage API (crm.activities.attachments)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments",
                                 verbose_name=_("activity"))
    file = models.FileField(_("file"), max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("activities:attachment", args=[self.pk])
