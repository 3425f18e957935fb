"""The contacts' import: its columns (with every header that names each, Full Name split, Google's typed phones),
how rows match existing contacts (by email, else by first and last name on the account), the account each
row names (by number, else by name; created when asked), and the batch save through the contacts' services."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import account_ref, find_accounts
from accounts.models import Account
from accounts.services import account_import_batch
from contacts.models import Contact
from contacts.services import already_on_account_error, contact_import_batch
from crm.imports.columns import ADDRESS, ADDRESS_JOINS, Column, SplitColumn, TypedPair
from crm.imports.engine import BatchKeys, Importer, _NeedsLockedWrite
from crm.imports.models import ImportAction
from crm.imports.registry import ImportKind, register
from crm.imports.resources import resource_for
from crm.imports.values import normalize_label

# The sources of the exporters' headers are cited in crm/imports/columns.py.
CONTACT_COLUMNS = (
    Column(
        "first_name",
        gettext_lazy("First Name"),
        aliases=("Prenume", "firstname", "Given Name", "Person - First name"),
        required=False,
    ),
    Column(
        "last_name",
        gettext_lazy("Last Name"),
        aliases=("Nume", "lastname", "Surname", "Family Name", "Person - Last name"),
        required=True,
    ),
    Column(
        "job_title",
        gettext_lazy("Job Title"),
        # Outlook's "Title" is the honorific (Mr., Dr.) and comes before its "Job Title"; Zoho's and
        # Salesforce's "Title" is the job title itself: loose, so it feeds the field only when alone.
        aliases=(
            "Funcție",
            "jobtitle",
            "Position",
            "Organization Title",
            "Organization 1 - Title",
            "Person - Job title",
        ),
        loose=("Title",),
    ),
    Column(
        "account_number",
        gettext_lazy("Account Number"),
        aliases=("Număr cont", "accountnumber", "Company Number", "Account No"),
        source="account.account_number",
    ),
    Column(
        "company_name",
        gettext_lazy("Company Name"),
        aliases=(
            "Nume companie",
            "Account Name",
            "Nume cont",
            "parentcustomerid",
            "Organization Name",
            "Organization 1 - Name",  # Google
            "Organization - Name",
            "Person - Organization",  # Pipedrive
        ),
        # Outlook writes "Company" and, much later, an "Account" of its own that is usually empty.
        loose=("Company", "Organization", "Organisation", "Account", "Cont"),
        source="account.name",
    ),
    Column(
        "email",
        gettext_lazy("Email"),
        "email",
        aliases=(
            "E-mail",
            "Email Address",
            "emailaddress1",
            "E-mail Address",
            "E-mail 1 - Value",  # Google
            "Primary Email",  # Thunderbird
            "Person - Email - Work",
            "Person - Email",  # Pipedrive
        ),
    ),
    Column(
        "business_phone",
        gettext_lazy("Business Phone"),
        # Google's "Phone 1 - Value" comes here or to the mobile phone by its "Phone 1 - Label": see CONTACT_PAIRS.
        aliases=(
            "Telefon serviciu",
            "telephone1",
            "Work Phone",
            "Phone Number",
            "Person - Phone - Work",
            "Person - Phone",
        ),
        loose=("Phone", "Telefon"),
    ),
    Column(
        "mobile_phone",
        gettext_lazy("Mobile Phone"),
        aliases=(
            "Telefon mobil",
            "mobilephone",
            "Mobile",
            "Cell Phone",
            "Mobile Phone Number",  # HubSpot
            "Mobile Number",  # Thunderbird
            "Person - Phone - Mobile",  # Pipedrive
        ),
    ),
    Column(
        "preferred_contact_method",
        gettext_lazy("Preferred Method of Contact"),
        "choice",
        aliases=("Metodă de contact preferată", "preferredcontactmethodcode", "Preferred Contact Method"),
    ),
    *ADDRESS,
    Column("description", gettext_lazy("Description"), aliases=("Descriere", "Notes", "Note")),
    Column("status", gettext_lazy("Status"), "choice", aliases=("Stare", "statecode")),
    # No "ownerid": Salesforce's Data Loader and Dynamics' API write record ids under it, never a username,
    # so reading it would fail every row.
    Column("owner", gettext_lazy("Owner"), "user", aliases=("Proprietar",)),
)

# Columns read on import only (never exported, nor in the templates): they feed other columns' fields.
CONTACT_SPLITS = (
    *ADDRESS_JOINS,
    SplitColumn(
        "full_name",
        gettext_lazy("Full Name"),
        aliases=("Nume complet", "fullname", "Person - Name"),  # Dynamics 365's contacts export; Pipedrive
        into=("first_name", "last_name"),
    ),
)

# Google Contacts' CSV: "Phone 1 - Label" is Work, Mobile, Home (or Main, Work Fax, Other...; "* " marks the
# primary one), in the account's language. A home number never becomes a business number.
_PHONE_TYPES = {
    **dict.fromkeys(("work", "serviciu", "birou"), "business_phone"),
    **dict.fromkeys(("mobile", "mobil", "cell"), "mobile_phone"),
    **dict.fromkeys(("home", "acasa"), None),
}
CONTACT_PAIRS = (
    TypedPair(
        "Phone {n} - Value",
        "Phone {n} - Label",
        {normalize_label(name): key for name, key in _PHONE_TYPES.items()},
        untyped="business_phone",
    ),
)


class ContactImporter(Importer):
    model = Contact
    skips_organisations = True  # a vCard company card is an account, not a person
    writes_also = ("accounts",)  # the missing accounts it creates when asked

    @classmethod
    def undo_in_use(cls, job, ids):
        from invoices.models import Invoice
        from opportunities.models import Opportunity

        used = set(Opportunity.objects.filter(contact_id__in=ids).values_list("contact_id", flat=True))
        used |= set(Invoice.objects.filter(contact_id__in=ids).values_list("contact_id", flat=True))
        return {pk: [_("has opportunities or invoices")] for pk in used}

    @classmethod
    def undo_history(cls, history, record, changes):
        from crm.history.models import ChangeKind

        account = record._meta.get_field("account")
        detached = account in changes and changes[account][1] is None
        if detached:
            # The import put the contact on the account: taking it off again is a detachment, as on the page.
            history.add(record, ChangeKind.CONTACT_DETACHED, {account: changes.pop(account)})
        if changes:
            history.add(record, ChangeKind.UPDATED, changes)
        return detached

    @classmethod
    def undo_released(cls, ids, actor):
        """Accounts whose primary contact is one of ``ids`` lose it, each with an updated change."""
        from django.db.models import F
        from django.utils import timezone

        from crm.history.models import ChangeKind
        from crm.history.services import record_bulk_change

        if not ids:
            return
        accounts = Account.objects.filter(primary_contact_id__in=ids)
        if record_bulk_change(
            queryset=accounts, actor=actor, kind=ChangeKind.UPDATED, field_name="primary_contact", new_value=None
        ):
            accounts.update(
                primary_contact=None, version=F("version") + 1, modified_by=actor, modified_at=timezone.now()
            )

    fields = (
        "first_name",
        "last_name",
        "job_title",
        "email",
        "business_phone",
        "mobile_phone",
        "preferred_contact_method",
        "street",
        "city",
        "county",
        "postal_code",
        "country",
        "description",
        "status",
    )

    def _resolve_accounts(self, rows):
        """Find (or, when asked, create) the account each row names; return {ref: account} and {ref: error}."""
        refs = {ref for row in rows if (ref := account_ref(row.data))}
        found, errors, missing = find_accounts(refs, missing_ok=self.options.create_missing_accounts)
        if missing:
            self._create_missing_accounts(rows, missing, found, errors)
        return found, errors

    def _create_missing_accounts(self, rows, missing, found, errors):
        new = {}
        for row in rows:
            ref = account_ref(row.data)
            if ref not in missing or ref in new:
                continue
            name = row.data.get("company_name") or row.data.get("account_number")
            new[ref] = Account(name=name, account_number=row.data.get("account_number", ""), owner=self.actor)
        saved, _changed, failures = account_import_batch(
            new=list(new.values()), changed=[], actor=self.actor, validator=self._validator(Account)
        )
        failed_ids = {id(record) for record, _error in failures}
        for ref, record in new.items():
            if id(record) in failed_ids:
                error = next(error for failed, error in failures if failed is record)
                errors[ref] = _("The missing account could not be created: %(reason)s") % {
                    "reason": " ".join(error.messages)
                }
            else:
                found[ref] = record
                self.accounts_written.add(record.pk)
        self.outcome.accounts_created += len(saved)
        job_id = self.job.pk if self.job is not None else None
        self._extra_records = [
            (job_id, "accounts", record.pk, ImportAction.CREATED, None, record.modified_at) for record in saved
        ]

    def _contact_key(self, data, account_id):
        email = data.get("email")
        if email:
            return ("email", email.lower())
        # Lower case as the database's LOWER() folds it, so the lookup's index serves the same keys.
        return ("name", data.get("first_name", "").lower(), data.get("last_name", "").lower(), account_id)

    def _existing_contacts(self, keys):
        emails = {key[1] for key in keys if key[0] == "email"}
        last_names = {key[2] for key in keys if key[0] == "name"}
        ahead = self._ahead_of
        if ahead is not None and (emails & ahead.of("emails") or last_names & ahead.of("last_names")):
            raise _NeedsLockedWrite
        queryset = Contact.objects.select_related("account")
        if self._can_lock():
            queryset = queryset.select_for_update(of=("self",))
        by_email, by_name = defaultdict(list), defaultdict(list)
        if emails:
            for contact in queryset.with_email_keys(emails):
                by_email[("email", contact.email_key)].append(contact)
        if last_names:
            for contact in queryset.with_last_name_keys(last_names):
                key = ("name", contact.first_name.lower(), contact.last_name.lower(), contact.account_id)
                by_name[key].append(contact)
        found = by_email | by_name
        if ahead is not None:
            # As for accounts: matched contacts are written only at the version read here.
            self._looked_up = (
                "contacts",
                frozenset(email for email in emails if ("email", email) not in found),
                frozenset(key for key in keys if key[0] == "name" and key not in found),
            )
        return found

    def import_batch(self, batch):
        self._extra_records = []
        issues, valid = [], []
        for row in batch:
            if row.organisation:
                issues.append(self._skip(row, "company_name", _("An organisation's card, not a person: skipped.")))
            elif row.errors:
                issues.append(self._fail_parsed(row))
            else:
                valid.append(row)
        by_id = self._existing_by_id(Contact, valid)
        accounts, account_errors = self._resolve_accounts(valid)
        resolved = []
        for row in valid:
            ref = account_ref(row.data)
            if ref in account_errors:
                issues.append(self._fail(row, ref[0], account_errors[ref]))
                continue
            account = accounts.get(ref) if ref else None
            if row.data.get("id") is not None:
                key = ("id", row.data["id"])
            else:
                key = self._contact_key(row.data, account.pk if account else None)
            resolved.append((row, account, key))
        existing_by_key = self._existing_contacts({key for _row, _account, key in resolved if key[0] != "id"})
        owners = self._owners(valid)
        seen, matched = {}, {}
        new, changed = [], []
        for row, account, key in resolved:
            if key[0] == "id":
                try:
                    entry = self._update_by_id(row, by_id, matched, owners, self.fields, issues, account)
                    if entry:
                        changed.append(entry)
                except ValidationError as error:
                    issues.append(self._validation_issue(row, error))
                continue
            column_key = "email" if key[0] == "email" else "last_name"
            if key in seen:
                issues.append(
                    self._fail(row, column_key, _("Duplicate of row %(row)d in this file.") % {"row": seen[key]})
                )
                continue
            seen[key] = row.number
            matches = existing_by_key.get(key, [])
            if any(match.pk in self.written for match in matches):
                issues.append(self._fail(row, column_key, _("Duplicate of an earlier row in this file.")))
                continue
            if len(matches) > 1:
                issues.append(
                    self._fail(
                        row,
                        column_key,
                        _("This row matches %(count)d existing contacts; it cannot tell which one to update.")
                        % {"count": len(matches)},
                    )
                )
                continue
            existing = matches[0] if matches else None
            if self._matched_twice(row, column_key, existing, matched, issues):
                continue
            self._plan(row, column_key, existing, owners, account, new, changed, issues)
        service_issues, records = self._save_batch(contact_import_batch, Contact, new, changed, "contacts")
        return issues + service_issues, self._extra_records + records

    def no_match(self):
        return _("No existing contact matches this row.")

    def duplicate_of(self, record):
        return _("Duplicate of the existing contact %(name)s.") % {"name": record}

    def new_linked(self, record, account):
        record.account = account

    def also_locks(self):
        return ("accounts",) if self.options.create_missing_accounts else ()

    def batch_keys(self, batch):
        data = [row.data for row in batch]
        return BatchKeys(
            emails=frozenset(d["email"].lower() for d in data if d.get("email")),
            last_names=frozenset(d.get("last_name", "").lower() for d in data),
        )

    def any_exist(self, kind, emails, name_keys):
        if emails and Contact.objects.with_email_keys(emails).exists():
            return True
        if not name_keys:
            return False
        stored = Contact.objects.with_last_name_keys({key[2] for key in name_keys}).values_list(
            "first_name", "last_name", "account_id"
        )
        return any(("name", first.lower(), last.lower(), account) in name_keys for first, last, account in stored)

    def by_id_queryset(self, model):
        return super().by_id_queryset(model).select_related("account")

    def refuse_update(self, row, record, account):
        if account is not None and record.account_id not in (None, account.pk):
            error = already_on_account_error(record, record.account)
            return self._fail(row, ref_column(row.data), " ".join(error.messages))
        return None

    def link(self, record, account, previous):
        if account is not None and record.account_id is None:
            previous["account_id"] = None
            record.account = account


def ref_column(data):
    return "account_number" if data.get("account_number") else "company_name"


EXAMPLES = {
    "first_name": "Ana",
    "last_name": "Popescu",
    "job_title": "Director comercial",
    "email": "ana.popescu@carpati-logistic.example",
    "business_phone": "+40 21 123 4568",
    "mobile_phone": "+40 722 123 456",
    "street": "Strada Fabricii 12",
    "city": "Cluj-Napoca",
    "county": "Cluj",
    "postal_code": "400620",
    "country": "România",
    "description": "Întâlnire la târgul de logistică",
}

CONTACTS = register(
    ImportKind(
        "contacts", ContactImporter, CONTACT_COLUMNS, splits=CONTACT_SPLITS, pairs=CONTACT_PAIRS, examples=EXAMPLES
    )
)
ContactResource = resource_for(CONTACTS)


def find_contacts_by_email(emails):
    """The contacts other imports' rows name by email: ({email, lower case: contact}, {email: why it fails}) for
    an email naming no contact or several."""
    emails = {email.lower() for email in emails if email}
    found = defaultdict(list)
    if emails:
        contacts = Contact.objects.with_email_keys(emails).only("pk", "account_id", "email", "first_name", "last_name")
        for contact in contacts:
            found[contact.email_key].append(contact)
    errors = {}
    for email in emails:
        if len(found.get(email, ())) > 1:
            errors[email] = _("Several contacts have the email “%(email)s”: give the account instead.") % {
                "email": email
            }
        elif email not in found:
            errors[email] = _("No contact has the email “%(email)s”.") % {"email": email}
    return {email: matches[0] for email, matches in found.items() if len(matches) == 1}, errors
