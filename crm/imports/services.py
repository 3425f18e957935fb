"""Import workflows: start a job, run it (now or on the task worker), report its failed rows, undo it."""

import csv
import io
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.imports.engine import ImportOptions, ImportOutcome, run_import
from crm.imports.models import ImportAction, ImportJob, ImportRowIssue, ImportSource, ImportState
from crm.imports.readers import FileRefused, open_table

logger = logging.getLogger(__name__)

MODELS = {"accounts": Account, "contacts": Contact}


def background_threshold():
    """Files larger than this many bytes are imported by the task worker rather than during the request."""
    return getattr(settings, "CRM_IMPORT_BACKGROUND_THRESHOLD", 512 * 1024)


def require_import_permission(actor, target):
    permissions.require(actor.has_perm("crm.import_data"), _("You do not have permission to import data."))
    model = MODELS[target]
    permissions.require(
        permissions.can_add(actor, model)
        and actor.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"),
        _("You do not have permission to import data."),
    )


def import_file_check(uploaded_file):
    """Read the file's header and first row; raise ValidationError when it cannot be imported."""
    try:
        table = open_table(uploaded_file, size=getattr(uploaded_file, "size", None))
    except FileRefused as error:
        raise ValidationError(str(error), code="file_refused") from error
    finally:
        uploaded_file.seek(0)
    close = getattr(table.rows, "close", None)
    if close:
        close()
    return table


@transaction.atomic
def import_job_start(*, actor, target, uploaded_file, options: ImportOptions, source=ImportSource.WEB) -> ImportJob:
    """Record an import job for ``uploaded_file``; run it now when small, else queue it for the task worker.

    The file is checked first: a file that cannot be imported raises
    ValidationError and nothing is recorded.
    """
    require_import_permission(actor, target)
    table = import_file_check(uploaded_file)
    job = ImportJob(
        target=target,
        mode=options.mode,
        all_or_nothing=options.all_or_nothing,
        create_missing_accounts=options.create_missing_accounts,
        dry_run=options.dry_run,
        source=source,
        file_name=getattr(uploaded_file, "name", "") or "upload",
        file_size=getattr(uploaded_file, "size", 0) or 0,
        file_format=table.format,
        total_rows=table.total,
        created_by=actor,
    )
    job.file.save(job.file_name.rsplit("/", 1)[-1], File(uploaded_file), save=False)
    job.save()
    if job.file_size > background_threshold():
        from crm.imports.tasks import run_import_job

        transaction.on_commit(lambda: _enqueue(job, run_import_job))
    else:
        transaction.on_commit(lambda: import_job_run(job=job))
    return job


def _enqueue(job, task):
    result = task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def _options(job):
    return ImportOptions(
        target=job.target,
        mode=job.mode,
        all_or_nothing=job.all_or_nothing,
        create_missing_accounts=job.create_missing_accounts,
        dry_run=job.dry_run,
    )


def import_job_run(*, job: ImportJob, table=None) -> ImportOutcome | None:
    """Run a recorded job to the end, keeping its state, counts and timings; never raises for bad rows."""
    job.refresh_from_db()
    if job.state not in (ImportState.QUEUED,):
        return None
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, started_at=now, heartbeat_at=now)
    job.state, job.started_at = ImportState.RUNNING, now
    outcome = None
    try:
        if table is None:
            job.file.open("rb")
            table = open_table(job.file.file)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=table.total, file_format=table.format)
        job.total_rows = table.total
        outcome = run_import(table=table, options=_options(job), actor=job.created_by, job=job)
        state, message = ImportState.COMPLETED, _outcome_message(job, outcome)
    except FileRefused as error:
        state, message = ImportState.FAILED, str(error)
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        state = ImportState.FAILED
        message = _(
            "The import stopped: %(error)s. The rows imported before it stopped are kept; "
            "import the same file again to complete it."
        ) % {"error": error}
    finally:
        if job.file:
            job.file.close()
    job.refresh_from_db()
    job.state = state
    job.message = message
    job.finished_at = timezone.now()
    if outcome is not None:
        job.column_mapping = outcome.mapping
        job.ignored_columns = outcome.ignored_columns
        job.headers = outcome.headers
    job.save(update_fields=["state", "message", "finished_at", "column_mapping", "ignored_columns", "headers"])
    return outcome


def _outcome_message(job, outcome):
    parts = []
    if outcome.rolled_back and not job.dry_run:
        parts.append(_("Nothing was imported: some rows failed and the import was set to all or nothing."))
    if job.dry_run:
        parts.append(_("Dry run: nothing was written."))
    if outcome.accounts_created:
        parts.append(_("%(count)d missing accounts were created.") % {"count": outcome.accounts_created})
    return " ".join(parts)


def import_job_mark_stale(*, older_than=None):
    """Mark running jobs whose worker stopped reporting progress as failed; return how many."""
    if older_than is None:
        older_than = timezone.timedelta(seconds=getattr(settings, "CRM_IMPORT_STALE_AFTER", 600))
    limit = timezone.now() - older_than
    return ImportJob.objects.filter(state=ImportState.RUNNING, heartbeat_at__lt=limit).update(
        state=ImportState.FAILED,
        finished_at=timezone.now(),
        message=_(
            "The import stopped without finishing. The rows it imported are kept; import the same file again "
            "to complete it."
        ),
    )


# Failed rows --------------------------------------------------------------------------------


def failed_rows(job=None, *, headers=None, issues=None):
    """Yield the header (the file's own plus Error) and each failed row with its reason.

    Reads a recorded job's failed rows, or the in-memory ``issues`` of a dry run.
    """
    if job is not None:
        headers = job.headers
        issues = job.issues.filter(kind=ImportRowIssue.Kind.FAILED).order_by("row_number", "pk").iterator()
    else:
        issues = sorted(
            (issue for issue in issues if issue.kind == ImportRowIssue.Kind.FAILED), key=lambda issue: issue.row_number
        )
    yield [*headers, _("Error")]
    current_number, current = None, None
    for issue in issues:
        if issue.row_number == current_number:
            current[-1] += " " + issue.message
            continue
        if current is not None:
            yield current
        current_number, current = issue.row_number, [*issue.values, issue.message]
    if current is not None:
        yield current


def write_failed_rows(rows, path_or_buffer, *, as_xlsx=False):
    """Write failed rows (from failed_rows) as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    from crm.imports.exports import neutralise

    if as_xlsx:
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Failed rows"))
        for row in rows:
            sheet.append([neutralise(cell) for cell in row])
        workbook.save(path_or_buffer)
        return
    if isinstance(path_or_buffer, str | bytes) or hasattr(path_or_buffer, "__fspath__"):
        with open(path_or_buffer, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows([neutralise(cell) for cell in row] for row in rows)
        return
    text = io.TextIOWrapper(path_or_buffer, encoding="utf-8-sig", newline="", write_through=True)
    csv.writer(text).writerows([neutralise(cell) for cell in row] for row in rows)
    text.detach()


# Undo ---------------------------------------------------------------------------------------


@transaction.atomic
def import_job_undo(*, job: ImportJob, actor):
    """Remove what the job created and restore what it updated, leaving alone records changed since.

    Returns the list of (record label, reason) left alone.
    """
    require_import_permission(actor, job.target)
    if job.state != ImportState.COMPLETED or job.dry_run:
        raise ValidationError(_("Only a completed import can be undone."), code="not_undoable")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.undone_at:
        raise ValidationError(_("This import was already undone."), code="already_undone")
    left_alone = []
    # Contacts first, so accounts created for them are free to go. Records are read in chunks, locked.
    for target in ("contacts", "accounts"):
        links = job.records.filter(target=target).order_by("pk")
        for start in range(0, links.count(), UNDO_CHUNK):
            chunk = list(links[start : start + UNDO_CHUNK])
            left_alone += _undo_chunk(target, chunk, actor)
    job.state = ImportState.UNDONE
    job.undone_at = timezone.now()
    job.undone_by = actor
    job.message = (job.message + " " if job.message else "") + _undo_message(left_alone)
    job.save(update_fields=["state", "undone_at", "undone_by", "message"])
    return left_alone


UNDO_CHUNK = 500


def _undo_chunk(target, links, actor):
    from invoices.models import Invoice
    from opportunities.models import Opportunity

    model = MODELS[target]
    records = model.objects.select_for_update().in_bulk([link.object_id for link in links])
    left_alone, deletable = [], []
    for link in links:
        record = records.get(link.object_id)
        if record is None:
            continue
        if record.modified_at != link.written_at:
            left_alone.append((str(record), _("changed after the import")))
        elif link.action == ImportAction.CREATED:
            deletable.append(record)
        else:
            reason = _undo_update(record, link.previous or {}, actor)
            if reason:
                left_alone.append((str(record), reason))
    if not deletable:
        return left_alone
    key = "account_id__in" if target == "accounts" else "contact_id__in"
    ids = [record.pk for record in deletable]
    in_use = set(Opportunity.objects.filter(**{key: ids}).values_list(key.removesuffix("__in"), flat=True))
    in_use |= set(Invoice.objects.filter(**{key: ids}).values_list(key.removesuffix("__in"), flat=True))
    left_alone += [(str(record), _("has opportunities or invoices")) for record in deletable if record.pk in in_use]
    ids = [pk for pk in ids if pk not in in_use]
    if target == "accounts":
        Account.objects.filter(parent_account_id__in=ids).update(parent_account=None)
        Contact.objects.filter(account_id__in=ids).update(account=None)
        Account.objects.filter(pk__in=ids).delete()
    else:
        Account.objects.filter(primary_contact_id__in=ids).update(primary_contact=None)
        Contact.objects.filter(pk__in=ids).delete()
    return left_alone


def _undo_update(record, previous, actor):
    from crm.services import record_save

    for name, value in previous.items():
        if name == "account_id" and value is None and record.account_id is not None:
            Account.objects.filter(pk=record.account_id, primary_contact=record).update(primary_contact=None)
        field = record._meta.get_field(name.removesuffix("_id"))
        setattr(record, field.attname, field.to_python(value) if value is not None else None)
    try:
        record_save(record, actor=actor)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _undo_message(left_alone):
    if not left_alone:
        return _("Undone.")
    return _("Undone, except %(count)d records changed since or in use: %(records)s.") % {
        "count": len(left_alone),
        "records": "; ".join(f"{label} ({reason})" for label, reason in left_alone[:50]),
    }
