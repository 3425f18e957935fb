"""The invoices' import: one row per line item, the rows of one invoice together (grouped by invoice number), the
account each invoice names (by number, else by name) and its contact (by email), matched to existing invoices by
number, and saved with their lines through the invoices' services.

The first row of an invoice gives its header (name, customer, dates, currency, description); every row gives a
line. Updating an invoice replaces its lines with the file's, when the file has line columns; only an active
invoice is updated (a paid or canceled one is as its page leaves it). Created and updated count invoices;
skipped and failed count rows.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import account_ref, find_accounts
from contacts.imports import find_contacts_by_email
from crm.imports.columns import Column
from crm.imports.engine import BatchKeys, Importer, RowIssue, _json_value, _NeedsLockedWrite
from crm.imports.models import ImportMode, ImportRowIssue
from crm.imports.registry import ImportKind, register
from invoices.models import Invoice, InvoiceLine, InvoiceState
from invoices.services import invoice_import_batch

# Where the headers come from: Dynamics 365's Export to Excel of Invoices and their Invoice Products ("Invoice
# ID", "Name", "Potential Customer", "Date Delivered", "Due Date", "Existing Product", "Write-In Product",
# "Quantity", "Price Per Unit", "Manual Discount", "Tax"); QuickBooks' and Xero's sales exports ("Invoice No",
# "InvoiceNumber", "Customer", "ContactName", "InvoiceDate", "DueDate", "Item", "Product/Service", "Qty",
# "Rate", "UnitAmount", "Discount", "TaxRate"); SmartBill's Romanian export ("Număr", "Client", "Data",
# "Scadența", "Produs", "Cantitate", "Preț", "Cota TVA").
INVOICE_COLUMNS = (
    Column(
        "invoice_number",
        gettext_lazy("Invoice Number"),
        aliases=(
            "Număr factură",
            "Nr. factură",
            "invoicenumber",
            "Invoice ID",
            "Invoice No",
            "Invoice #",
            "Număr",
        ),
        required=True,
        loose=("Number", "Nr"),
    ),
    Column("name", gettext_lazy("Invoice Name"), aliases=("Nume factură", "Denumire factură"), loose=("Name",)),
    Column(
        "account_number",
        gettext_lazy("Account Number"),
        aliases=("Număr cont", "accountnumber", "Account No", "CUI"),
        source="account.account_number",
    ),
    Column(
        "company_name",
        gettext_lazy("Account"),
        aliases=("Cont", "Account Name", "Nume cont", "Potential Customer", "Customer", "Client", "Company Name"),
        loose=("Company", "Organization"),
        source="account.name",
    ),
    Column(
        "contact_email",
        gettext_lazy("Contact Email"),
        "email",
        aliases=("E-mail contact", "Email contact", "Contact E-mail", "EmailAddress"),
        loose=("Email", "E-mail"),
        source="contact.email",
    ),
    Column("currency", gettext_lazy("Currency"), "choice", aliases=("Monedă", "Moneda", "transactioncurrencyid")),
    Column(
        "invoice_date",
        gettext_lazy("Invoice Date"),
        "date",
        aliases=("Dată factură", "Data factură", "InvoiceDate", "Date Delivered"),
        loose=("Date", "Data"),
    ),
    Column("due_date", gettext_lazy("Due Date"), "date", aliases=("Dată scadentă", "Scadența", "Scadență", "DueDate")),
    Column("description", gettext_lazy("Description"), aliases=("Descriere", "Notes", "Note")),
    Column("owner", gettext_lazy("Owner"), "user", aliases=("Proprietar",)),
    # The line item each row adds.
    Column(
        "line_description",
        gettext_lazy("Line Description"),
        aliases=(
            "Descriere linie",
            "Existing Product",
            "Write-In Product",
            "Product",
            "Produs",
            "Product/Service",
            "Item",
            "Articol",
        ),
    ),
    Column("quantity", gettext_lazy("Quantity"), "decimal", aliases=("Cantitate", "Qty", "Cant.")),
    Column(
        "unit_price",
        gettext_lazy("Unit Price"),
        "decimal",
        aliases=("Preț unitar", "Price Per Unit", "UnitAmount", "Rate", "Preț"),
        loose=("Price",),
    ),
    Column("discount", gettext_lazy("Discount"), "decimal", aliases=("Reducere", "Manual Discount")),
    Column(
        "tax_rate",
        gettext_lazy("Tax Rate"),
        "rate",
        aliases=("Cotă TVA", "Cota TVA", "TaxRate", "VAT %", "TVA %", "Tax %", "VAT Rate"),
    ),
)
# The row's keys that make its line, and the line's fields they feed.
LINE_KEYS = {
    "line_description": "description",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "discount": "discount",
    "tax_rate": "tax_rate",
}


def _line(data):
    """The line a row gives ({line field: value}), or None when its line cells are empty."""
    line = {field: data[key] for key, field in LINE_KEYS.items() if data.get(key) not in (None, "")}
    return line or None


def _same_lines(stored, given):
    """Whether ``given`` (the file's lines) are the invoice's lines as they are, in order."""
    if len(stored) != len(given):
        return False
    defaults = {name: InvoiceLine._meta.get_field(name).get_default() for name in LINE_KEYS.values()}
    for line, data in zip(stored, given, strict=True):
        for name, default in defaults.items():
            value = data.get(name, default)
            current = getattr(line, name)
            if isinstance(current, Decimal) and value is not None:
                try:
                    value = Decimal(value)
                except ArithmeticError:
                    return False
            if current != value:
                return False
    return True


class InvoiceImporter(Importer):
    model = Invoice
    fields = ("name", "currency", "invoice_date", "due_date", "description")

    @staticmethod
    def group_of(row):
        return row.data.get("invoice_number") or ("row", row.number)

    @classmethod
    def undo_restore_errors(cls, restores):
        # The import replaced their lines, which undo cannot put back: they stay as they are, listed.
        error = ValidationError(_("its lines were replaced by the import; correct it on its page"))
        return [(record, error) for record, _before in restores]

    def batch_keys(self, batch):
        return BatchKeys(
            numbers=frozenset(row.data["invoice_number"] for row in batch if row.data.get("invoice_number"))
        )

    def any_exist(self, kind, numbers):
        return bool(numbers) and Invoice.objects.filter(invoice_number__one_of=list(numbers)).exists()

    def _existing(self, numbers):
        ahead = self._ahead_of
        if ahead is not None and numbers & ahead.of("numbers"):
            raise _NeedsLockedWrite
        queryset = Invoice.objects.all()
        if self._can_lock():
            queryset = queryset.select_for_update(of=("self",))
        found = queryset.in_bulk(numbers, field_name="invoice_number") if numbers else {}
        if ahead is not None:
            self._looked_up = ("invoices", frozenset(numbers - set(found)))
        return found

    def _with(self, rows, first, kind, message, *, fail=True):
        """The issues of an invoice's rows after the first: they go (are skipped or fail) with it."""
        issues = []
        for row in rows:
            if row is first:
                continue
            if fail:
                self.outcome.failed += 1
            else:
                self.outcome.skipped += 1
            issues.append(RowIssue(row.number, self.header_of.get("invoice_number", ""), message, row.cells, kind))
        return issues

    def _skipped(self, number, rows, message):
        """The invoice's rows, skipped: the first with ``message``, the others as its lines."""
        first = rows[0]
        line = _("Line of invoice %(number)s, skipped with it.") % {"number": number}
        return [
            self._skip(first, "invoice_number", message),
            *self._with(rows, first, ImportRowIssue.Kind.SKIPPED, line, fail=False),
        ]

    def _failed_with(self, number, rows, failed):
        """The invoice's rows other than ``failed`` (which failed with its reason), failed with it."""
        message = _("Part of invoice %(number)s, not imported: see row %(row)d.") % {
            "number": number,
            "row": failed.number,
        }
        return self._with(rows, failed, ImportRowIssue.Kind.FAILED, message)

    def import_batch(self, batch):
        issues = []
        groups = defaultdict(list)
        for row in batch:
            groups[self.group_of(row)].append(row)
        has_lines = any(key in self.header_of for key in LINE_KEYS)
        valid = []
        for number, rows in groups.items():
            broken = next((row for row in rows if row.errors), None)
            if broken is None:
                valid.append((number, rows))
                continue
            issues.append(self._fail_parsed(broken))
            issues.extend(
                self._with(
                    rows,
                    broken,
                    ImportRowIssue.Kind.FAILED,
                    _("Invoice %(number)s has a row that failed (row %(row)d): not imported.")
                    % {"number": number, "row": broken.number},
                )
            )
        headers = [rows[0] for _number, rows in valid]
        accounts, account_errors, _missing = find_accounts({ref for row in headers if (ref := account_ref(row.data))})
        contacts, contact_errors = find_contacts_by_email(row.data.get("contact_email") for row in headers)
        existing = self._existing({number for number, _rows in valid})
        stored_lines = defaultdict(list)
        if has_lines and existing:
            for line in InvoiceLine.objects.filter(invoice__in=list(existing.values())).order_by("position", "pk"):
                stored_lines[line.invoice_id].append(line)
        owners = self._owners(headers)
        new, changed, lines, rows_of = [], [], {}, {}
        mode = self.options.mode
        for number, rows in valid:
            first = rows[0]
            failure = None
            ref = account_ref(first.data)
            email = (first.data.get("contact_email") or "").lower()
            if ref in account_errors:
                failure = (ref[0], account_errors[ref])
            elif email in contact_errors:
                failure = ("contact_email", contact_errors[email])
            if failure is not None:
                issues.append(self._fail(first, *failure))
                issues.extend(self._failed_with(number, rows, first))
                continue
            account, contact = accounts.get(ref) if ref else None, contacts.get(email) if email else None
            given = [line for row in rows if (line := _line(row.data))]
            found = existing.get(number)
            try:
                if found is None:
                    if mode == ImportMode.UPDATE:
                        issues.extend(self._skipped(number, rows, _("No existing invoice matches this row.")))
                        continue
                    if account is None and contact is None:
                        raise ValidationError(
                            {"company_name": _("Give the account (its number or name) or the contact's email.")}
                        )
                    if not given:
                        raise ValidationError(
                            {
                                "line_description": _(
                                    "An invoice needs at least one line: give its description and unit price."
                                )
                            }
                        )
                    owner = self._resolve_owner(first, owners, None)
                    record = self.new_record()
                    record.owner = owner or self.actor
                    record.invoice_number = number
                    record.account, record.contact = account, contact
                    self._apply_new(record, first, self.fields)
                    record.name = record.name or number
                    new.append((first, record))
                    lines[id(record)] = given
                    rows_of[id(record)] = (number, rows)
                    continue
                if mode == ImportMode.CREATE:
                    issues.extend(
                        self._skipped(
                            number,
                            rows,
                            _("Duplicate of the existing invoice %(name)s.") % {"name": found.invoice_number},
                        )
                    )
                    continue
                if found.state != InvoiceState.ACTIVE:
                    raise ValidationError(
                        {
                            "invoice_number": _("This invoice is %(state)s and can no longer be changed.")
                            % {"state": found.get_state_display()}
                        }
                    )
                if found.pk in self.written:
                    raise ValidationError({"invoice_number": _("Duplicate of an earlier row in this file.")})
                owner = self._resolve_owner(first, owners, found)
                previous = self._apply(found, first, self.fields, owner)
                for name, value in (("account", account), ("contact", contact)):
                    if value is not None and getattr(found, f"{name}_id") != value.pk:
                        previous[f"{name}_id"] = getattr(found, f"{name}_id")
                        setattr(found, name, value)
                if has_lines and given and not _same_lines(stored_lines.get(found.pk, []), given):
                    lines[id(found)] = given
                    # The total the lines gave, in the history and for undo (which cannot put the lines back).
                    previous.setdefault("total_amount", _json_value(found.total_amount))
                if not previous and id(found) not in lines:
                    issues.extend(self._skipped(number, rows, _("No changes.")))
                    continue
                changed.append((first, found, previous))
                rows_of[id(found)] = (number, rows)
            except ValidationError as error:
                issues.append(self._validation_issue(first, error))
                issues.extend(self._failed_with(number, rows, first))
        saved_new, saved_changed, errors = invoice_import_batch(
            new=[record for _row, record in new],
            changed=[(record, set(previous)) for _row, record, previous in changed],
            actor=self.actor,
            validator=self._validator(Invoice),
            lines=lines,
        )
        saved_issues, records = self._collect(new, changed, saved_new, saved_changed, errors, "invoices")
        for record, _error in errors:
            number, rows = rows_of[id(record)]
            issues.extend(self._failed_with(number, rows, rows[0]))
        return issues + saved_issues, records


EXAMPLES = {
    "invoice_number": "FCT-IMPORT-0001",
    "name": "Servicii logistice noiembrie",
    "account_number": "CL-0001",
    "company_name": "Carpați Logistic SRL",
    "invoice_date": "2026-11-30",
    "due_date": "2026-12-30",
    "line_description": "Depozitare palet (lună)",
    "quantity": 40,
    "unit_price": 85,
}

INVOICES = register(ImportKind("invoices", InvoiceImporter, INVOICE_COLUMNS, round_trip=False, examples=EXAMPLES))
