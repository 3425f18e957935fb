"""Export workflows: start a background export of a list, run it on the task worker, fail dead ones, clear old."""

import logging
import tempfile
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm import permissions
from crm.exports.models import ExportJob, ExportState
from crm.exports.sources import SOURCES
from crm.imports.exports import CHUNK_SIZE, write_export
from crm.jobs import Heartbeat

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    """How long a running export may go without a heartbeat before it counts as having lost its worker."""
    return timedelta(seconds=settings.CRM_EXPORT_STALE_AFTER)


def background_threshold():
    """Lists with more rows than this are exported by the task worker rather than during the request."""
    return settings.CRM_EXPORT_BACKGROUND_THRESHOLD


def export_runs_in_background(queryset) -> bool:
    """Whether ``queryset`` has more rows than the threshold, counting at most threshold + 1 of them."""
    threshold = background_threshold()
    return queryset.order_by().values("pk")[: threshold + 1].count() > threshold


@transaction.atomic
def export_job_start(*, actor, target, file_format, query) -> ExportJob:
    """Record an export of the ``target`` list with the GET parameters ``query`` and queue it for the task worker.

    When the actor already has the same export waiting or running, that job is
    returned instead of a second one (a double click on the Export menu). A
    running one whose worker stopped (no heartbeat for CRM_EXPORT_STALE_AFTER)
    is not: asking again starts a new job, and the dead one is failed by
    export_jobs_recover.
    """
    source = SOURCES[target]
    permissions.require(permissions.can_view(actor, source.model))
    alive = Q(state=ExportState.QUEUED) | Q(state=ExportState.RUNNING, heartbeat_at__gte=timezone.now() - stale_after())
    same = ExportJob.objects.filter(
        alive, created_by=actor, target=target, file_format=file_format, query=query
    ).first()
    if same is not None:
        return same
    job = ExportJob(
        target=target, file_format=file_format, query=query, language=translation.get_language() or "", created_by=actor
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job):
    from crm.exports.tasks import run_export_job

    result = run_export_job.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def export_job_run(*, job: ExportJob) -> ExportJob:
    """Write the job's file and keep its state, progress and timings; never raises.

    The records are rebuilt from the job's user and query string through the
    list's own selector and filters, read in chunks and written row by row to a
    temporary file (memory stays flat), which is then saved with the default
    storage. Progress is recorded after every chunk; a thread stamps the
    heartbeat every few seconds besides, through the phases with no rows (the
    workbook being finished, the file being saved), so that export_jobs_recover
    fails only an export whose worker stopped.
    """
    job.refresh_from_db()
    if job.state != ExportState.QUEUED:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _export_job_write(job)


def _export_job_write(job):
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, started_at=now, heartbeat_at=now)
    source = SOURCES[job.target]
    running = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING)
    heartbeat = Heartbeat(running, every=stale_after().total_seconds() / 4, name=f"export-heartbeat-{job.pk}")
    try:
        with heartbeat, _without_statement_timeout(), tempfile.TemporaryFile() as handle:
            query = QueryDict(job.query)
            queryset = source.queryset(user=job.created_by, query=query)
            total = queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
            written = _Progress(job)
            rows = source.rows(queryset, round_trip=source.wants_round_trip(query))
            write_export(written.count(rows), handle, job.file_format, job.target)
            _beat(job)  # the file is written; saving it to the storage may take a while
            file_size = handle.tell()
            handle.seek(0)
            job.refresh_from_db()
            job.file.save(job.download_name, File(handle), save=False)
            _beat(job)
        job.processed_rows, job.file_size = written.rows, file_size
        job.state, job.message = ExportState.COMPLETED, ""
    except PermissionDenied:
        job.refresh_from_db()
        job.state = ExportState.FAILED
        job.message = _("The export stopped: you may no longer read these records.")
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        job.refresh_from_db()
        job.state = ExportState.FAILED
        job.message = _("The export stopped: %(error)s. Export the list again to try once more.") % {"error": error}
    job.finished_at = timezone.now()
    fields = ["state", "message", "finished_at", "file", "file_size", "processed_rows"]
    # Only while it still runs: a job failed by export_jobs_recover (this run was silent too long) keeps its reason.
    if not running.update(**{field: getattr(job, field) for field in fields}):
        if job.file:
            job.file.delete(save=False)
        job.refresh_from_db()
    return job


def _beat(job):
    ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(heartbeat_at=timezone.now())


class _Progress:
    """Passes the rows on, recording on the job how many records were written after each chunk.

    After the last row it stamps the heartbeat: a workbook is finished and saved then, with no rows to count.
    """

    def __init__(self, job):
        self.job = job
        self.rows = 0

    def count(self, rows):
        rows = iter(rows)
        yield next(rows)  # the header row
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % CHUNK_SIZE == 0:
                ExportJob.objects.filter(pk=self.job.pk).update(processed_rows=self.rows, heartbeat_at=timezone.now())
        _beat(self.job)


@contextmanager
def _without_statement_timeout():
    """On PostgreSQL, lift the web's statement timeout on this connection: the export reads every row at once."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout TO DEFAULT")


def export_jobs_recover(*, now=None, job_ids=None) -> list[ExportJob]:
    """Fail the running exports whose worker stopped (no heartbeat for CRM_EXPORT_STALE_AFTER); return them.

    An export is not resumed: asking for it again is cheap and safe, so the job
    is failed with where it stopped and its task row, left RUNNING by the dead
    worker, is failed with it, in one transaction. Every task worker runs this
    when it starts and at intervals (crm/management/commands/db_worker.py), so
    no one has to open a page; the job page runs it for its job (``job_ids``).
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    changed = []
    with transaction.atomic():
        stale = ExportJob.objects.select_for_update(skip_locked=True).filter(
            state=ExportState.RUNNING, heartbeat_at__lt=now - stale_after()
        )
        if job_ids is not None:
            stale = stale.filter(pk__in=job_ids)
        for job in stale:
            if job.task_id:
                DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path="crm.exports.services.WorkerStopped",
                    traceback="The worker stopped while running this task (no heartbeat); the export job was "
                    "failed by export_jobs_recover.",
                )
            job.state, job.finished_at = ExportState.FAILED, now
            with translation.override(job.language or settings.LANGUAGE_CODE):
                job.message = _stopped_message(job)
            job.save(update_fields=["state", "finished_at", "message"])
            changed.append(job)
    for job in changed:
        logger.warning(
            "Export job %s: worker stopped at row %s of %s; failed", job.pk, job.processed_rows, job.total_rows
        )
    return changed


def _stopped_message(job):
    if job.total_rows is None:
        return _("The worker stopped before writing the file. Export again to get the file.")
    return _(
        "The worker stopped while writing the file, at row %(row)s of %(total)s. Export again to get the file."
    ) % {"row": intcomma(job.processed_rows), "total": intcomma(job.total_rows)}


def export_job_mark_stale(*, job: ExportJob) -> ExportJob:
    """Fail the job when it is running but its worker stopped (as export_jobs_recover does); return it."""
    if job.state != ExportState.RUNNING or not job.heartbeat_at or job.heartbeat_at >= timezone.now() - stale_after():
        return job
    if export_jobs_recover(job_ids=[job.pk]):
        job.refresh_from_db()
    return job


def export_jobs_delete_old(*, older_than: timedelta) -> int:
    """Delete the export jobs asked for more than ``older_than`` ago, with their files; return how many."""
    jobs = ExportJob.objects.filter(created_at__lt=timezone.now() - older_than)
    deleted = 0
    for job in jobs.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
