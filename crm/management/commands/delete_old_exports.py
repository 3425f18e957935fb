"""Delete background exports (the job and its file) asked for more than --days days ago."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from crm.exports.services import export_jobs_delete_old


class Command(BaseCommand):
    help = "Delete export jobs older than --days days (default 7) and their files. Run it daily, e.g. from cron."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Keep the exports of the last DAYS days (default 7).")

    def handle(self, *args, days, **options):
        deleted = export_jobs_delete_old(older_than=timedelta(days=days))
        self.stdout.write(f"deleted {deleted} export jobs")
