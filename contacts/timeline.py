"""What a contact's Timeline rolls up: the activities about the opportunities and invoices it is the contact of."""

from django.db.models import Q

from crm.activities.registry import rollup
from invoices.models import Invoice
from opportunities.models import Opportunity


@rollup("contacts.Contact")
def contact_rollup(contact):
    return {
        "opportunity": Q(opportunity_id__in=Opportunity.objects.filter(contact_id=contact.pk).values("pk")),
        "invoice": Q(invoice_id__in=Invoice.objects.filter(contact_id=contact.pk).values("pk")),
    }
