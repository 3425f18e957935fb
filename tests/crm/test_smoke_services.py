import pytest
from django.core.exceptions import ValidationError

from accounts.services import account_create
from contacts.services import contact_attach_to_account, contact_create
from invoices.services import invoice_create
from opportunities.services import opportunity_create


@pytest.mark.django_db
def test_services_smoke(salesperson):
    account = account_create(actor=salesperson, name="Dacia SA", account_number="A-1")
    other = account_create(actor=salesperson, name="Petrom SA")
    contact = contact_create(actor=salesperson, first_name="Ion", last_name="Pop")
    contact_attach_to_account(contact=contact, account=account, actor=salesperson)
    with pytest.raises(ValidationError, match="Dacia SA"):
        contact_attach_to_account(contact=contact, account=other, actor=salesperson)
    opportunity = opportunity_create(actor=salesperson, topic="Flotă", contact=contact)
    assert opportunity.account == account
    invoice = invoice_create(
        actor=salesperson, name="Flotă", account=account,
        lines=[{"description": "Mașini", "quantity": 2, "unit_price": 100, "discount": 10, "tax_rate": 19}],
    )
    invoice.refresh_from_db()
    assert invoice.invoice_number.startswith("INV-")
    assert str(invoice.total_amount) == "226.10"
