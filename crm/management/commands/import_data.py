"""Import accounts or contacts from a file, through the same code path as the import page."""

import argparse
import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from crm.imports.engine import ImportOptions
from crm.imports.models import ImportJob, ImportMode, ImportSource, ImportState
from crm.imports.readers import FileRefused, open_table
from crm.imports.services import failed_rows, import_job_run, require_import_permission, write_failed_rows

HELP = """Import accounts or contacts from FILE: .xlsx, .xls, .ods, .csv/.txt, XML Spreadsheet 2003,
records XML or vCard, recognised by content. Prints "created N, updated N, skipped N, failed N".

Exit status: 0 when every row was imported (or skipped as a duplicate), 1 when some rows failed,
2 when the file was refused (nothing written)."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
        return parser

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["accounts", "contacts"], help="What the file holds.")
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
            "--user", help="User name the import acts as (owner of new records); default: the first superuser."
        )
        parser.add_argument(
            "--errors",
            metavar="PATH",
            help="Write the failed rows, with an Error column, to PATH (.xlsx for Excel, otherwise CSV).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per transaction (default 1000).")

    def handle(self, *args, **options):
        actor = self._actor(options["user"])
        try:
            require_import_permission(actor, options["target"])
        except Exception as error:
            raise CommandError(str(error), returncode=2) from error
        try:
            handle = open(options["file"], "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            self.stderr.write(f"File refused: {error}")
            sys.exit(2)
        with handle:
            try:
                table = open_table(handle)
            except FileRefused as error:
                self.stderr.write(f"File refused: {error}")
                sys.exit(2)
            import_options = ImportOptions(
                target=options["target"],
                mode=options["mode"],
                all_or_nothing=options["all_or_nothing"],
                create_missing_accounts=options["create_missing_accounts"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
            )
            job = ImportJob.objects.create(
                target=import_options.target,
                mode=import_options.mode,
                all_or_nothing=import_options.all_or_nothing,
                create_missing_accounts=import_options.create_missing_accounts,
                dry_run=import_options.dry_run,
                source=ImportSource.COMMAND,
                file_name=options["file"].rsplit("/", 1)[-1],
                file_size=os.fstat(handle.fileno()).st_size,
                file_format=table.format,
                total_rows=table.total,
                created_by=actor,
            )
            outcome = import_job_run(job=job, table=table)
        job.refresh_from_db()
        if job.state == ImportState.FAILED and outcome is None:
            self.stderr.write(f"File refused: {job.message}")
            sys.exit(2)
        if job.message:
            self.stdout.write(job.message)
        if options["errors"]:
            write_failed_rows(
                failed_rows(job), options["errors"], as_xlsx=options["errors"].lower().endswith(".xlsx")
            )
        self.stdout.write(outcome.summary())
        if outcome.failed:
            sys.exit(1)

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
