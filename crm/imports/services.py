"""Import workflows: start a job, run it (now or on the task worker), report its failed rows, undo it."""

import csv
import io
import logging

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import jobs, permissions
from crm.imports.engine import DEFAULT_BATCH_SIZE, ImportOptions, ImportOutcome, run_import
from crm.imports.models import ImportAction, ImportJob, ImportRowIssue, ImportSource, ImportState
from crm.imports.readers import FileRefused, open_table
from crm.imports.registry import import_kind
from crm.imports.sandbox import TooSlowToCheck

logger = logging.getLogger(__name__)



def background_threshold():
    """Files larger than this many bytes are imported by the task worker rather than during the request."""
    return getattr(settings, "CRM_IMPORT_BACKGROUND_THRESHOLD", 512 * 1024)


def require_import_permission(actor, target):
    permissions.require(actor.has_perm("crm.import_data"), _("You do not have permission to import data."))
    model = import_kind(target).model
    permissions.require(
        permissions.can_add(actor, model)
        and actor.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"),
        _("You do not have permission to import data."),
    )


def check_seconds():
    """How long an upload waits for the sandbox to read a file's header before leaving the check to the worker."""
    return getattr(settings, "CRM_IMPORT_CHECK_SECONDS", 1.0)


def import_file_check(uploaded_file, *, encoding=None):
    """Read the file's header and first row; raise ValidationError when it cannot be imported.

    Returns the Table, or None when the file's header could not be read within check_seconds() (a
    workbook that expands to far more than its size): the job then checks it on the task worker.
    """
    try:
        table = open_table(
            uploaded_file, size=getattr(uploaded_file, "size", None), within=check_seconds(), encoding=encoding
        )
    except TooSlowToCheck:
        return None
    except FileRefused as error:
        raise ValidationError(str(error), code="file_refused") from error
    finally:
        uploaded_file.seek(0)
    close = getattr(table.rows, "close", None)
    if close:
        close()
    return table


def _runs_on_the_worker(job, table) -> bool:
    # The unpacked size of a workbook, not the size of its archive, is what reading it costs.
    read_size = table.extra.get("read_size", job.file_size) if table is not None else None
    return table is None or max(job.file_size, read_size) > background_threshold()


UNCHECKED = object()


@transaction.atomic
def import_job_start(
    *, actor, target, uploaded_file, options: ImportOptions, source=ImportSource.WEB, checked=UNCHECKED, encoding=""
) -> ImportJob:
    """Record an import job for ``uploaded_file``; run it now when small, else queue it for the task worker.

    The file is checked first (``checked``: what import_file_check returned, when the caller's form
    already ran it): a file that cannot be imported raises ValidationError and nothing is recorded.
    """
    job, table = import_job_record(
        actor=actor,
        target=target,
        uploaded_file=uploaded_file,
        options=options,
        source=source,
        checked=checked,
        encoding=encoding,
    )
    launch(job, table=table)
    return job


def import_job_record(
    *, actor, target, uploaded_file, options, source=ImportSource.WEB, checked=UNCHECKED, encoding="",
    state=ImportState.QUEUED,
):
    """Check ``uploaded_file`` (unless ``checked``), store it with a new job in ``state``; return (job, its Table).

    The caller holds the transaction. A file that cannot be imported raises ValidationError, recording nothing.
    """
    require_import_permission(actor, target)
    table = import_file_check(uploaded_file, encoding=encoding or None) if checked is UNCHECKED else checked
    job = ImportJob(
        encoding=encoding or "",
        target=target,
        mode=options.mode,
        all_or_nothing=options.all_or_nothing,
        create_missing_accounts=options.create_missing_accounts,
        dry_run=options.dry_run,
        on_duplicate=options.on_duplicate,
        source=source,
        state=state,
        file_name=getattr(uploaded_file, "name", "") or "upload",
        file_size=getattr(uploaded_file, "size", 0) or 0,
        file_format=table.format if table is not None else "",
        total_rows=table.total if table is not None else None,
        headers=list(table.headers) if table is not None else [],
        created_by=actor,
    )
    job.file.save(job.file_name.rsplit("/", 1)[-1], File(uploaded_file), save=False)
    job.save()
    return job, table


def launch(job, *, table, read_size=None):
    """Once the transaction commits, run a queued job now when it is small, else queue it for the task worker.

    Without the file's table (a job the wizard prepared), its size on disk decides.
    """
    if (read_size is not None and read_size > background_threshold()) or (
        read_size is None and _runs_on_the_worker(job, table)
    ):
        from crm.imports.tasks import run_import_job

        transaction.on_commit(lambda: _enqueue(job, run_import_job))
    else:
        transaction.on_commit(lambda: import_job_run(job=job))


def _enqueue(job, task):
    result = task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def _options(job, *, resume=False, batch_size=None):
    single_transaction = job.all_or_nothing or job.dry_run
    return ImportOptions(
        batch_size=batch_size or DEFAULT_BATCH_SIZE,
        target=job.target,
        mode=job.mode,
        all_or_nothing=job.all_or_nothing,
        create_missing_accounts=job.create_missing_accounts,
        dry_run=job.dry_run,
        on_duplicate=job.on_duplicate,
        # Each committed batch counted its rows into processed_rows in its own transaction; one transaction
        # for the whole file (all or nothing, dry run) committed nothing, so it starts again from the top.
        skip_rows=job.processed_rows if resume and not single_transaction else 0,
        # The wizard's choices (JSON: the header indexes are text).
        columns=None
        if job.chosen_columns is None
        else {int(index): key for index, key in job.chosen_columns.items()},
        values=job.chosen_values,
    )


RESUMABLE = (ImportState.QUEUED, ImportState.INTERRUPTED)


def import_job_run(*, job: ImportJob, table=None, resume=None, batch_size=None) -> ImportOutcome | None:
    """Run a recorded job to the end, keeping its state, counts and timings; never raises for bad rows.

    A queued job starts; an interrupted one (its worker stopped, see
    import_jobs_recover) resumes after the rows its committed batches hold,
    as does a failed one given ``resume=True`` (import_data --resume). Only
    one process runs a job: the one whose claim of it (an UPDATE on its
    state) matched.
    """
    job.refresh_from_db()
    states = (*RESUMABLE, ImportState.FAILED) if resume else RESUMABLE
    if job.state not in states:
        return None
    resuming = job.state != ImportState.QUEUED
    # Taking a failed job over (import_data --resume) fences off any run of it still alive somewhere:
    # that run's batches and its end are written only while the job's resumes are the ones it started with.
    resumes = job.resumes + 1 if job.state == ImportState.FAILED else job.resumes
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, state=job.state, resumes=job.resumes).update(
        state=ImportState.RUNNING, started_at=job.started_at or now, heartbeat_at=now, finished_at=None,
        resumes=resumes,
    )
    if not claimed:
        return None
    job.state, job.started_at, job.heartbeat_at, job.resumes = ImportState.RUNNING, job.started_at or now, now, resumes
    outcome = None
    try:
        with import_heartbeat(job):
            if table is None:
                job.file.open("rb")
                table = open_table(job.file.file, encoding=job.encoding or None)
            ImportJob.objects.filter(pk=job.pk).update(total_rows=table.total, file_format=table.format)
            job.total_rows = table.total
            options = _options(job, resume=resuming, batch_size=batch_size)
            outcome = run_import(table=table, options=options, actor=job.created_by, job=job)
        state, message = ImportState.COMPLETED, _outcome_message(job, outcome)
    except FileRefused as error:
        state, message = ImportState.FAILED, str(error)
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        state = ImportState.FAILED
        message = _(
            "The import stopped: %(error)s. The rows imported before it stopped are kept; "
            "import the same file again, or resume the job, to complete it."
        ) % {"error": error}
    finally:
        if job.file:
            job.file.close()
    _finish(job, state=state, message=message, outcome=outcome)
    return outcome


def import_job_stopped(*, job, reason):
    """Record that this process's run of ``job`` was stopped part-way (its committed batches are kept)."""
    message = _(
        "The import stopped: %(error)s. The rows imported before it stopped are kept; "
        "import the same file again, or resume the job, to complete it."
    ) % {"error": reason}
    _finish(job, state=ImportState.FAILED, message=message, outcome=None)


def _finish(job, *, state, message, outcome):
    """Record how the run ended, unless the job was taken over by a resumed run meanwhile.

    After a lost database connection the first attempt fails; Django opens a
    new connection for the second.
    """
    for attempt in (1, 2):
        try:
            stored = ImportJob.objects.filter(pk=job.pk).values("message", "resumes", "state").first()
            if stored is None or stored["resumes"] != job.resumes or stored["state"] != ImportState.RUNNING:
                # Another run took the job over, or it was failed or undone meanwhile: that says how it ends.
                job.refresh_from_db()
                return
            fields = {
                "state": state,
                "message": " ".join(part for part in (stored["message"], message) if part),
                "finished_at": timezone.now(),
            }
            if outcome is not None:
                fields.update(
                    column_mapping=outcome.mapping,
                    ignored_columns=outcome.ignored_columns,
                    headers=outcome.headers,
                    file_notes=outcome.file_notes,
                )
            ImportJob.objects.filter(pk=job.pk, resumes=job.resumes, state=ImportState.RUNNING).update(**fields)
            job.refresh_from_db()
            return
        except (OperationalError, InterfaceError):
            if attempt == 2:
                raise
            connections.close_all()


def import_heartbeat(job):
    """While an import runs, a thread stamps its heartbeat every few seconds, on a connection of its own.

    The batches stamp it too, with their counts; this one also covers a long
    phase with no batch (opening a large workbook, one transaction for the whole
    file). A worker that dies stops both, and import_jobs_recover notices.
    """
    running = ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING, resumes=job.resumes)
    return jobs.Heartbeat(running, every=stale_after().total_seconds() / 4, name=f"import-heartbeat-{job.pk}")


def stale_after():
    return timezone.timedelta(seconds=getattr(settings, "CRM_IMPORT_STALE_AFTER", 60))


def import_jobs_recover(*, now=None) -> list[ImportJob]:
    """Find running jobs whose worker stopped (no heartbeat for CRM_IMPORT_STALE_AFTER) and resume or fail them.

    Each such job is marked interrupted and queued again, to resume after its
    last committed batch, at most CRM_IMPORT_MAX_RESUMES times; then, or when
    there is no stored file to read again (the command line's), it is failed
    with the reason. Its task row, left RUNNING by the dead worker, is marked
    failed. Every task worker runs this when it starts and at intervals
    (crm/management/commands/db_worker.py), so no one has to open a page.
    Returns the jobs it changed.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    limit = now - stale_after()
    most = getattr(settings, "CRM_IMPORT_MAX_RESUMES", 3)
    changed, resume = [], []
    with transaction.atomic():
        stale = ImportJob.objects.select_for_update(skip_locked=True).filter(
            state=ImportState.RUNNING, heartbeat_at__lt=limit
        )
        for job in stale:
            if job.task_id:
                DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path="crm.imports.services.WorkerStopped",
                    traceback="The worker stopped while running this task (no heartbeat); the import job was "
                    "resumed or failed by import_jobs_recover.",
                )
            row = intcomma(job.processed_rows)
            resumed = job.resumes
            # Every takeover counts, so the silent run, should it come back, can write nothing more.
            job.resumes += 1
            if not job.file:
                job.state = ImportState.FAILED
                note = _(
                    "The import stopped at row %(row)s without finishing (its process ended). The rows before are "
                    "kept; resume it with: manage.py import_data %(target)s FILE --resume %(job)d."
                ) % {"row": row, "target": job.target, "job": job.pk}
            elif resumed >= most:
                job.state = ImportState.FAILED
                note = _(
                    "The worker stopped at row %(row)s again; the import was resumed %(count)d times and is not "
                    "resumed any more. The rows before are kept."
                ) % {"row": row, "count": resumed}
            else:
                job.state = ImportState.INTERRUPTED
                note = _("The worker stopped at row %(row)s; the import was queued to resume from there.") % {
                    "row": row
                }
                resume.append(job)
            job.message = " ".join(part for part in (job.message, note) if part)
            job.finished_at = now if job.state == ImportState.FAILED else None
            job.save(update_fields=["state", "resumes", "message", "finished_at"])
            changed.append(job)
        for job in resume:
            # In the same transaction: the task row (the queue is a table of this database) commits with the
            # job's new state, or neither does; no interrupted job is left without its task.
            _enqueue_resume(job.pk)
    for job in changed:
        logger.warning("Import job %s: worker stopped at row %s; now %s", job.pk, job.processed_rows, job.state)
    return changed


def _enqueue_resume(job_id):
    from crm.imports.tasks import run_import_job

    _enqueue(ImportJob.objects.get(pk=job_id), run_import_job)


def _outcome_message(job, outcome):
    parts = []
    if outcome.rolled_back and not job.dry_run:
        parts.append(_("Nothing was imported: some rows failed and the import was set to all or nothing."))
    if job.dry_run:
        parts.append(_("Dry run: nothing was written."))
    if outcome.accounts_created:
        parts.append(_("%(count)d missing accounts were created.") % {"count": outcome.accounts_created})
    return " ".join(parts)


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
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        def xlsx_cell(value):
            # A workbook cannot hold the control characters that failed a row; each is shown as U+FFFD.
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            return neutralise(value)

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Failed rows"))
        for row in rows:
            sheet.append([xlsx_cell(cell) for cell in row])
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

# A job in these states writes no more: what its committed batches wrote can be undone.
UNDOABLE_STATES = (ImportState.COMPLETED, ImportState.FAILED, ImportState.INTERRUPTED)

UNDO_CHUNK = 500


def import_job_can_undo(job: ImportJob) -> bool:
    """Whether ``job`` wrote records that can still be undone (the job page offers Undo then)."""
    return job.state in UNDOABLE_STATES and not job.dry_run and not job.undone_at


@transaction.atomic
def import_job_undo(*, job: ImportJob, actor):
    """Remove what the job created and restore what it updated, keeping what others have done since.

    A created record that has gained contacts, child accounts, opportunities or
    invoices since, or was changed since, stays; an updated record gets back
    only the fields that still hold the values the import wrote. Every
    deletion, detachment and restore goes into the change history under
    ``actor``. Works through the job's records in chunks, a fixed number of
    queries each. Returns the list of (record label, reason) left alone, in
    full or in part.
    """
    require_import_permission(actor, job.target)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.dry_run:
        raise ValidationError(_("A dry run writes nothing, so there is nothing to undo."), code="dry_run")
    if job.undone_at or job.state == ImportState.UNDONE:
        raise ValidationError(_("This import was already undone."), code="already_undone")
    if job.state not in UNDOABLE_STATES:
        raise ValidationError(
            _("This import is still running: it can be undone once it has finished or stopped."), code="not_finished"
        )
    left_alone = []
    # The job's own records first, then the others it wrote (a contact import's missing accounts), so that those
    # are free to go unless others' records are on them.
    for target in (job.target, *import_kind(job.target).importer.writes_also):
        links = job.records.filter(target=target).order_by("pk")
        last = 0
        while chunk := list(links.filter(pk__gt=last)[:UNDO_CHUNK]):
            left_alone += _undo_chunk(job, target, chunk, actor)
            if len(chunk) < UNDO_CHUNK:
                break
            last = chunk[-1].pk
    job.state = ImportState.UNDONE
    job.undone_at = timezone.now()
    job.undone_by = actor
    if left_alone:
        # The job page says it was undone (in the reader's language) from undone_at; this keeps the exceptions.
        job.message = (job.message + " " if job.message else "") + _undo_message(left_alone)
    job.save(update_fields=["state", "undone_at", "undone_by", "message"])
    return left_alone


def _undo_chunk(job, target, links, actor):
    """Undo one chunk of the job's records of ``target``; return the (label, reason) of those left alone."""
    from collections import defaultdict

    from crm.history.models import ChangeKind

    importer = import_kind(target).importer
    records = importer.model.objects.select_for_update().in_bulk([link.object_id for link in links])
    links = [link for link in links if link.object_id in records]  # the others were deleted since
    labels = {pk: str(record) for pk, record in records.items()}  # as they are before the undo restores any
    history = _UndoHistory(actor)
    reasons = defaultdict(list)
    updated = [(link, records[link.object_id]) for link in links if link.action == ImportAction.UPDATED]
    created = [(link, records[link.object_id]) for link in links if link.action == ImportAction.CREATED]
    _undo_updates(job, target, updated, history, reasons)
    doomed = _undo_creations(job, target, created, reasons)
    for record in doomed:
        history.add(record, ChangeKind.DELETED, _deleted_values(record))
    importer.undo_released([record.pk for record in doomed], actor)
    history.write()
    if doomed:
        importer.model.objects.filter(pk__in=[record.pk for record in doomed]).delete()
    return [(labels[link.object_id], ", ".join(reasons[link.object_id])) for link in links if link.object_id in reasons]


def _undo_updates(job, target, updated, history, reasons):
    """Put back the fields the import changed that still hold the values it wrote; note the others in ``reasons``."""
    from crm.services import record_bulk_save

    if not updated:
        return
    # What the import wrote, from its history rows; needed only for records someone has changed since.
    changed_since = [record.pk for link, record in updated if record.modified_at != link.written_at]
    written = _written_values(job, target, changed_since) if changed_since else {}
    restores = []
    for link, record in updated:
        fields = [(record._meta.get_field(name), value) for name, value in (link.previous or {}).items()]
        if record.modified_at != link.written_at:
            if record.pk not in written:
                reasons[record.pk].append(_("changed after the import"))
                continue
            wrote = written[record.pk]
            kept = [field for field, _value in fields if not _still_written(record, field, wrote)]
            if kept:
                reasons[record.pk].append(
                    _("changed after the import: %(fields)s")
                    % {"fields": ", ".join(str(field.verbose_name) for field in kept)}
                )
            fields = [(field, value) for field, value in fields if field not in kept]
        if not fields:
            continue
        before = {field: getattr(record, field.attname) for field, _value in fields}
        for field, value in fields:
            setattr(record, field.attname, field.to_python(value) if value is not None else None)
        restores.append((record, before))
    if not restores:
        return
    importer = import_kind(target).importer
    errors = importer.undo_restore_errors(restores)
    refused = {id(record) for record, _error in errors}
    _created, saved, failures = record_bulk_save(
        importer.model,
        new=[],
        changed=[
            (record, [field.name for field in before]) for record, before in restores if id(record) not in refused
        ],
        actor=history.actor,
    )
    for record, error in errors + failures:
        reasons[record.pk].append(" ".join(error.messages))
    saved = {id(record) for record in saved}
    detached = []
    for record, before in restores:
        if id(record) not in saved:
            continue
        changes = {
            field: (old, getattr(record, field.attname))
            for field, old in before.items()
            if old != getattr(record, field.attname)
        }
        if importer.undo_history(history, record, changes):
            detached.append(record.pk)
    importer.undo_released(detached, history.actor)


def _written_values(job, target, ids):
    """{record id: {field name: value the import wrote, as its history row stores it}} for ``ids``."""
    from crm.history.models import ChangeEvent, ChangeKind

    rows = ChangeEvent.objects.filter(
        import_job_id=job.pk,
        kind=ChangeKind.UPDATED,
        record_type=import_kind(target).model._meta.model_name,
        record_id__in=ids,
    ).order_by("pk")
    written = {}
    for record_id, changes in rows.values_list("record_id", "changes"):
        written.setdefault(record_id, {}).update({name: new for name, (_old, new) in changes.items()})
    return written


def _still_written(record, field, wrote):
    """Whether ``record`` still holds in ``field`` the value the import wrote (``wrote``: field name -> value)."""
    if field.name not in wrote:
        return False
    value, current = wrote[field.name], getattr(record, field.attname)
    if field.is_relation:
        return current == (value or {}).get("id")
    try:
        return current == (field.to_python(value) if value is not None else None)
    except ValidationError:
        return False


def _undo_creations(job, target, created, reasons):
    """The created records nobody has changed or built on since, to delete; note the others in ``reasons``."""
    if not created:
        return []
    ids = [record.pk for _link, record in created]
    for link, record in created:
        if record.modified_at != link.written_at:
            reasons[record.pk].append(_("changed after the import"))
    for pk, why in import_kind(target).importer.undo_in_use(job, ids).items():
        reasons[pk].extend(why)
    return [record for _link, record in created if record.pk not in reasons]


def _deleted_values(record):
    """{field: (value, None)} for the record's tracked fields that have a value, as record_delete records them."""
    from crm.history.services import tracked_fields

    changes = {}
    for field in tracked_fields(type(record)):
        value = getattr(record, field.attname)
        if value is not None and value != "":
            changes[field] = (value, None)
    return changes


class _UndoHistory:
    """The change history of one chunk of an undo, written in one insert.

    What record_change writes, for many records at once: the names of the
    related records (owners, accounts) are read in one query per kind of record
    rather than one per value.
    """

    def __init__(self, actor):
        self.actor = actor
        self.entries = []

    def add(self, record, kind, changes):
        """Note a change of ``record``; ``changes`` maps each field to its (old, new) value."""
        self.entries.append((record, kind, changes))

    def write(self):
        from collections import defaultdict

        from crm.history.context import current_import_job_id, current_via
        from crm.history.models import ChangeEvent, RecordType
        from crm.history.services import record_concerns

        if not self.entries:
            return
        wanted = defaultdict(set)
        for _record, _kind, changes in self.entries:
            for field, pair in changes.items():
                if field.is_relation:
                    wanted[field.related_model].update(value for value in pair if value is not None)
        names = {
            (model, pk): str(related)
            for model, ids in wanted.items()
            for pk, related in model._base_manager.in_bulk(ids).items()
        }
        actor_name = (self.actor.get_full_name() or self.actor.get_username())[:150]
        via, import_job_id = current_via(), current_import_job_id()
        events = []
        for record, kind, changes in self.entries:
            account = next((pair for field, pair in changes.items() if field.name == "account"), None)
            account_id, contact_id = record_concerns(record, {"account_id": account[0]} if account else {})
            events.append(
                ChangeEvent(
                    actor=self.actor,
                    actor_name=actor_name,
                    kind=kind,
                    via=via,
                    import_job_id=import_job_id,
                    record_type=RecordType(record._meta.model_name),
                    record_id=record.pk,
                    record_label=str(record)[:250],
                    account_id=account_id,
                    contact_id=contact_id,
                    changes={
                        field.name: [_history_value(field, old, names), _history_value(field, new, names)]
                        for field, (old, new) in changes.items()
                    },
                )
            )
        ChangeEvent.objects.bulk_create(events)
        self.entries = []


def _history_value(field, value, names):
    """A value as the change history stores it: related records as id and name, decimals and dates as text."""
    import datetime
    from decimal import Decimal

    if value is None:
        return None
    if field.is_relation:
        return {"id": value, "label": names.get((field.related_model, value), "")}
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        return str(value.quantize(Decimal(1).scaleb(-places)) if places is not None else value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _undo_message(left_alone):
    return _("Undone, except %(count)d records changed since or in use: %(records)s.") % {
        "count": len(left_alone),
        "records": "; ".join(f"{label} ({reason})" for label, reason in left_alone[:50]),
    }
