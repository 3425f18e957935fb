"""The one-account rule under concurrency: two users attach the same free contact at the same moment."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.services import account_create
from contacts.models import Contact
from contacts.services import contact_attach_to_account, contact_create
from tests.factories import SalespersonFactory

ROUNDS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs real concurrent connections: DATABASE_URL is not PostgreSQL",
    ),
]


def attach_in_thread(*, contact_pk, account, actor, barrier, results):
    try:
        contact = Contact.objects.get(pk=contact_pk)
        barrier.wait(timeout=10)
        contact_attach_to_account(contact=contact, account=account, actor=actor)
        results[account.pk] = "attached"
    except ValidationError as error:
        results[account.pk] = error
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_simultaneous_attachments_wins():
    ana = SalespersonFactory(username="ana")
    dan = SalespersonFactory(username="dan")
    for round_number in range(ROUNDS):
        first = account_create(actor=ana, name=f"Carpați Logistică {round_number} SRL")
        second = account_create(actor=dan, name=f"Oțelăria Reșița {round_number} SA")
        contact = contact_create(actor=ana, first_name="Ioana", last_name=f"Mureșan {round_number}")
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(
                target=attach_in_thread,
                kwargs={"contact_pk": contact.pk, "account": account, "actor": actor, "barrier": barrier,
                        "results": results},
            )
            for account, actor in ((first, ana), (second, dan))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

        contact.refresh_from_db()
        winners = [pk for pk, outcome in results.items() if outcome == "attached"]
        losers = [outcome for outcome in results.values() if isinstance(outcome, ValidationError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert contact.account_id == winners[0]
        winner_name = first.name if winners[0] == first.pk else second.name
        assert losers[0].code == "contact_has_account"
        assert winner_name in losers[0].messages[0]
