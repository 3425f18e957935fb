"""The opportunities' import: its columns (with the headers Dynamics 365, Salesforce, HubSpot, Zoho and Pipedrive
write), the account each row names (by number, else by name) and its contact (by email), how rows match existing
opportunities (the same topic for the same customer), and the batch save through the opportunities' services.

Imported opportunities are open: closing one is a workflow (Close as Won or Lost) of its page.
"""

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import account_ref, find_accounts
from contacts.imports import find_contacts_by_email
from crm.imports.columns import Column
from crm.imports.engine import BatchKeys, Importer, _NeedsLockedWrite
from crm.imports.registry import ImportKind, register
from opportunities.models import Opportunity, SalesStage
from opportunities.services import opportunity_import_batch

# Where the exporters' headers come from (their documented or as-written export formats):
# - Dynamics 365: Export to Excel of Opportunities ("Topic", "Potential Customer", "Est. Revenue", "Est. Close
#   Date", "Probability", "Pipeline Phase", "Currency"); the API's names (name, estimatedvalue, estimatedclosedate,
#   closeprobability, salesstage).
# - Salesforce: Opportunities report ("Opportunity Name", "Account Name", "Amount", "Close Date", "Stage",
#   "Probability (%)", "Opportunity Owner"); its stages Prospecting, Qualification, Needs Analysis, Value
#   Proposition, Proposal/Price Quote, Negotiation/Review.
# - HubSpot: deals export ("Deal Name", "Amount", "Close Date", "Deal Stage", "Deal owner", "Associated Company").
# - Zoho CRM: Deals ("Deal Name", "Account Name", "Amount", "Closing Date", "Stage", "Probability (%)").
# - Pipedrive: deals export ("Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Expected close date",
#   "Deal - Stage", "Deal - Organization", "Deal - Owner").
OPPORTUNITY_COLUMNS = (
    Column(
        "topic",
        gettext_lazy("Topic"),
        aliases=("Subiect", "Opportunity Name", "Deal Name", "Deal - Title", "Titlu", "Oportunitate"),
        required=True,
        loose=("Name", "Title", "Nume"),
    ),
    Column(
        "account_number",
        gettext_lazy("Account Number"),
        aliases=("Număr cont", "accountnumber", "Account No"),
        source="account.account_number",
    ),
    Column(
        "company_name",
        gettext_lazy("Account"),
        aliases=(
            "Cont",
            "Account Name",
            "Nume cont",
            "Potential Customer",  # Dynamics 365
            "Associated Company",  # HubSpot
            "Deal - Organization",  # Pipedrive
            "Organization - Name",
            "Company Name",
        ),
        loose=("Company", "Organization", "Organisation", "Customer", "Client"),
        source="account.name",
    ),
    Column(
        "contact_email",
        gettext_lazy("Contact Email"),
        "email",
        aliases=("E-mail contact", "Email contact", "Contact E-mail", "Person - Email", "Contact Email Address"),
        loose=("Email", "E-mail"),
        source="contact.email",
    ),
    Column(
        "estimated_revenue",
        gettext_lazy("Estimated revenue"),
        "decimal",
        aliases=("Venit estimat", "Est. Revenue", "estimatedvalue", "Amount", "Deal - Value", "Valoare"),
        loose=("Value",),
    ),
    Column("currency", gettext_lazy("Currency"), "choice", aliases=("Monedă", "Moneda", "Deal - Currency")),
    Column(
        "estimated_close_date",
        gettext_lazy("Estimated close date"),
        "date",
        aliases=(
            "Dată de închidere estimată",
            "Est. Close Date",
            "estimatedclosedate",
            "Close Date",
            "Closing Date",
            "Deal - Expected close date",
        ),
    ),
    Column(
        "probability",
        gettext_lazy("Probability"),
        "percent",
        aliases=("Probabilitate", "Probability (%)", "closeprobability", "Deal probability"),
    ),
    Column(
        "sales_stage",
        gettext_lazy("Sales stage"),
        "choice",
        aliases=("Etapă de vânzare", "Pipeline Phase", "salesstage", "Deal Stage", "Deal - Stage"),
        loose=("Stage", "Etapă"),
        synonyms=(
            ("Prospecting", SalesStage.QUALIFY),
            ("Qualification", SalesStage.QUALIFY),
            ("Calificare", SalesStage.QUALIFY),
            ("Needs Analysis", SalesStage.DEVELOP),
            ("Value Proposition", SalesStage.DEVELOP),
            ("Dezvoltare", SalesStage.DEVELOP),
            ("Proposal/Price Quote", SalesStage.PROPOSE),
            ("Proposal", SalesStage.PROPOSE),
            ("Propunere", SalesStage.PROPOSE),
            ("Negotiation/Review", SalesStage.CLOSE),
            ("Negotiation", SalesStage.CLOSE),
            ("Închidere", SalesStage.CLOSE),
        ),
    ),
    Column("description", gettext_lazy("Description"), aliases=("Descriere", "Notes", "Note")),
    Column("owner", gettext_lazy("Owner"), "user", aliases=("Proprietar", "Opportunity Owner", "Deal owner")),
)


class OpportunityImporter(Importer):
    model = Opportunity
    fields = (
        "topic",
        "estimated_revenue",
        "currency",
        "estimated_close_date",
        "probability",
        "sales_stage",
        "description",
    )

    def no_match(self):
        return _("No existing opportunity matches this row.")

    def duplicate_of(self, record):
        return _("Duplicate of the existing opportunity %(name)s.") % {"name": record}

    def new_linked(self, record, link):
        record.account, record.contact = link

    def link(self, record, link, previous):
        contact = link[1]
        if contact is not None and record.contact_id is None:
            previous["contact_id"] = None
            record.contact = contact

    @classmethod
    def undo_in_use(cls, job, ids):
        from invoices.models import Invoice

        used = set(Invoice.objects.filter(opportunity_id__in=ids).values_list("opportunity_id", flat=True))
        return {pk: [_("has invoices")] for pk in used}

    def batch_keys(self, batch):
        return BatchKeys(topics=frozenset(row.data["topic"] for row in batch if row.data.get("topic")))

    def any_exist(self, kind, topics):
        return bool(topics) and Opportunity.objects.filter(topic__one_of=list(topics)).exists()

    @staticmethod
    def _key(topic, account_id, contact_id):
        # The same topic for the same customer: its account, or its contact when it has no account.
        return (topic, account_id, None if account_id else contact_id)

    def _existing(self, topics):
        ahead = self._ahead_of
        if ahead is not None and topics & ahead.of("topics"):
            raise _NeedsLockedWrite
        queryset = Opportunity.objects.all()
        if self._can_lock():
            queryset = queryset.select_for_update(of=("self",))
        found = defaultdict(list)
        if topics:
            for opportunity in queryset.filter(topic__one_of=list(topics)):
                found[self._key(opportunity.topic, opportunity.account_id, opportunity.contact_id)].append(opportunity)
        if ahead is not None:
            # Planned ahead: matched records are written only at the version read here.
            self._looked_up = ("opportunities", frozenset(topics - {key[0] for key in found}))
        return found

    def import_batch(self, batch):
        issues, valid = [], []
        for row in batch:
            if row.errors:
                issues.append(self._fail_parsed(row))
            else:
                valid.append(row)
        accounts, account_errors, _missing = find_accounts({ref for row in valid if (ref := account_ref(row.data))})
        contacts, contact_errors = find_contacts_by_email(row.data.get("contact_email") for row in valid)
        resolved = []
        for row in valid:
            ref = account_ref(row.data)
            if ref in account_errors:
                issues.append(self._fail(row, ref[0], account_errors[ref]))
                continue
            email = (row.data.get("contact_email") or "").lower()
            if email in contact_errors:
                issues.append(self._fail(row, "contact_email", contact_errors[email]))
                continue
            contact = contacts.get(email) if email else None
            account = accounts.get(ref) if ref else None
            if account is None and contact is None:
                issues.append(
                    self._fail(row, "company_name", _("Give the account (its number or name) or the contact's email."))
                )
                continue
            account_id = account.pk if account else contact.account_id
            resolved.append(
                (row, account, contact, self._key(row.data["topic"], account_id, getattr(contact, "pk", None)))
            )
        existing = self._existing({key[0] for *_rest, key in resolved})
        owners = self._owners(valid)
        seen, matched = {}, {}
        new, changed = [], []
        for row, account, contact, key in resolved:
            if key in seen:
                issues.append(
                    self._fail(row, "topic", _("Duplicate of row %(row)d in this file.") % {"row": seen[key]})
                )
                continue
            seen[key] = row.number
            matches = existing.get(key, [])
            if any(match.pk in self.written for match in matches):
                issues.append(self._fail(row, "topic", _("Duplicate of an earlier row in this file.")))
                continue
            if len(matches) > 1:
                issues.append(
                    self._fail(
                        row,
                        "topic",
                        _("This row matches %(count)d existing opportunities; it cannot tell which one to update.")
                        % {"count": len(matches)},
                    )
                )
                continue
            found = matches[0] if matches else None
            if self._matched_twice(row, "topic", found, matched, issues):
                continue
            self._plan(row, "topic", found, owners, (account, contact), new, changed, issues)
        service_issues, records = self._save_batch(opportunity_import_batch, Opportunity, new, changed, "opportunities")
        return issues + service_issues, records


EXAMPLES = {
    "topic": "Licențe ERP pentru depozit",
    "account_number": "CL-0001",
    "company_name": "Carpați Logistic SRL",
    "contact_email": "ana.popescu@carpati-logistic.example",
    "estimated_revenue": 45000,
    "estimated_close_date": "2027-03-31",
    "probability": 40,
    "description": "Ofertă pentru 25 de utilizatori",
}

OPPORTUNITIES = register(
    ImportKind("opportunities", OpportunityImporter, OPPORTUNITY_COLUMNS, round_trip=False, examples=EXAMPLES)
)
