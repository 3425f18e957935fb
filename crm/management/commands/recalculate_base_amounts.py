"""Bring the amounts still in play (open opportunities, unpaid invoices) to the current exchange rates."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.exchange_rates import base_amounts_recalculate


class Command(BaseCommand):
    help = (
        "Recalculate the base-currency amounts of open opportunities and unpaid invoices at the current exchange "
        "rates (and fill those stored without a rate). Closed opportunities and paid or canceled invoices keep "
        "the rate of the day they were closed: a new rate does not rewrite history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The System Administrator who asks for it (user name).")
        parser.add_argument("currencies", nargs="*", help="Only these currencies (ISO codes); all by default.")

    def handle(self, *args, user, currencies, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"There is no user {user!r}.")
        try:
            changed = base_amounts_recalculate(actor=actor, currencies=[c.upper() for c in currencies] or None)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        for model, count in changed.items():
            self.stdout.write(f"{model._meta.verbose_name_plural}: {count} recalculated")
