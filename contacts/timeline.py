"""What a contact's Timeline rolls up: the activities about the opportunities and invoices it is the contact of;
and contacts as the people activities go to: an email's addresses are matched to them, and an email's or an
appointment's form offers a record's contacts."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Lower

from contacts.selectors import contact_list
from crm.activities.registry import people, rollup
from invoices.models import Invoice
from opportunities.models import Opportunity


class ContactPeople:
    @staticmethod
    def _visible(user):
        try:
            return contact_list(user=user).select_related(None)
        except PermissionDenied:
            return None

    def by_address(self, user, addresses):
        """The contacts ``user`` may see with one of ``addresses`` (lower-cased), the oldest for an address two
        contacts share; one query."""
        visible = self._visible(user)
        if visible is None:
            return {}
        found = {}
        matches = visible.annotate(email_key=Lower("email")).filter(email_key__in=addresses).order_by("pk")
        for contact in matches.only("pk", "first_name", "last_name", "email"):
            found.setdefault(contact.email_key, contact)
        return found

    def of_record(self, user, record, limit):
        """A contact itself; an account's contacts; an opportunity's or an invoice's contact and its account's
        contacts: those with an email, by name; one query."""
        visible = self._visible(user)
        name = record._meta.model_name
        contact_id = record.pk if name == "contact" else getattr(record, "contact_id", None)
        account_id = record.pk if name == "account" else getattr(record, "account_id", None)
        if visible is None or (contact_id is None and account_id is None):
            return []
        condition = Q(pk=contact_id) if contact_id else Q(pk__in=[])
        if account_id is not None and name != "contact":
            condition |= Q(account_id=account_id)
        contacts = visible.filter(condition).exclude(email="").order_by("last_name", "first_name", "pk")
        return [(str(c), c.email) for c in contacts.only("first_name", "last_name", "email")[:limit]]


people(ContactPeople())


@rollup("contacts.Contact")
def contact_rollup(contact):
    return {
        "opportunity": Q(opportunity_id__in=Opportunity.objects.filter(contact_id=contact.pk).values("pk")),
        "invoice": Q(invoice_id__in=Invoice.objects.filter(contact_id=contact.pk).values("pk")),
    }
