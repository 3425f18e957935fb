"""The change history: one row per change made to an account, contact, opportunity, invoice or activity."""

import datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The URL of an import job's page, once the import app provides it (see import_job_url).
IMPORT_JOB_URL_NAME = "imports:detail"


class Via(models.TextChoices):
    """The path a change came through."""

    WEB = "web", _("Web")
    ADMIN = "admin", _("Admin")
    IMPORT = "import", _("Import")
    COMMAND = "command", _("Command line")


class ChangeKind(models.TextChoices):
    # A context, so that Romanian can name the change ("Creare") apart from an import's count ("Create").
    CREATED = "created", pgettext_lazy("kind of change", "Created")
    UPDATED = "updated", pgettext_lazy("kind of change", "Updated")
    DELETED = "deleted", pgettext_lazy("kind of change", "Deleted")
    DEACTIVATED = "deactivated", pgettext_lazy("kind of change", "Deactivated")
    ACTIVATED = "activated", pgettext_lazy("kind of change", "Activated")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    CONTACT_ATTACHED = "contact_attached", _("Contact attached")
    CONTACT_DETACHED = "contact_detached", _("Contact detached")
    WON = "won", _("Closed as won")
    LOST = "lost", _("Closed as lost")
    REOPENED = "reopened", _("Reopened")
    PAID = "paid", _("Invoice paid")
    CANCELED = "canceled", _("Invoice canceled")
    COMPLETED = "completed", pgettext_lazy("kind of change", "Completed")
    ACTIVITY_CANCELED = "activity_canceled", _("Activity canceled")
    MERGED = "merged", pgettext_lazy("kind of change", "Merged")
    MERGE_UNDONE = "merge_undone", _("Merge undone")


class RecordType(models.TextChoices):
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    OPPORTUNITY = "opportunity", _("Opportunity")
    INVOICE = "invoice", _("Invoice")
    ACTIVITY = "activity", _("Activity")


# The model behind each record type, as "app_label.ModelName".
RECORD_MODELS = {
    RecordType.ACCOUNT: "accounts.Account",
    RecordType.CONTACT: "contacts.Contact",
    RecordType.OPPORTUNITY: "opportunities.Opportunity",
    RecordType.INVOICE: "invoices.Invoice",
    RecordType.ACTIVITY: "activities.Activity",
}


def record_model(record_type):
    return apps.get_model(RECORD_MODELS[record_type])


class ChangeEvent(models.Model):
    """Who changed which record, when, how, through which path, and which fields from what to what.

    Rows are written only by crm.history.services, inside the transaction of the
    change, and are never changed or deleted afterwards: on PostgreSQL a trigger
    refuses UPDATE, DELETE and TRUNCATE on the table (migration 0004), except the
    retention deletes of ``manage.py prune_history``. ``account`` and ``contact``
    are the customer the change concerns, so an account's timeline also shows its
    contacts', opportunities' and invoices' changes. They carry no database
    constraint: the history of a deleted record stays.
    """

    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A user who made a change is deactivated, never deleted: the history keeps who made each change.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    actor_name = models.CharField(_("changed by (name)"), max_length=150, blank=True)
    kind = models.CharField(_("kind of change"), max_length=20, choices=ChangeKind.choices)
    via = models.CharField(_("path"), max_length=10, choices=Via.choices)
    # The ImportJob the change came from; a plain id until the import app exists.
    import_job_id = models.BigIntegerField(_("import job"), null=True, blank=True)
    record_type = models.CharField(_("record type"), max_length=12, choices=RecordType.choices)
    record_id = models.BigIntegerField(_("record id"))
    record_label = models.CharField(_("record"), max_length=250)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
        db_index=False,  # change_account_recent_idx leads with it
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
        db_index=False,  # change_contact_recent_idx leads with it
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        ordering = ["-occurred_at", "-pk"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="change_account_recent_idx"),
            models.Index(fields=["contact", "-occurred_at", "-id"], name="change_contact_recent_idx"),
            models.Index(fields=["record_type", "record_id", "-occurred_at"], name="change_record_recent_idx"),
            models.Index(fields=["import_job_id"], name="change_import_job_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ChangeKind.values), name="change_kind_valid"),
            models.CheckConstraint(condition=models.Q(via__in=Via.values), name="change_via_valid"),
            models.CheckConstraint(
                condition=models.Q(record_type__in=RecordType.values), name="change_record_type_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.record_label}"

    def save(self, *args, **kwargs):
        # History is append-only: a stored change is never rewritten.
        if not self._state.adding:
            raise ValidationError(_("The change history cannot be edited."), code="history_read_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The change history cannot be deleted."), code="history_read_only")

    @property
    def record_url(self):
        """The record's page; None once the record is deleted."""
        if self.kind == ChangeKind.DELETED:
            return None
        return reverse(f"{record_model(self.record_type)._meta.app_label}:detail", args=[self.record_id])

    @property
    def import_job_url(self):
        if self.import_job_id is None:
            return None
        try:
            return reverse(IMPORT_JOB_URL_NAME, args=[self.import_job_id])
        except NoReverseMatch:
            return None

    def field_changes(self):
        """The changed fields as dicts of label, old and new, each value formatted for the reader's language."""
        model = record_model(self.record_type)
        rows = []
        for name, (old, new) in self.changes.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            rows.append(
                {
                    "name": name,
                    "label": field.verbose_name if field is not None else getattr(model, "history_labels", {}).get(
                        name, name
                    ),
                    "old": _display(field, old),
                    "new": _display(field, new),
                }
            )
        return rows


def _display(field, value):
    """Format a stored value for reading: choice labels, related records' names, localized numbers and dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return value.get("label", "")
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, models.DecimalField):
        try:
            return number_format(Decimal(value), field.decimal_places, use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return str(value)
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)
