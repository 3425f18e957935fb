"""The activities' import: notes, tasks and phone calls about an account (by its number, else its name) or a
contact (by email), with the headers Dynamics 365, Salesforce and Outlook write, matched to the activities
already there and saved in bulk with their change history, as the activity services save them one by one.

An activity has no number of its own. A row carrying an exported activity's id and version (the round trip)
updates that activity; any other row matches the activity of its type about the same record with the same
subject and due date (a note: the same text), so that importing a file again changes what it wrote instead of
adding it twice. Each kind keeps only the fields its form has. A note is written closed, as it happened; a task
or a call whose status says Completed or Canceled is closed on import, and one the import finds open is closed
when the row says so. A closed task or call is read-only, as on its page, until it is reopened: a row changing
it fails.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import account_ref, find_accounts
from accounts.models import Account
from contacts.models import Contact
from crm import permissions
from crm.activities.forms import KIND_FIELDS
from crm.activities.models import Activity, ActivityKind, ActivityState, Direction, Priority
from crm.activities.services import activity_import_batch
from crm.imports.columns import Column
from crm.imports.engine import BatchKeys, Importer, _NeedsLockedWrite
from crm.imports.registry import ImportKind, register

# What the import writes: the kinds a file of another program's activities holds. Appointments and emails have
# attendees and recipients a row cannot carry.
IMPORTED_KINDS = (ActivityKind.NOTE, ActivityKind.TASK, ActivityKind.PHONE_CALL)

# Where the exporters' headers come from (their documented or as-written export formats):
# - Dynamics 365: Export to Excel of Activities ("Activity Type", "Subject", "Regarding", "Priority", "Due Date",
#   "Activity Status", "Owner", "Description"); its phone calls ("Phone Number", "Direction", "Duration"); the
#   API's names (activitytypecode, scheduledend, statecode, prioritycode, directioncode, actualdurationminutes).
# - Salesforce: activity reports ("Subject", "Task Subtype", "Status", "Priority", "Due Date", "Assigned",
#   "Comments", "Call Type" Inbound/Outbound, "Call Result", "Company / Account"); its task statuses Not Started,
#   In Progress, Waiting on someone else, Deferred, Completed.
# - Outlook: tasks exported to CSV ("Subject", "Due Date", "Status", "Priority" Low/Normal/High, "Notes").
ACTIVITY_COLUMNS = (
    Column(
        "kind",
        gettext_lazy("Activity Type"),
        "choice",
        aliases=("Tip activitate", "activitytypecode", "Task Subtype"),
        required=True,
        synonyms=(
            ("Call", ActivityKind.PHONE_CALL),
            ("Phone", ActivityKind.PHONE_CALL),
            ("Apel", ActivityKind.PHONE_CALL),
            ("To-do", ActivityKind.TASK),
            ("Annotation", ActivityKind.NOTE),  # Dynamics' name of a note
            ("Notiță", ActivityKind.NOTE),
        ),
    ),
    Column("subject", gettext_lazy("Subject"), aliases=("Subiect",), loose=("Title", "Titlu")),
    Column(
        "description",
        gettext_lazy("Description"),
        aliases=("Descriere", "Comments", "Full Comments", "Notes", "Note Text", "notetext"),
        loose=("Note", "Notă"),
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
        aliases=("Cont", "Account Name", "Nume cont", "Company / Account", "Company Name"),
        loose=("Company", "Organization", "Organisation"),
        source="account.name",
    ),
    Column(
        "contact_email",
        gettext_lazy("Contact Email"),
        "email",
        aliases=("E-mail contact", "Email contact", "Contact E-mail", "Contact Email Address"),
        loose=("Email", "E-mail"),
        source="contact.email",
    ),
    Column(
        "due_at",
        gettext_lazy("Due"),
        "datetime",
        aliases=("Due Date", "Dată scadentă", "Scadență", "scheduledend", "Activity Date", "Call on"),
    ),
    Column(
        "priority",
        gettext_lazy("Priority"),
        "choice",
        aliases=("Prioritate", "prioritycode"),
        synonyms=(("Medium", Priority.NORMAL), ("Medie", Priority.NORMAL)),
    ),
    Column(
        "state",
        gettext_lazy("Status"),
        "choice",
        aliases=("Stare", "Activity Status", "statecode"),
        synonyms=(
            ("Not Started", ActivityState.OPEN),
            ("In Progress", ActivityState.OPEN),
            ("Waiting on someone else", ActivityState.OPEN),
            ("Deferred", ActivityState.OPEN),
            ("Deschis", ActivityState.OPEN),
            ("Done", ActivityState.COMPLETED),
            ("Finalizat", ActivityState.COMPLETED),
            ("Cancelled", ActivityState.CANCELED),
            ("Anulat", ActivityState.CANCELED),
        ),
    ),
    Column(
        "direction",
        gettext_lazy("Direction"),
        "choice",
        aliases=("Direcție", "directioncode", "Call Type"),
        synonyms=(
            ("Outbound", Direction.OUTGOING),
            ("Inbound", Direction.INCOMING),
            ("Ieșire", Direction.OUTGOING),
            ("Intrare", Direction.INCOMING),
        ),
    ),
    Column(
        "phone_number",
        gettext_lazy("Phone Number"),
        aliases=("Număr de telefon", "phonenumber"),
        loose=("Phone", "Telefon"),
    ),
    Column(
        "duration_minutes",
        gettext_lazy("Duration (minutes)"),
        "integer",
        aliases=("Durată (minute)", "actualdurationminutes", "Duration", "Durată"),
    ),
    Column("outcome", gettext_lazy("Outcome"), aliases=("Rezultat", "Call Result")),
    Column("owner", gettext_lazy("Owner"), "user", aliases=("Proprietar", "Assigned", "Assigned To", "Activity Owner")),
)

# The columns naming the record an activity regards, in the order a row is read by them.
REGARDING_COLUMNS = ("account_number", "company_name", "contact_email")


def _text(kind, data) -> str:
    """What tells a row's activity from the others of its kind about one record: a note's text, else its subject."""
    return data.get("description", "") if kind == ActivityKind.NOTE else data.get("subject", "")


class ActivityImporter(Importer):
    model = Activity
    fields = (
        "subject",
        "description",
        "due_at",
        "priority",
        "direction",
        "phone_number",
        "duration_minutes",
        "outcome",
    )

    def no_match(self):
        return _("No existing activity matches this row.")

    def duplicate_of(self, record):
        return _("Duplicate of the existing activity %(name)s.") % {"name": record}

    @classmethod
    def undo_in_use(cls, job, ids):
        from crm.activities.models import Attachment

        used = set(Attachment.objects.filter(activity_id__in=ids).values_list("activity_id", flat=True))
        return {pk: [_("has attachments")] for pk in used}

    # Each kind keeps the fields its form has ----------------------------------------------------------

    def _kind_fields(self, kind):
        return [key for key in self.fields if key in KIND_FIELDS[kind]]

    def _left_out(self, record, row, keys):
        """Warn of the row's values for fields the record's kind has not (a task's phone number): left empty."""
        kind_fields = self._kind_fields(record.kind)
        for key in keys:
            value = row.data.get(key)
            if key in kind_fields or value is None or value == "":
                continue
            if value == Activity._meta.get_field(key).get_default():
                continue  # the option every activity has (Normal priority): nothing is lost
            header = self.header_of.get(key, key)
            warning = (
                header,
                _("%(column)s: a %(kind)s has none; left empty.")
                % {"column": header, "kind": record.get_kind_display().lower()},
            )
            if warning not in row.warnings:  # a batch planned again meets its rows again
                row.warnings.append(warning)

    def _apply_new(self, record, row, keys):
        record.kind = row.data["kind"]
        self._left_out(record, row, keys)
        super()._apply_new(record, row, self._kind_fields(record.kind))
        state = row.data.get("state") or ActivityState.OPEN
        if record.kind == ActivityKind.NOTE:
            state = ActivityState.COMPLETED  # written as it happened
        if state != ActivityState.OPEN:
            record.state, record.completed_at = state, timezone.now()

    def _apply(self, record, row, keys, owner):
        self._left_out(record, row, keys)
        changed = super()._apply(record, row, self._kind_fields(record.kind), owner)
        state = row.data.get("state")
        if state and state != record.state and record.state == ActivityState.OPEN:
            # refuse_update let only an open task or call through: the row closes it.
            changed["state"], changed["completed_at"] = record.state, None
            record.state, record.completed_at = state, timezone.now()
        return changed

    def _changing(self, row, record):
        """The first column whose value the row would change on ``record`` (its status included), or None."""
        for key in self._kind_fields(record.kind):
            value = row.data.get(key)
            if value is not None and value != "" and getattr(record, key) != value:
                return key
        state = row.data.get("state")
        return "state" if state and state != record.state else None

    def refuse_update(self, row, record, link):
        if row.data["kind"] != record.kind:
            return self._fail(
                row,
                "kind",
                _("This activity is a %(kind)s: its type cannot be changed.")
                % {"kind": record.get_kind_display().lower()},
            )
        if link is not None and getattr(record, f"{link[0]}_id") != link[1].pk:
            return self._fail(
                row,
                self._regarding_column(row),
                _("This activity regards %(record)s: an import does not move it to another record.")
                % {"record": record.regarding},
            )
        if record.kind != ActivityKind.NOTE and record.state != ActivityState.OPEN:
            if (key := self._changing(row, record)) is not None:
                return self._fail(
                    row,
                    key,
                    _("This activity is %(state)s: reopen it to change it.")
                    % {"state": record.get_state_display().lower()},
                )
        return None

    def new_linked(self, record, link):
        field, regarding = link
        setattr(record, field, regarding)

    # What each row regards -----------------------------------------------------------------------

    def _regarding_column(self, row):
        """The column naming the row's record, for its issues: the one it fills, else the first the file has."""
        filled = next((key for key in REGARDING_COLUMNS if row.data.get(key)), None)
        return filled or next((key for key in ("company_name", *REGARDING_COLUMNS) if key in self.header_of), "")

    def _refuse_row(self, row):
        """The issue refusing a row before anything is looked up (its type, a note's status), or None."""
        kind, state = row.data.get("kind"), row.data.get("state")
        if not kind:
            return self._fail(row, "kind", _("Give the activity type: Note, Task or Phone call."))
        if kind not in IMPORTED_KINDS:
            return self._fail(
                row,
                "kind",
                _("%(kind)s activities are not imported: give Note, Task or Phone call.")
                % {"kind": ActivityKind(kind).label},
            )
        if kind == ActivityKind.NOTE and state and state != ActivityState.COMPLETED:
            return self._fail(row, "state", _("A note is written as it happened: its status can only be Completed."))
        return None

    def _resolve_regarding(self, rows, issues):
        """[(row, (regarding field, record) or None)] of the rows whose record is found; the others fail."""
        refs = {ref for row in rows if (ref := account_ref(row.data))}
        accounts, account_errors, _missing = find_accounts(refs) if refs else ({}, {}, {})
        emails = {row.data["contact_email"] for row in rows if row.data.get("contact_email")}
        contacts = defaultdict(list)
        if emails:
            found = Contact.objects.with_email_keys(emails).only("pk", "email", "first_name", "last_name", "account_id")
            for contact in found:
                contacts[contact.email_key].append(contact)
        resolved = []
        for row in rows:
            ref, email = account_ref(row.data), row.data.get("contact_email", "")
            failure = None
            if ref and email:
                failure = (
                    "contact_email",
                    _("Give the account or the contact's email, not both: an activity regards one record."),
                )
            elif ref in account_errors:
                failure = (ref[0], account_errors[ref])
            elif ref and not permissions.can_view(self.actor, Account):
                failure = (ref[0], _("You cannot see that record."))
            elif email and len(contacts.get(email, ())) != 1:
                many = _("Several contacts have the email “%(email)s”: it cannot tell which one the activity regards.")
                none = _("No contact has the email “%(email)s”.")
                failure = ("contact_email", (many if contacts.get(email) else none) % {"email": email})
            elif email and not permissions.can_view(self.actor, Contact):
                failure = ("contact_email", _("You cannot see that record."))
            elif not ref and not email and row.data.get("id") is None:
                failure = (
                    self._regarding_column(row),
                    _("Give the account (its number or name) or the contact's email the activity regards."),
                )
            if failure is not None:
                issues.append(self._fail(row, *failure))
                continue
            if ref:
                resolved.append((row, ("account", accounts[ref])))
            elif email:
                resolved.append((row, ("contact", contacts[email][0])))
            else:
                resolved.append((row, None))  # a round-trip row: its activity says what it regards
        return resolved

    # Matching the activities already there -----------------------------------------------------------

    @staticmethod
    def _row_key(row, link):
        kind = row.data["kind"]
        due = None if kind == ActivityKind.NOTE else row.data.get("due_at")
        return (kind, link[0], link[1].pk, _text(kind, row.data), due)

    @staticmethod
    def _activity_key(activity, field):
        note = activity.kind == ActivityKind.NOTE
        text = activity.description if note else activity.subject
        return (activity.kind, field, getattr(activity, f"{field}_id"), text, None if note else activity.due_at)

    def _find(self, keys, *, lock=False):
        """{key: [activities]} of the activities matching ``keys`` (kind, regarding field, its id, text, due)."""
        ids = defaultdict(set)
        for _kind, field, pk, _text_key, _due in keys:
            ids[field].add(pk)
        if not keys:
            return {}
        regarding = Q()
        for field, pks in ids.items():
            regarding |= Q(**{f"{field}_id__in": sorted(pks)})
        texts = Q()
        notes = {key[3] for key in keys if key[0] == ActivityKind.NOTE}
        subjects = {key[3] for key in keys if key[0] != ActivityKind.NOTE}
        if notes:
            texts |= Q(kind=ActivityKind.NOTE, description__one_of=list(notes))
        if subjects:
            kinds = sorted({key[0] for key in keys} - {ActivityKind.NOTE})
            texts |= Q(kind__in=kinds, subject__one_of=list(subjects))
        queryset = Activity.objects.filter(regarding, texts)
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        found = defaultdict(list)
        for activity in queryset:
            for field in ids:
                key = self._activity_key(activity, field)
                if key in keys:
                    found[key].append(activity)
        return found

    def _existing(self, keys):
        ahead = self._ahead_of
        if ahead is not None and {key[3] for key in keys} & ahead.of("texts"):
            raise _NeedsLockedWrite
        found = self._find(keys, lock=self._can_lock())
        if ahead is not None:
            # Planned ahead: matched activities are written only at the version read here.
            self._looked_up = ("activities", frozenset(keys - set(found)))
        return found

    def batch_keys(self, batch):
        return BatchKeys(
            texts=frozenset(_text(row.data.get("kind"), row.data) for row in batch if row.data.get("kind"))
        )

    def any_exist(self, kind, keys):
        return bool(keys) and bool(self._find(set(keys)))

    # One batch ---------------------------------------------------------------------------------

    def import_batch(self, batch):
        issues, valid = [], []
        for row in batch:
            if row.errors:
                issues.append(self._fail_parsed(row))
            elif (refusal := self._refuse_row(row)) is not None:
                issues.append(refusal)
            else:
                valid.append(row)
        by_id = self._existing_by_id(Activity, valid)
        resolved = self._resolve_regarding(valid, issues)
        existing = self._existing({self._row_key(row, link) for row, link in resolved if row.data.get("id") is None})
        owners = self._owners(valid)
        seen, matched = {}, {}
        new, changed = [], []
        for row, link in resolved:
            if row.data.get("id") is not None:
                try:
                    if entry := self._update_by_id(row, by_id, matched, owners, self.fields, issues, link):
                        changed.append(entry)
                except ValidationError as error:
                    issues.append(self._validation_issue(row, error))
                continue
            key = self._row_key(row, link)
            column_key = "description" if key[0] == ActivityKind.NOTE else "subject"
            if key in seen:
                issues.append(
                    self._fail(row, column_key, _("Duplicate of row %(row)d in this file.") % {"row": seen[key]})
                )
                continue
            seen[key] = row.number
            matches = existing.get(key, [])
            if any(match.pk in self.written for match in matches):
                issues.append(self._fail(row, column_key, _("Duplicate of an earlier row in this file.")))
                continue
            if len(matches) > 1:
                issues.append(
                    self._fail(
                        row,
                        column_key,
                        _("This row matches %(count)d existing activities; it cannot tell which one to update.")
                        % {"count": len(matches)},
                    )
                )
                continue
            found = matches[0] if matches else None
            if self._matched_twice(row, column_key, found, matched, issues):
                continue
            self._plan(row, column_key, found, owners, link, new, changed, issues)
        service_issues, records = self._save_batch(activity_import_batch, Activity, new, changed, "activities")
        return issues + service_issues, records


EXAMPLES = {
    "kind": ActivityKind.TASK,
    "subject": "Trimite oferta pentru depozit",
    "description": "Oferta pentru 25 de utilizatori, cu instruire",
    "account_number": "CL-0001",
    "company_name": "Carpați Logistic SRL",
    "due_at": "2027-03-15 10:00",
    "direction": "",
}

ACTIVITIES = register(ImportKind("activities", ActivityImporter, ACTIVITY_COLUMNS, examples=EXAMPLES))
