"""Reads of the change history: the timeline of an account or a contact."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from crm import permissions
from crm.history.models import ChangeEvent, RecordType, record_model


def readable_record_types(user) -> list[str]:
    """The record types whose history the user may read: those whose records they may read."""
    return [record_type for record_type in RecordType.values if permissions.can_view(user, record_model(record_type))]


def timeline(*, user, account=None, contact=None, kind=None):
    """The changes concerning an account or a contact, newest first, each import job collapsed into one entry.

    The changes of the account's contacts, opportunities and invoices are
    included; so are a contact's opportunities and invoices. An import job's
    changes show as their newest change, annotated with ``job_changes`` (how
    many changes the job made here); other entries have ``job_changes`` 1.
    """
    events = ChangeEvent.objects.filter(record_type__in=readable_record_types(user))
    if account is not None:
        events = events.filter(account_id=account.pk)
    if contact is not None:
        events = events.filter(contact_id=contact.pk)
    if kind:
        events = events.filter(kind=kind)
    same_job = events.filter(import_job_id=OuterRef("import_job_id"))
    newest_of_job = same_job.order_by("-occurred_at", "-pk").values("pk")[:1]
    job_size = same_job.order_by().values("import_job_id").annotate(n=Count("pk")).values("n")
    return (
        events.filter(Q(import_job_id__isnull=True) | Q(pk=Subquery(newest_of_job)))
        .annotate(job_changes=Coalesce(Subquery(job_size, output_field=IntegerField()), Value(1)))
        .select_related("actor")
        .order_by("-occurred_at", "-pk")
    )


def record_changes(user, record):
    """The change-history entries a record's Timeline shows: an account's or a contact's with what concerns it
    (timeline above), any other record's own; None when the user may not read that history."""
    record_type = record._meta.model_name
    if record_type not in readable_record_types(user):
        return None
    if record_type == RecordType.ACCOUNT:
        return timeline(user=user, account=record)
    if record_type == RecordType.CONTACT:
        return timeline(user=user, contact=record)
    own = ChangeEvent.objects.filter(record_type=record_type, record_id=record.pk)
    return own.annotate(job_changes=Value(1, output_field=IntegerField())).select_related("actor").order_by(
        "-occurred_at", "-pk"
    )
