"""Import records (accounts, contacts, opportunities, invoices, activities: every registered import) from a file,
through the same code path as the import page."""

import argparse
import os
import signal
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.imports.models import ImportJob, ImportMode, ImportSource, ImportState
from crm.imports.readers import FileRefused, open_table
from crm.imports.registry import IMPORTS
from crm.imports.services import (
    failed_rows,
    import_job_run,
    import_job_stopped,
    import_jobs_recover,
    require_import_permission,
    stale_after,
    write_failed_rows,
)
from crm.imports.wizard import check_columns, data_map_get, data_map_options

HELP = """Import the records TARGET names (every registered import: accounts, contacts, opportunities, invoices,
activities) from FILE: .xlsx, .xls, .ods, .csv/.txt, XML Spreadsheet 2003, records XML or vCard, recognised by
content. Prints "created N, updated N, skipped N, failed N" (and ", possible duplicates N" when rows looked
like records on file by a duplicate rule: skipped, or imported with --on-duplicate import).

Exit status:
  0  every row was imported (or skipped as a duplicate)
  1  the import finished; some rows failed (--errors PATH lists them)
  2  nothing was written: the file was refused, or the import stopped before its first batch
  3  the import stopped part-way (a lost database connection, say) after writing some rows: it
     prints what it wrote and the job; `import_data TARGET FILE --resume JOB` completes it"""

EXIT_DONE, EXIT_ROWS_FAILED, EXIT_NOTHING_WRITTEN, EXIT_STOPPED = 0, 1, 2, 3


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
        return parser

    def add_arguments(self, parser):
        parser.add_argument("target", choices=list(IMPORTS), help="What the file holds.")
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--mode",
            choices=[choice.value for choice in ImportMode],
            default=ImportMode.UPSERT,
            help="create: new records only (duplicates skipped); update: existing only; upsert: both (default).",
        )
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Write nothing when any row fails."
        )
        parser.add_argument(
            "--create-missing-accounts",
            action="store_true",
            help="Contacts: create the accounts the file names that do not exist, instead of failing those rows.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report, writing nothing.")
        parser.add_argument(
            "--on-duplicate",
            choices=["skip", "import"],
            default="skip",
            help="New rows that look like a record on file by a duplicate rule: skip them (default) or import them "
            "anyway; either way they are listed and counted.",
        )
        parser.add_argument(
            "--user", help="User name the import acts as (owner of new records); default: the first superuser."
        )
        parser.add_argument(
            "--errors",
            metavar="PATH",
            help="Write the failed rows, with an Error column, to PATH (.xlsx for Excel, otherwise CSV).",
        )
        parser.add_argument(
            "--encoding",
            help="Read a CSV or vCard file in this encoding (utf-8, utf-16, cp1250, cp1252, mac_roman...) "
            "instead of the one guessed from its content.",
        )
        parser.add_argument(
            "--map",
            metavar="NAME",
            help="Read the columns and values as the data map NAME says (saved in the import wizard or the admin).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per transaction (default 1000).")
        parser.add_argument(
            "--resume",
            metavar="JOB",
            type=int,
            help="Complete the stopped import job JOB (its number, as printed) from FILE, after the rows it wrote.",
        )

    def handle(self, *args, **options):
        actor = self._actor(options["user"])
        try:
            require_import_permission(actor, options["target"])
        except Exception as error:
            raise CommandError(str(error), returncode=EXIT_NOTHING_WRITTEN) from error
        try:
            handle = open(os.path.abspath(options["file"]), "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            self.stderr.write(f"File refused: {error}")
            sys.exit(EXIT_NOTHING_WRITTEN)
        with handle:
            try:
                table = open_table(handle, encoding=options["encoding"])
            except FileRefused as error:
                self.stderr.write(f"File refused: {error}")
                sys.exit(2)
            data_map = None
            if options["map"] and not options["resume"]:
                try:
                    data_map = data_map_get(target=options["target"], name=options["map"])
                    chosen, values = data_map_options(data_map, table.headers)
                    check_columns(options["target"], table.headers, chosen)
                except ValidationError as error:
                    self.stderr.write(f"File refused: {' '.join(error.messages)}")
                    sys.exit(EXIT_NOTHING_WRITTEN)
            if options["resume"]:
                job = self._job_to_resume(options["resume"], options["target"], actor)
            else:
                job = ImportJob.objects.create(
                    target=options["target"],
                    encoding=options["encoding"] or "",
                    mode=options["mode"],
                    all_or_nothing=options["all_or_nothing"],
                    create_missing_accounts=options["create_missing_accounts"],
                    dry_run=options["dry_run"],
                    on_duplicate=options["on_duplicate"],
                    source=ImportSource.COMMAND,
                    file_name=options["file"].rsplit("/", 1)[-1],
                    file_size=os.fstat(handle.fileno()).st_size,
                    file_format=table.format,
                    total_rows=table.total,
                    created_by=actor,
                    data_map=data_map,
                    chosen_columns=None if data_map is None else {str(index): key for index, key in chosen.items()},
                    chosen_values=None if data_map is None else values,
                )
            # SIGTERM (a service manager stopping it) ends the run as Ctrl+C does: recorded, then exit 3.
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                outcome = import_job_run(
                    job=job, table=table, resume=bool(options["resume"]), batch_size=options["batch_size"]
                )
            except KeyboardInterrupt:
                import_job_stopped(job=job, reason=_("it was interrupted (Ctrl+C or SIGTERM)"))
                job.refresh_from_db()
                self._stopped(job, options)
            except DatabaseError as error:
                # Not even the job's end could be recorded: say what is known, and that rows may be written.
                self.stderr.write(
                    f"The import stopped: {error}. Some rows may have been written; once the database is back, "
                    f"complete it with: manage.py import_data {options['target']} {options['file']} "
                    f"--resume {job.pk}"
                )
                sys.exit(EXIT_STOPPED)
        job.refresh_from_db()
        if outcome is None and job.state != ImportState.FAILED:
            self.stderr.write(f"Import job {job.pk} is being run by another process ({job.state}); nothing was done.")
            sys.exit(EXIT_NOTHING_WRITTEN)
        if job.state == ImportState.FAILED:
            self._stopped(job, options)
        if job.message:
            self.stdout.write(job.message)
        if options["errors"]:
            write_failed_rows(
                failed_rows(job), options["errors"], as_xlsx=options["errors"].lower().endswith(".xlsx")
            )
        self.stdout.write(outcome.summary())
        if outcome.failed:
            sys.exit(EXIT_ROWS_FAILED)

    def _stopped(self, job, options):
        """Report a job that did not finish: refused or stopped with nothing written (2), or part-way (3)."""
        written = job.created_count + job.updated_count + job.skipped_count + job.failed_count
        if not job.processed_rows and not written:
            label = "File refused" if job.total_rows is None or not job.started_at else "Nothing was written"
            self.stderr.write(f"{label}: {job.message}")
            sys.exit(EXIT_NOTHING_WRITTEN)
        self.stderr.write(job.message)
        self.stderr.write(
            f"Stopped after {job.processed_rows} rows: created {job.created_count}, updated {job.updated_count}, "
            f"skipped {job.skipped_count}, failed {job.failed_count} (import job {job.pk}). Complete it with: "
            f"manage.py import_data {job.target} {options['file']} --resume {job.pk}"
        )
        sys.exit(EXIT_STOPPED)

    def _job_to_resume(self, pk, target, actor):
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None:
            raise CommandError(f"There is no import job {pk}.", returncode=EXIT_NOTHING_WRITTEN)
        if job.target != target:
            raise CommandError(f"Import job {pk} imported {job.target}, not {target}.", returncode=EXIT_NOTHING_WRITTEN)
        if job.state == ImportState.RUNNING and job.heartbeat_at and job.heartbeat_at < timezone.now() - stale_after():
            import_jobs_recover()  # its process died (no heartbeat): this marks it stopped
            job.refresh_from_db()
        if job.state not in (ImportState.FAILED, ImportState.INTERRUPTED):
            raise CommandError(
                f"Import job {pk} is {job.state}; only a stopped (failed or interrupted) job can be resumed.",
                returncode=EXIT_NOTHING_WRITTEN,
            )
        if job.created_by_id != actor.pk and not actor.is_superuser:
            raise CommandError(f"Import job {pk} was started by another user.", returncode=EXIT_NOTHING_WRITTEN)
        return job

    def _actor(self, username):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user named {username!r}.", returncode=2)
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("No superuser to act as: give --user USERNAME.", returncode=2)
        return user
