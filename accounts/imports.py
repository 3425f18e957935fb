"""The accounts' import: its columns (with every header that names each), how rows match existing accounts
(by account number, else by name), and the batch save through the accounts' services."""

from collections import defaultdict
from functools import partial

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account, account_number_key
from accounts.services import account_import_batch
from crm.imports.columns import ADDRESS, ADDRESS_JOINS, Column
from crm.imports.engine import BatchKeys, Importer, _NeedsLockedWrite
from crm.imports.registry import ImportKind, register
from crm.imports.resources import resource_for

# The sources of the exporters' headers are cited in crm/imports/columns.py.
ACCOUNT_COLUMNS = (
    Column(
        "name",
        gettext_lazy("Account Name"),
        aliases=(
            "Nume cont",
            "Denumire",
            "Company Name",
            "Organization Name",
            "Organization 1 - Name",  # Google
            "Organization - Name",  # Pipedrive
        ),
        required=True,
        loose=("Name", "Company", "Organization", "Organisation"),
    ),
    Column(
        "account_number", gettext_lazy("Account Number"), aliases=("Număr cont", "accountnumber", "Cod client", "CUI")
    ),
    Column(
        "relationship_type", gettext_lazy("Relationship Type"), "choice", aliases=("Tip relație", "customertypecode")
    ),
    Column("industry", gettext_lazy("Industry"), "choice", aliases=("Industrie", "industrycode")),
    Column(
        "main_phone",
        gettext_lazy("Main Phone"),
        aliases=("Telefon principal", "telephone1", "Company Main Phone", "Phone Number"),
        loose=("Telefon", "Phone", "Business Phone"),
    ),
    Column("email", gettext_lazy("Email"), "email", aliases=("E-mail", "Email Address", "emailaddress1")),
    Column(
        "website",
        gettext_lazy("Website"),
        "url",
        aliases=("Site web", "Web site", "websiteurl", "Website URL", "Web Page"),
    ),
    *ADDRESS,
    Column(
        "annual_revenue",
        gettext_lazy("Annual Revenue"),
        "decimal",
        aliases=("Venit anual", "revenue", "Cifra de afaceri"),
    ),
    Column("currency", gettext_lazy("Currency"), "choice", aliases=("Monedă", "Moneda", "transactioncurrencyid")),
    Column(
        "number_of_employees",
        gettext_lazy("Number of Employees"),
        "integer",
        aliases=("Număr de angajați", "numberofemployees", "Employees", "Angajați"),
    ),
    Column("description", gettext_lazy("Description"), aliases=("Descriere",)),
    Column("status", gettext_lazy("Status"), "choice", aliases=("Stare", "statecode")),
    # No "ownerid": Salesforce's Data Loader and Dynamics' API write record ids under it, never a username,
    # so reading it would fail every row.
    Column("owner", gettext_lazy("Owner"), "user", aliases=("Proprietar",)),
)


class AccountImporter(Importer):
    model = Account

    def no_match(self):
        return _("No existing account matches this row.")

    def duplicate_of(self, record):
        return _("Duplicate of the existing account %(account)s.") % {"account": describe_accounts([record])}

    @classmethod
    def undo_in_use(cls, job, ids):
        from contacts.models import Contact
        from invoices.models import Invoice
        from opportunities.models import Opportunity

        reasons = defaultdict(list)
        used = set(Opportunity.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
        used |= set(Invoice.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
        for pk in used:
            reasons[pk].append(_("has opportunities or invoices"))
        for pk in set(Account.objects.filter(parent_account_id__in=ids).values_list("parent_account_id", flat=True)):
            reasons[pk].append(_("has child accounts"))
        # The job's own contacts were undone first: a contact still on the account is someone else's, or one of
        # the job's that the undo keeps.
        attached = list(Contact.objects.filter(account_id__in=ids).values_list("account_id", "pk"))
        own = set()
        if attached and job.target == "contacts":
            own = set(
                job.records.filter(target="contacts", object_id__in=[pk for _account, pk in attached]).values_list(
                    "object_id", flat=True
                )
            )
        others = {account_id for account_id, pk in attached if pk not in own}
        for pk in others:
            reasons[pk].append(_("has contacts added since the import"))
        for pk in {account_id for account_id, _pk in attached} - others:
            reasons[pk].append(_("has imported contacts that the undo keeps"))
        return reasons

    @classmethod
    def undo_restore_errors(cls, restores):
        """The restored accounts whose former account number another account has taken since, with the error."""
        numbers = {
            account_number_key(record.account_number): record
            for record, before in restores
            if any(field.name == "account_number" for field in before) and record.account_number.strip()
        }
        if not numbers:
            return []
        taken = Account.objects.with_number_keys(numbers).values_list("number_key", "pk")
        error = ValidationError(
            {"account_number": _("An account with this account number already exists.")}, code="account_number_taken"
        )
        return [(numbers[number], error) for number, pk in taken if numbers[number].pk != pk]

    fields = (
        "name",
        "account_number",
        "relationship_type",
        "industry",
        "main_phone",
        "email",
        "website",
        "street",
        "city",
        "county",
        "postal_code",
        "country",
        "annual_revenue",
        "currency",
        "number_of_employees",
        "description",
        "status",
    )

    def _account_key(self, data):
        number = data.get("account_number")
        if number:
            return ("account_number", account_number_key(number))
        return ("name", data.get("name", ""))

    def import_batch(self, batch):
        issues, valid = [], []
        for row in batch:
            if row.errors:
                issues.append(self._fail_parsed(row))
            else:
                valid.append(row)
        by_id = self._existing_by_id(Account, valid)
        valid, by_id_rows = [row for row in valid if row.data.get("id") is None], valid
        numbers = {account_number_key(row.data["account_number"]) for row in valid if row.data.get("account_number")}
        names = {row.data.get("name") for row in valid if not row.data.get("account_number") and row.data.get("name")}
        by_number, by_name = self._existing_accounts(numbers, names)
        valid = by_id_rows  # in file order: a row with an id and one without can name the same account
        owners = self._owners(valid)
        seen, matched = {}, {}
        new, changed = [], []
        for row in valid:
            if row.data.get("id") is not None:
                try:
                    if entry := self._update_by_id(row, by_id, matched, owners, self.fields, issues):
                        changed.append(entry)
                except ValidationError as error:
                    issues.append(self._validation_issue(row, error))
                continue
            key = self._account_key(row.data)
            column_key = key[0]
            if key in seen:
                issues.append(
                    self._fail(row, column_key, _("Duplicate of row %(row)d in this file.") % {"row": seen[key]})
                )
                continue
            seen[key] = row.number
            # A row without a number matches by name, also an account an earlier row of this batch numbered.
            seen.setdefault(("name", row.data.get("name", "")), row.number)
            if key[0] == "account_number":
                matches = [by_number[key[1]]] if key[1] in by_number else []
            else:
                matches = by_name.get(key[1], [])
            if any(match.pk in self.written for match in matches):
                issues.append(self._fail(row, column_key, _("Duplicate of an earlier row in this file.")))
                continue
            if len(matches) > 1:
                issues.append(
                    self._fail(
                        row,
                        "name",
                        _("The name “%(name)s” matches %(count)d accounts: %(accounts)s. Give the account number.")
                        % {"name": key[1], "count": len(matches), "accounts": describe_accounts(matches)},
                    )
                )
                continue
            existing = matches[0] if matches else None
            if self._matched_twice(row, column_key, existing, matched, issues):
                continue
            self._plan(row, column_key, existing, owners, None, new, changed, issues)
        # Every new account's number was looked up by _existing_accounts in this transaction and not found.
        service = partial(account_import_batch, numbers_checked=True)
        service_issues, records = self._save_batch(service, Account, new, changed, "accounts")
        return issues + service_issues, records

    def _existing_accounts(self, numbers, names):
        ahead = self._ahead_of
        if ahead is not None and (numbers & ahead.of("numbers") or names & ahead.of("names")):
            raise _NeedsLockedWrite
        by_number, by_name = {}, defaultdict(list)
        queryset = Account.objects.select_for_update(of=("self",)) if self._can_lock() else Account.objects.all()
        if numbers:
            for account in queryset.with_number_keys(numbers):
                by_number[account.number_key] = account
        if names:
            for account in queryset.filter(name__one_of=list(names)):
                by_name[account.name].append(account)
        if ahead is not None:
            # Planned ahead, without row locks: the writer updates a matched record only while it is at the
            # version read here (crm.bulk.update_records), and checks that the keys not found still are not.
            self._looked_up = ("accounts", frozenset(numbers - set(by_number)), frozenset(names - set(by_name)))
        return by_number, by_name

    def batch_keys(self, batch):
        data = [row.data for row in batch]
        return BatchKeys(
            numbers=frozenset(account_number_key(d["account_number"]) for d in data if d.get("account_number")),
            names=frozenset(d["name"] for d in data if d.get("name")),
        )

    def any_exist(self, kind, numbers, names):
        return (bool(numbers) and Account.objects.with_number_keys(numbers).exists()) or (
            bool(names) and Account.objects.filter(name__one_of=list(names)).exists()
        )


def account_ref(data):
    """The account a row of another import names: ("account_number", its key), ("company_name", name) or None."""
    number = data.get("account_number")
    if number:
        return ("account_number", account_number_key(number))
    name = data.get("company_name")
    if name:
        return ("company_name", name)
    return None


def find_accounts(refs, *, missing_ok=False):
    """The accounts other imports' rows name ({account_ref: account}), the refs that fail ({ref: why}) and, with
    ``missing_ok``, those naming no account ({ref: None}, for the caller to create) rather than failing."""
    numbers = {value for kind, value in refs if kind == "account_number"}
    names = {value for kind, value in refs if kind == "company_name"}
    by_number, by_name = {}, defaultdict(list)
    # A linked record needs of its account only the id; the name and number go into error messages.
    accounts = Account.objects.only("pk", "name", "account_number")
    if numbers:
        for account in accounts.with_number_keys(numbers):
            by_number[account.number_key] = account
    if names:
        for account in accounts.filter(name__one_of=list(names)):
            by_name[account.name].append(account)
    found, errors, missing = {}, {}, {}
    for ref in refs:
        kind, value = ref
        matches = [by_number[value]] if kind == "account_number" and value in by_number else []
        if kind == "company_name":
            matches = by_name.get(value, [])
        if len(matches) == 1:
            found[ref] = matches[0]
        elif len(matches) > 1:
            errors[ref] = _(
                "The account name “%(name)s” matches %(count)d accounts: %(accounts)s. "
                "Give the account number instead."
            ) % {"name": value, "count": len(matches), "accounts": describe_accounts(matches)}
        elif missing_ok:
            missing[ref] = None
        else:
            label = _("number") if kind == "account_number" else _("name")
            errors[ref] = _("No account has the %(what)s “%(value)s”.") % {"what": label, "value": value}
    return found, errors, missing


def describe_accounts(accounts):
    return ", ".join(
        f"{account.name} ({account.account_number})" if account.account_number else f"{account.name} (#{account.pk})"
        for account in accounts
    )


EXAMPLES = {
    "name": "Carpați Logistic SRL",
    "account_number": "CL-0001",
    "main_phone": "+40 21 123 4567",
    "email": "office@carpati-logistic.example",
    "website": "https://www.carpati-logistic.example",
    "street": "Strada Fabricii 12",
    "city": "Cluj-Napoca",
    "county": "Cluj",
    "postal_code": "400620",
    "country": "România",
    "annual_revenue": 250000,
    "number_of_employees": 25,
    "description": "Transport și depozitare",
}

ACCOUNTS = register(ImportKind("accounts", AccountImporter, ACCOUNT_COLUMNS, splits=ADDRESS_JOINS, examples=EXAMPLES))
AccountResource = resource_for(ACCOUNTS)
