"""Make a database seeded with the demo users fit for production: no published password can sign in."""

from django.core.management.base import BaseCommand

from crm import demo


class Command(BaseCommand):
    help = (
        "Retire the demo users (ana, dan, maria, admin) that still have their published passwords: "
        "--deactivate them, or --set-passwords to give each a random password, printed once. "
        "Demo users whose password was already changed are left alone."
    )
    # It must run where the system checks refuse to (crm.E010 is what it fixes); the rest wait for the next start.
    requires_system_checks = []

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--deactivate", action="store_true", help="Deactivate them (they can no longer sign in).")
        action.add_argument(
            "--set-passwords", action="store_true", help="Give each a new random password, printed once."
        )

    def handle(self, *args, deactivate=False, set_passwords=False, **options):
        retired = demo.demo_users_retire(set_passwords=set_passwords)
        if not retired:
            self.stdout.write("No active demo user has a published password; nothing to do.")
            return
        for username, password in retired.items():
            if password is None:
                self.stdout.write(f"Deactivated {username}.")
            else:
                self.stdout.write(f"{username:<8} {password}")
        if set_passwords:
            self.stdout.write("Note these passwords now: they are not stored anywhere in clear and not shown again.")
