"""Delete the change history older than a day: the retention task, for the System Administrator."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.history.services import history_prune


class Command(BaseCommand):
    help = (
        "Delete the change history of changes made before --before YYYY-MM-DD (in the site's time zone). "
        "The only way history rows are ever deleted; on PostgreSQL every other UPDATE, DELETE or TRUNCATE "
        "of the history is refused by the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: keep the changes made on or after this day.")

    def handle(self, *args, before, **options):
        try:
            before = datetime.date.fromisoformat(before)
        except ValueError as error:
            raise CommandError(f"--before must be a day as YYYY-MM-DD, not {before!r}.") from error
        if before > timezone.localdate():
            raise CommandError("--before is in the future; the history of today and later is kept.")
        deleted = history_prune(before=before)
        self.stdout.write(f"deleted {deleted} history rows older than {before.isoformat()}")
