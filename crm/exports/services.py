"""Export workflows: start a background export of a list, run it on the task worker, clear old exports."""

import logging
import tempfile
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm import permissions
from crm.exports.models import ExportJob, ExportState
from crm.exports.sources import SOURCES
from crm.imports.exports import CHUNK_SIZE, write_export

logger = logging.getLogger(__name__)

# A chunk of rows takes well under a second; a running export silent this long lost its worker.
STALE_AFTER = timedelta(minutes=10)


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
    returned instead of a second one (a double click on the Export menu).
    """
    source = SOURCES[target]
    permissions.require(permissions.can_view(actor, source.model))
    same = ExportJob.objects.filter(
        created_by=actor,
        target=target,
        file_format=file_format,
        query=query,
        state__in=[ExportState.QUEUED, ExportState.RUNNING],
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
    storage. Progress is recorded after every chunk.
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
    try:
        with _without_statement_timeout(), tempfile.TemporaryFile() as handle:
            query = QueryDict(job.query)
            queryset = source.queryset(user=job.created_by, query=query)
            total = queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
            written = _Progress(job)
            rows = source.rows(queryset, round_trip=source.wants_round_trip(query))
            write_export(written.count(rows), handle, job.file_format, job.target)
            file_size = handle.tell()
            handle.seek(0)
            job.refresh_from_db()
            job.file.save(job.download_name, File(handle), save=False)
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
    job.save(update_fields=["state", "message", "finished_at", "file", "file_size", "processed_rows"])
    return job


class _Progress:
    """Passes the rows on, recording on the job how many records were written after each chunk."""

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


def export_job_mark_stale(*, job: ExportJob) -> ExportJob:
    """Mark the job failed when it is running but its worker stopped reporting progress; return it."""
    if job.state != ExportState.RUNNING or not job.heartbeat_at or job.heartbeat_at > timezone.now() - STALE_AFTER:
        return job
    job.state = ExportState.FAILED
    job.finished_at = timezone.now()
    job.message = _("The export stopped without finishing: its worker stopped. Export the list again.")
    ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
        state=job.state, finished_at=job.finished_at, message=job.message
    )
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
