"""django-tasks-db's task worker, which also resumes the import jobs and fails the export jobs of workers that stopped.

Same options and behaviour as django_tasks_db's ``db_worker``. On start, and
every CRM_TASK_RECOVERY_INTERVAL seconds while it runs, the worker looks for
import jobs whose worker died (no heartbeat for CRM_IMPORT_STALE_AFTER seconds)
and queues them to resume (crm.imports.services.import_jobs_recover), and for
export jobs whose worker died (no heartbeat for CRM_EXPORT_STALE_AFTER seconds)
and fails them, to be asked for again (crm.exports.services.export_jobs_recover),
so a killed or restarted worker machine's job goes on, or says it stopped,
without anyone opening a page. It also queues the reminder digests' look
(crm.activities.reminders), which then queues its own next run. With several workers each checks; a job is taken
by one of them (row lock).
"""

import logging
import os
import threading

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("crm.imports")


def recover_once():
    """Resume or fail the import jobs, and fail the export jobs, whose worker stopped; return the jobs changed."""
    from crm.exports.services import export_jobs_recover
    from crm.imports.services import import_jobs_recover

    changed = []
    try:
        for kind, recover in (("import", import_jobs_recover), ("export", export_jobs_recover)):
            try:
                changed += recover()
            except DatabaseError:
                logger.exception("Checking for interrupted %s jobs failed; trying again later", kind)
        return changed
    finally:
        connections.close_all()


def reminders_schedule():
    """Queue the reminder digests' next look (crm.activities.reminders), unless one is queued already."""
    from crm.activities.reminders import reminder_schedule_next

    if not settings.CRM_EMAIL_ENABLED:
        return
    try:
        reminder_schedule_next()
    except DatabaseError:
        logger.exception("Queueing the reminder digests failed; the next worker start tries again")
    finally:
        connections.close_all()


def recover_every(interval, stopped):
    while not stopped.wait(interval):
        recover_once()


class Command(db_worker.Command):
    help = db_worker.Command.help + ", and resume or fail the import and export jobs of workers that stopped"

    def handle(self, *args, **options):
        # With --reload the parent process only watches files; the child runs tasks (and the checks).
        reloader_child = os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        runs_tasks = not options.get("reload") or options.get("batch") or reloader_child
        if runs_tasks:
            recover_once()
            reminders_schedule()
            interval = getattr(settings, "CRM_TASK_RECOVERY_INTERVAL", 30)
            if not options.get("batch") and interval:
                threading.Thread(
                    target=recover_every, args=(interval, threading.Event()), name="job-recovery", daemon=True
                ).start()
        return super().handle(*args, **options)
