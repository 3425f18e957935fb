"""Load the demo users and demo data for a local development site (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm import demo
from crm.roles import ROLE_LABELS


class Command(BaseCommand):
    help = "Create one demo user per security role and realistic demo data; running it again adds nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even with DEBUG off (the demo users have published passwords).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with published passwords and is meant for development (DEBUG on). "
                "Use --force to load it anyway."
            )
        result = demo.load_demo()
        created = ", ".join(f"{count} {name}" for name, count in result.created.items())
        totals = ", ".join(f"{count} {name}" for name, count in result.totals.items())
        self.stdout.write(f"Demo data: created {created}; the database now holds {totals}.")
        self.stdout.write("Demo users (user name / password / role):")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"  {user.username:<8} {user.password:<18} {ROLE_LABELS[user.role]}")
