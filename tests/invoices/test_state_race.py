"""Paying and canceling the same invoice at the same moment: exactly one wins (PostgreSQL, real threads)."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.services import account_create
from invoices.models import Invoice
from invoices.services import invoice_cancel, invoice_create, invoice_mark_paid
from tests.factories import SalespersonFactory

ROUNDS = 5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs real concurrent connections: DATABASE_URL is not PostgreSQL",
    ),
]


def run_in_thread(*, service, invoice_pk, actor, barrier, results):
    try:
        invoice = Invoice.objects.get(pk=invoice_pk)
        barrier.wait(timeout=10)
        service(invoice=invoice, actor=actor)
        results[service.__name__] = "done"
    except ValidationError as error:
        results[service.__name__] = error
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_pay_and_cancel_at_the_same_moment():
    ana = SalespersonFactory(username="ana")
    dan = SalespersonFactory(username="dan")
    account = account_create(actor=ana, name="Lactate Câmpulung SRL")
    for round_number in range(ROUNDS):
        invoice = invoice_create(actor=ana, name=f"Factura {round_number}", account=account,
                                 lines=[{"description": "Brânză", "quantity": 10, "unit_price": "23.50"}])
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(
                target=run_in_thread,
                kwargs={"service": service, "invoice_pk": invoice.pk, "actor": actor, "barrier": barrier,
                        "results": results},
            )
            for service, actor in ((invoice_mark_paid, ana), (invoice_cancel, dan))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

        invoice.refresh_from_db()
        done = [name for name, outcome in results.items() if outcome == "done"]
        refused = [outcome for outcome in results.values() if isinstance(outcome, ValidationError)]
        assert len(done) == 1 and len(refused) == 1, results
        assert refused[0].code == "not_active"
        expected_state = "paid" if done == ["invoice_mark_paid"] else "canceled"
        assert invoice.state == expected_state
        assert (invoice.paid_date is not None) == (expected_state == "paid")
