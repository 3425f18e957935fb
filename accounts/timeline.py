"""What an account's Timeline rolls up, as Dynamics does: the activities about its contacts, opportunities and
invoices, beside its own."""

from django.db.models import Q

from contacts.models import Contact
from crm.activities.registry import rollup
from invoices.models import Invoice
from opportunities.models import Opportunity


@rollup("accounts.Account")
def account_rollup(account):
    return {
        "contact": Q(contact_id__in=Contact.objects.filter(account_id=account.pk).values("pk")),
        "opportunity": Q(opportunity_id__in=Opportunity.objects.filter(account_id=account.pk).values("pk")),
        "invoice": Q(invoice_id__in=Invoice.objects.filter(account_id=account.pk).values("pk")),
    }
