"""The one import code path: rows in batches, validated as the forms validate, written through the services.

Every import (the import page, the background task, the admin's
django-import-export flow and the ``import_data`` command) runs ``run_import``.
Rows are read as a stream and handled in batches; each batch is one
transaction holding its records, the job's links to them, its failed rows and
the job's counters, so a crash leaves exactly the batches that finished, and
running the same file again matches what they wrote instead of duplicating it.
"""

import codecs
import datetime
import itertools
import logging
import queue
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.db import connection as default_connection
from django.db.models.base import ModelState
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from crm import permissions
from crm.bulk import defer_or_run, deferred_writes, hold_import_lock, insert_records, insert_rows
from crm.history.models import ChangeEvent
from crm.history.services import IMPORT_EVENT_FIELDS, import_change_rows
from crm.imports import values as cell_values
from crm.imports.columns import PAIRED, chosen_mapping, map_headers
from crm.imports.models import ImportAction, ImportJob, ImportJobRecord, ImportMode, ImportRowIssue, ImportState
from crm.imports.readers import ENCODING_NAMES, FileRefused, Table
from crm.imports.registry import import_kind
from crm.imports.values import (
    CONTROL,
    CONTROL_MULTILINE,
    check_characters,
    clean_text,
    normalize_label,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_url,
    storable,
)

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
# The job's link rows are written as plain tuples of these fields, with no model instance each.
JOB_RECORD_FIELDS = ("job_id", "target", "object_id", "action", "previous", "written_at")


@dataclass
class ImportOptions:
    target: str
    mode: str = ImportMode.UPSERT
    all_or_nothing: bool = False
    create_missing_accounts: bool = False
    dry_run: bool = False
    # New rows like an existing record by a duplicate rule (crm.duplicates): "skip" them or "import" them anyway.
    on_duplicate: str = "skip"
    batch_size: int = DEFAULT_BATCH_SIZE
    # Resuming a job: the rows its committed batches already hold are read past.
    skip_rows: int = 0
    # The importer's own mapping (the wizard's, a data map's): {header index: field key, "" to ignore, or
    # PAIRED}; None reads the headers as map_headers does. And {choice field key: {source value: option or ""}}.
    columns: dict | None = None
    values: dict | None = None


@dataclass
class RowIssue:
    row_number: int
    column: str
    message: str
    values: list
    kind: str = ImportRowIssue.Kind.FAILED


@dataclass
class ImportOutcome:
    """What an import did; ``issues`` holds failed and skipped rows and warnings (all of them, in file order)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    accounts_created: int = 0
    # Rows like a record on file by a duplicate rule other than the import's own key (skipped or imported).
    duplicates: int = 0
    rolled_back: bool = False
    refused: str = ""
    file_format: str = ""
    mapping: dict = field(default_factory=dict)
    ignored_columns: list = field(default_factory=list)
    headers: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    # What the reader noticed about the file (encoding, preamble, footer, organisation cards), once it is read.
    file_notes: dict = field(default_factory=dict)

    def summary(self):
        text = f"created {self.created}, updated {self.updated}, skipped {self.skipped}, failed {self.failed}"
        return f"{text}, possible duplicates {self.duplicates}" if self.duplicates else text


@dataclass
class ParsedRow:
    number: int
    cells: list
    data: dict
    errors: list  # [(column header, message)]
    warnings: list = field(default_factory=list)  # [(column header, message)]: imported all the same
    organisation: bool = False  # a vCard's organisation card (not a person)


@dataclass(frozen=True)
class _NoOption:
    """A cell of an optional choice field that fits none of its options: the field is left empty, with a warning."""

    text: str


class _Rollback(Exception):
    pass


class IdSet:
    """A compact set of record ids (a bitmap), so a million-row import keeps its memory flat."""

    def __init__(self):
        self.bits = bytearray()

    def add(self, value):
        index, bit = divmod(value, 8)
        if index >= len(self.bits):
            self.bits.extend(bytes(index - len(self.bits) + 1 + 4096))
        self.bits[index] |= 1 << bit

    def discard(self, value):
        index, bit = divmod(value, 8)
        if index < len(self.bits):
            self.bits[index] &= ~(1 << bit) & 0xFF

    def __contains__(self, value):
        index, bit = divmod(value, 8)
        return index < len(self.bits) and bool(self.bits[index] & (1 << bit))


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _choice_lookup(model, name, extra=None):
    from django.utils import translation

    lookup = {}
    for value, label in model._meta.get_field(name).flatchoices:
        lookup[normalize_label(value)] = value
        for language in ("en", "ro"):
            with translation.override(language):
                lookup.setdefault(normalize_label(str(label)), value)
    for alias, value in (extra or {}).items():
        lookup.setdefault(normalize_label(alias), value)
    return lookup


STATUS_ALIASES = {"activ": "active", "activa": "active", "inactiv": "inactive", "inactiva": "inactive"}


PARSE_CACHE_LIMIT = 5000


def _remembering(parse):
    """``parse`` remembering what it returned for each distinct (hashable) cell value; errors are not remembered."""
    results = {}

    def remembered(raw):
        key = (type(raw), raw)  # 1, 1.0 and True are equal keys but not the same cell
        try:
            return results[key]
        except KeyError:
            value = parse(raw)
            if len(results) < PARSE_CACHE_LIMIT:
                results[key] = value
            return value
        except TypeError:
            return parse(raw)

    return remembered


class RecordFactory:
    """Makes new unsaved records of one model exactly as ``model()`` does, without running Model.__init__ per row.

    ``model()`` sets every field to its default; here that is done once, and
    each new record starts as a copy of those values with its own state. When
    a default is not an immutable value, or something listens to the model's
    init signals, every record is made by ``model()`` itself.
    """

    IMMUTABLE = (str, int, float, bool, Decimal, type(None))

    def __init__(self, model):
        from django.db.models import signals

        self.model = model
        prototype = model()
        self.defaults = {name: value for name, value in prototype.__dict__.items() if name != "_state"}
        self.copy = not (
            signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)
            or not all(isinstance(value, self.IMMUTABLE) for value in self.defaults.values())
        )

    def __call__(self):
        if not self.copy:
            return self.model()
        record = self.model.__new__(self.model)
        record.__dict__.update(self.defaults)
        record._state = ModelState()
        return record


class ParsedBatches:
    """The table's rows, parsed and cut into batches by a second thread while this one writes the previous batch.

    Parsing (reading the file, cleaning and converting each cell) touches no
    database. Writing a batch is mostly waiting for PostgreSQL, and while a
    thread waits on the database the interpreter is free, so the next batch is
    parsed in that time instead of after it. At most ``ahead`` parsed batches
    wait, so memory stays flat; an error reading the file is raised here, in
    file order, after the batches before it.
    """

    _END = object()

    def __init__(self, rows, parse, size, ahead=2, group=None):
        self._queue = queue.Queue(maxsize=ahead)
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._produce,
            args=(rows, parse, size, translation.get_language(), group),
            name="import-parser",
            daemon=True,
        )
        self._thread.start()

    def _produce(self, rows, parse, size, language, group):
        """``group``: a function of a parsed row; consecutive rows it gives the same key stay in one batch (an
        invoice's lines), which may then pass ``size``."""
        try:
            # Messages are in the importer's language, which is per thread.
            with translation.override(language):
                batch = []
                for number, cells in rows:
                    row = parse(number, cells)
                    if group is not None and len(batch) >= size and group(row) == group(batch[-1]):
                        batch.append(row)
                        continue
                    if len(batch) >= size:
                        if not self._put(batch):
                            return
                        batch = []
                    batch.append(row)
                    if group is None and len(batch) >= size:
                        if not self._put(batch):
                            return
                        batch = []
                if batch and not self._put(batch):
                    return
            self._put(self._END)
        except BaseException as error:  # handed to the importing thread, which raises it
            self._put(error)

    def _put(self, item):
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self):
        """Stop parsing (when the import ends early) and wait for the thread, so the file can be closed."""
        self._stopped.set()
        self._thread.join()


class _NeedsLockedWrite(Exception):
    """A batch planned ahead touches records that exist or are being written: it is written the locked way."""


class _WriteConflict(Exception):
    """A batch planned ahead found, once its writer held the import lock, records another import wrote meanwhile.

    Nothing of it was written; the importing thread plans it again, the locked way.
    """

    def __init__(self):
        super().__init__("another import wrote records this batch matches")
        self.batch = None
        self.state = None


class BatchKeys(dict):
    """What the rows of a batch can match on, by kind of key ({"numbers": frozenset(...), ...}: each import's own)."""

    def of(self, kind) -> frozenset:
        return self.get(kind, frozenset())


class BatchWriter:
    """Writes planned batches, one at a time and in file order, in a thread with its own database connection.

    While it writes batch N (COPY, the job's links and history, the counts,
    the commit: mostly PostgreSQL's work, on the other core), the importing
    thread plans batch N+1: reads what exists, decides, validates. A batch is
    planned this way only when none of its rows matches an existing record or
    the batch being written (``pending``); any other batch waits for the writer
    and is written the usual way, under row locks. Each batch is still one
    transaction with its links, history, failed rows and counts; a write error
    is raised in the importing thread and stops the import, as it would without
    the writer.
    """

    def __init__(self):
        self.pending = None
        self._submitted = (None, None)
        self._queue = queue.Queue(maxsize=1)
        self._idle = threading.Event()
        self._idle.set()
        self._error = None
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            while (writes := self._queue.get()) is not None:
                try:
                    if self._error is None:
                        with transaction.atomic():
                            for write in writes:
                                write()
                except IntegrityError:
                    # A record written meanwhile by another path took a key of this batch: plan it again, locked.
                    self._error = _WriteConflict()
                except BaseException as error:  # raised in the importing thread by wait()
                    self._error = error
                finally:
                    self._idle.set()
        finally:
            connections.close_all()  # this thread's connections only

    def submit(self, writes, keys, *, batch=None, state=None):
        self.wait()
        self.pending = keys
        self._submitted = (batch, state)
        self._idle.clear()
        self._queue.put(writes)

    def wait(self):
        """Wait until every submitted batch is committed; raise the error that stopped one.

        A _WriteConflict carries the batch and the importer's state before it,
        and does not stop the writer: the importer writes that batch again.
        """
        self._idle.wait()
        self.pending = None
        if self._error is not None:
            error = self._error
            if isinstance(error, _WriteConflict):
                self._error = None
                error.batch, error.state = self._submitted
            raise error

    def stop(self):
        self._queue.put(None)
        self._thread.join()


class Importer:
    """Runs one import of a Table into one kind of record; each app's Importer subclass (its ``imports.py``)
    says how its rows are matched, looked up, locked and saved.

    A subclass sets ``model`` and ``fields`` (the model fields its rows set) and implements
    ``import_batch`` (plan and save one batch), ``batch_keys`` and ``any_exist`` (for the batches planned
    ahead of the writer).
    """

    model = None
    fields = ()
    # Whether rows the reader marked as organisation cards (a vCard company card) are skipped, not imported.
    skips_organisations = False
    # The other targets an import of this kind may write (a contact import's missing accounts): undone after it.
    writes_also = ()
    # A function of a parsed row naming the record it belongs to, when several rows make one record (an
    # invoice's lines): such rows, consecutive in the file, are kept in one batch.
    group_of = None

    # Undo (crm.imports.services.import_job_undo) asks the kind of record these:

    @classmethod
    def undo_in_use(cls, job, ids) -> dict:
        """{id: [reasons]} of the created records ``ids`` that others have built on since: they are kept."""
        return {}

    @classmethod
    def undo_restore_errors(cls, restores) -> list:
        """[(record, ValidationError)] of the updated records whose former values cannot be put back."""
        return []

    @classmethod
    def undo_history(cls, history, record, changes) -> bool:
        """Note the undo's change of ``record`` in ``history``; True when that took it off a record it was on."""
        if changes:
            from crm.history.models import ChangeKind

            history.add(record, ChangeKind.UPDATED, changes)
        return False

    @classmethod
    def undo_released(cls, ids, actor):
        """The records ``ids`` are being deleted or taken off their record by an undo: tidy what pointed at them."""

    def __init__(self, *, table: Table, options: ImportOptions, actor, job: ImportJob | None = None):
        self.table = table
        self.options = options
        self.actor = actor
        self.job = job
        self.outcome = ImportOutcome(file_format=table.format, headers=[storable(header) for header in table.headers])
        if job is not None and options.skip_rows:
            # Resuming: the counts go on from what the committed batches counted, and the records they
            # wrote are known as written (below), so a row repeating one of them is still a duplicate.
            self.outcome.created, self.outcome.updated = job.created_count, job.updated_count
            self.outcome.skipped, self.outcome.failed = job.skipped_count, job.failed_count
            self.outcome.duplicates = job.duplicate_count
        read = import_kind(options.target)
        columns = read.columns
        if options.columns is not None:
            self.mapping, ignored = chosen_mapping(table.headers, options.columns, read.known)
        else:
            self.mapping, ignored = map_headers(table.headers, read.known, self.model)
        labels = {column.key: column.label for column in columns}
        # Typed pairs (Google's Phone N - Value by its Phone N - Label): [(value index, type index, pair)].
        self.pairs = []
        for pair in read.pairs:
            self.pairs.extend(
                (value, kind, pair)
                for value, kind in pair.find(table.headers)
                if options.columns is None or options.columns.get(value) == PAIRED
            )
        paired = {index for value, kind, _pair in self.pairs for index in (value, kind) if index is not None}
        self.outcome.ignored_columns = [
            storable(header) for index, header in enumerate(table.headers) if header in ignored and index not in paired
        ]
        self.outcome.mapping = {
            storable(table.headers[index]): str(column.label) for index, column in self.mapping.items()
        }
        for value, _kind, pair in self.pairs:
            self.outcome.mapping[storable(table.headers[value])] = " / ".join(
                str(labels[key]) for key in pair.targets()
            )
        self.header_of = {column.key: table.headers[index] for index, column in self.mapping.items()}
        # A field fed by a split or a pair has its errors named by the column it came from.
        for index, column in self.mapping.items():
            for key in getattr(column, "into", ()):
                self.header_of.setdefault(key, table.headers[index])
        for value, _kind, pair in self.pairs:
            for key in pair.targets():
                self.header_of.setdefault(key, table.headers[value])
        self.splits = [
            (column.key, column.into, getattr(cell_values, column.split))
            for column in self.mapping.values()
            if getattr(column, "into", ())
        ]
        # Columns continuing a field (Street 2, Street 3), in their order: [(key, the field they join)].
        self.joins = sorted(
            (column.key, column.joins) for column in self.mapping.values() if getattr(column, "joins", "")
        )
        for index, column in self.mapping.items():
            if getattr(column, "joins", ""):
                self.header_of.setdefault(column.joins, table.headers[index])
        self.organisation_rows = (
            frozenset(table.extra.get("organisation_rows", ())) if self.skips_organisations else frozenset()
        )
        self.written = IdSet()
        if job is not None and options.skip_rows:
            for pk in job.records.filter(target=options.target).values_list("object_id", flat=True).iterator():
                self.written.add(pk)
        # The ids added to ``written`` by batches not known to be committed, to take out again when one is
        # written anew (_restore): (absolute position of the first, the ids).
        self._journal_start, self._journal = 0, []
        self.accounts_written = IdSet()
        self.keep_issues_in_memory = job is None or self._single_transaction
        self.choices = {}
        for column in columns:
            if column.kind == "choice":
                self.choices[column.key] = _choice_lookup(self.model, column.key, column.choice_synonyms())
        # The importer's value mapping: a source value is read as the option chosen for it ("" leaves it empty).
        for key, chosen in (options.values or {}).items():
            if key in self.choices:
                for source, option in chosen.items():
                    self.choices[key][source] = option
                    self.choices[key][normalize_label(source)] = option
        # Choice fields a record may leave empty: a value fitting none of their options costs only that field.
        self.optional_choices = {key for key in self.choices if self._model_field(key).blank}
        self._check_columns(columns)
        self.parsers = self._parsers()
        self.validators = {}
        self.new_record = RecordFactory(self.model)
        self.history_rows = []
        self._ahead_of = None  # BatchKeys while a batch is planned ahead of the writer
        self._looked_up = None  # what that plan looked up and did not find, for the writer to check again

    def _model_field(self, key):
        try:
            return self.model._meta.get_field(key)
        except FieldDoesNotExist:
            return None  # a lookup column (the account number of a contact's account), not a field

    def _multiline(self, key) -> bool:
        """Whether the field may hold tabs and line breaks, as a form's text area may: a TextField."""
        return isinstance(self._model_field(key), models.TextField)

    @property
    def _single_transaction(self):
        return self.options.dry_run or self.options.all_or_nothing

    def _check_columns(self, columns):
        present = {column.key for column in self.mapping.values()}
        # A split column (Full Name) stands in for the fields it fills (Last Name).
        present.update(key for column in self.mapping.values() for key in getattr(column, "into", ()))
        for column in columns:
            if column.required and column.key not in present:
                raise FileRefused(
                    _("The file has no “%(label)s” column, which is required. The columns found were: %(found)s.")
                    % {"label": column.label, "found": ", ".join(self.table.headers)}
                )
        if not present:
            raise FileRefused(_("None of the file's columns names a field of this import."))

    # Running ---------------------------------------------------------------------------------

    def run(self) -> ImportOutcome:
        try:
            if self._single_transaction:
                try:
                    with transaction.atomic():
                        self._run_batches()
                        if self.options.dry_run or self.outcome.failed:
                            raise _Rollback
                        if self.job is not None:
                            # With the rows, in their transaction: a run taken over meanwhile commits nothing.
                            self._save_issues(self.outcome.issues)
                            self._save_counts()
                except _Rollback:
                    self.outcome.rolled_back = True
                    if not self.options.dry_run:
                        self.outcome.created = self.outcome.updated = self.outcome.accounts_created = 0
                    if self.job is not None:
                        with transaction.atomic():
                            self._save_issues(self.outcome.issues)
                            self._save_counts()
            else:
                self._run_batches()
        finally:
            close = getattr(self.table.rows, "close", None)
            if close:
                close()
        # Known only now: the footer is found at the end of the file.
        self.outcome.file_notes = file_notes(self.table, skip_organisations=self.skips_organisations)
        return self.outcome

    def _run_batches(self):
        rows = self.table.rows
        if self.options.skip_rows:
            # Resuming: the rows of the batches already committed are read past, not imported again.
            rows = itertools.islice(rows, self.options.skip_rows, None)
        batches = ParsedBatches(rows, self._parse, self.options.batch_size, group=self.group_of)
        writer = BatchWriter() if self._can_write_ahead() else None
        try:
            for batch in batches:
                if writer is not None:
                    if self._run_batch_ahead(batch, writer):
                        continue
                    try:
                        writer.wait()  # the batches before this one are committed first
                    except _WriteConflict as conflict:
                        self._rewrite(conflict)
                self._run_batch_locked(batch)
            if writer is not None:
                try:
                    writer.wait()
                except _WriteConflict as conflict:
                    self._rewrite(conflict)
        finally:
            batches.stop()
            if writer is not None:
                writer.stop()

    def _can_write_ahead(self):
        """Whether batches may be written by a BatchWriter: a recorded job, batch by batch, on PostgreSQL.

        Not inside a caller's transaction (a second connection would not see
        it), not for dry runs and all-or-nothing (one transaction), and not when
        missing accounts are created on the way (a contact batch writes accounts
        the next batch must find).
        """
        return (
            getattr(settings, "CRM_IMPORT_WRITE_AHEAD", True)
            and self.job is not None
            and not self._single_transaction
            and not self.options.create_missing_accounts
            and default_connection.vendor == "postgresql"
            and not default_connection.in_atomic_block
        )

    COUNTERS = ("created", "updated", "skipped", "failed", "accounts_created")

    def _state(self):
        """What a batch changes in the importer's own state, to put back when the batch is written again."""
        counts = [getattr(self.outcome, name) for name in self.COUNTERS]
        processed = self.job.processed_rows if self.job is not None else 0
        return counts, processed, len(self.outcome.issues), self._journal_start + len(self._journal)

    def _restore(self, state):
        counts, processed, issues, written = state
        for name, value in zip(self.COUNTERS, counts, strict=True):
            setattr(self.outcome, name, value)
        if self.job is not None:
            self.job.processed_rows = processed
        del self.outcome.issues[issues:]
        self.history_rows = []
        undone = self._journal[written - self._journal_start :]
        del self._journal[written - self._journal_start :]
        for pk in undone:
            self.written.discard(pk)

    def _note_written(self, pk):
        self.written.add(pk)
        self._journal.append(pk)

    def _committed_up_to(self, state):
        """The batches before ``state`` are committed: their ids need not be kept for a _restore."""
        position = state[3]
        del self._journal[: position - self._journal_start]
        self._journal_start = position

    def _rewrite(self, conflict):
        """Write again, the locked way, a batch whose writer found another import's records in its way."""
        self._restore(conflict.state)
        self._run_batch_locked(conflict.batch)

    def _run_batch_locked(self, batch):
        """Write ``batch`` under the import lock; once more if a record another path wrote collides with it.

        The lock orders the imports among themselves; a record created meanwhile
        by other means (a form, the admin) can still take an account number the
        batch was about to use. The unique index refuses the batch, which is
        rolled back whole and planned again, and matches that record this time.
        """
        if self._single_transaction:
            self._run_batch(batch)
            self._committed_up_to(self._state())  # nothing to write again: the whole file is one transaction
            return
        state = self._state()
        try:
            self._run_batch(batch)
        except IntegrityError:
            logger.info("Import batch at row %s collided with a record written meanwhile; planning it again",
                        batch[0].number if batch else "?")
            self._restore(state)
            self._run_batch(batch)
        self._committed_up_to(self._state())

    def _run_batch_ahead(self, batch, writer):
        """Plan ``batch`` (read, decide, validate, take ids) and hand its writes to ``writer``; False if it cannot.

        The plan assumed that none of the batch's keys exists; the writer checks
        that again once it holds the import lock, before writing (``_guard``).
        """
        state = self._state()
        self._ahead_of = writer.pending or BatchKeys()
        self._looked_up = None
        try:
            with deferred_writes() as writes:
                self._run_batch(batch)
        except _NeedsLockedWrite:
            self._restore(state)
            return False
        finally:
            self._ahead_of = None
        writes.insert(0, partial(self._guard, self._looked_up))
        try:
            writer.submit(writes, self._batch_keys(batch), batch=batch, state=state)
            self._committed_up_to(state)  # submit waited for the batch before this one
        except _WriteConflict as conflict:
            # The batch before this one met another import's records: write it again, then this one, locked.
            self._restore(conflict.state)
            self._run_batch_locked(conflict.batch)
            self._run_batch_locked(batch)
        return True

    def _guard(self, looked_up):
        """In the writer's transaction: take the import lock, then refuse the batch if its keys exist by now."""
        self._lock_targets()
        if looked_up is not None and self._any_exist(*looked_up):
            raise _WriteConflict

    def _lock_targets(self):
        hold_import_lock(self.options.target)
        for other in self.also_locks():
            hold_import_lock(other)  # always after the target's own lock, never before

    def also_locks(self):
        """The other targets a batch writes (a contact import's missing accounts), locked after its own."""
        return ()

    def _any_exist(self, *looked_up):
        return self.any_exist(*looked_up)

    def any_exist(self, *looked_up) -> bool:
        """Whether any record now matches the keys a batch planned ahead looked up and did not find."""
        raise NotImplementedError

    def _batch_keys(self, batch):
        return self.batch_keys(batch)

    def batch_keys(self, batch) -> "BatchKeys":
        """What the batch's rows can match on, by kind of key; a batch planned ahead that shares one waits."""
        raise NotImplementedError

    def import_batch(self, batch):
        """Plan and save one batch; return (issues, job record rows)."""
        raise NotImplementedError

    def _run_batch(self, batch):
        issues_before = len(self.outcome.issues)
        with transaction.atomic():
            if self._ahead_of is None:
                self._lock_targets()
            issues, records = self.import_batch(batch)
            self.outcome.issues.extend(issues)
            if self.job is not None:
                insert_rows(ImportJobRecord, JOB_RECORD_FIELDS, records)
                # The change history, in the same transaction: one row per record, one timeline entry per job.
                insert_rows(ChangeEvent, IMPORT_EVENT_FIELDS, self.history_rows)
                self.history_rows = []
                if not self.keep_issues_in_memory:
                    self._save_issues(issues)
                    self._save_counts(processed=len(batch))
        if self.job is not None and not self.keep_issues_in_memory:
            # Written with the batch; nothing needs to stay in memory afterwards.
            del self.outcome.issues[issues_before:]

    def _save_issues(self, issues):
        insert_records(
            ImportRowIssue,
            [
                ImportRowIssue(
                    job=self.job,
                    kind=issue.kind,
                    row_number=issue.row_number,
                    column=storable(issue.column[:255]),
                    message=storable(issue.message),
                    values=[storable(_json_value(value)) for value in issue.values],
                )
                for issue in issues
            ],
        )

    def _save_counts(self, processed=None):
        job = self.job
        now = timezone.now()
        job.processed_rows = (job.processed_rows + processed) if processed is not None else (job.total_rows or 0)
        job.created_count = self.outcome.created
        job.updated_count = self.outcome.updated
        job.skipped_count = self.outcome.skipped
        job.failed_count = self.outcome.failed
        job.duplicate_count = self.outcome.duplicates
        job.heartbeat_at = now
        # The values of now, written now or with the batch in the writing thread.
        defer_or_run(
            partial(
                _write_counts,
                job.pk,
                job.resumes,
                processed_rows=job.processed_rows,
                created_count=job.created_count,
                updated_count=job.updated_count,
                skipped_count=job.skipped_count,
                failed_count=job.failed_count,
                duplicate_count=job.duplicate_count,
                heartbeat_at=now,
            )
        )

    # Parsing ---------------------------------------------------------------------------------

    def _parsers(self):
        """One (cell index, field, parse function) per mapped column; plain text needs only clean_text.

        Parsing a cell depends on its value alone, so for the other kinds
        (numbers, choices, emails, addresses) the result for each distinct cell
        value is remembered, up to PARSE_CACHE_LIMIT values per column.
        """
        parsers = []
        for index, column in self.mapping.items():
            if column.kind in ("text", "user"):
                parse = _text_parser(multiline=self._multiline(column.key))
            else:
                parse = _remembering(partial(self._parse_value, column))
            parsers.append((index, column.key, parse))
        self.pair_parsers = {
            key: _text_parser(multiline=self._multiline(key))
            for _value, _kind, pair in self.pairs
            for key in pair.targets()
        }
        return parsers

    def _parse(self, number, cells) -> ParsedRow:
        data, errors, warnings = {}, [], []
        for index, key, parse in self.parsers:
            try:
                value = parse(cells[index])
            except ValidationError as error:
                errors.append((self.table.headers[index], " ".join(error.messages)))
                continue
            if type(value) is _NoOption:
                warnings.append((self.table.headers[index], self._no_option_message(key, value.text)))
                value = ""
            data[key] = value
        for key, (first, last), split in self.splits:
            if data.get(key) and not data.get(first) and not data.get(last):
                data[first], data[last] = split(data[key])
        for key, target in self.joins:
            if line := data.pop(key, ""):
                data[target] = f"{data[target]}, {line}" if data.get(target) else line
        for value_index, type_index, pair in self.pairs:
            target = pair.field_for(cells[type_index] if type_index is not None else "")
            if target is None or data.get(target):
                continue  # left out (a home number), or filled by a better column or an earlier pair
            try:
                value = self.pair_parsers[target](cells[value_index])
            except ValidationError as error:
                errors.append((self.table.headers[value_index], " ".join(error.messages)))
                continue
            if value:
                data[target] = value
        return ParsedRow(number, cells, data, errors, warnings, organisation=number in self.organisation_rows)

    def _no_option_message(self, key, text):
        label = next(column.label for column in self.mapping.values() if column.key == key)
        return _("%(label)s: “%(value)s” is not one of the options; left empty.") % {"label": label, "value": text}

    def _parse_value(self, column, raw):
        kind = column.kind
        if type(raw) is str and kind in ("decimal", "integer", "url", "date", "datetime", "percent", "rate"):
            check_characters(clean_text(raw))  # first: their own messages quote the cell
        if kind == "decimal":
            return parse_decimal(raw)
        if kind == "integer":
            return parse_integer(raw)
        if kind == "percent":  # 70, "70", "70 %", "70%"
            return parse_integer(raw.strip().removesuffix("%") if type(raw) is str else raw)
        if kind == "date":
            return parse_date(raw)
        if kind == "datetime":
            return parse_datetime(raw)
        if kind == "rate":  # a percentage with decimals: 21, "21", "21 %", "9,5%"; a percent cell (0.21) is 21
            if type(raw) is str:
                return parse_decimal(raw.strip().removesuffix("%").strip())
            rate = parse_decimal(raw)
            return rate * 100 if rate is not None and 0 < rate < 1 else rate
        if kind == "url":
            return parse_url(raw)
        text = check_characters(clean_text(raw))
        if kind == "choice" and text:
            choices = self.choices[column.key]
            value = choices.get(text)
            if value is None:
                value = choices.get(normalize_label(text))
                if value is not None and len(choices) < 5000:
                    choices[text] = value  # remember the spelling: the next row with it needs no folding
            if value is None:
                if column.key in self.optional_choices:
                    return _NoOption(text)
                raise ValidationError(
                    _("“%(value)s” is not one of the choices for %(label)s.") % {"value": text, "label": column.label},
                    code="invalid_choice",
                )
            return value
        if kind == "email":
            return text.lower() if text else text
        return text

    # Shared steps ------------------------------------------------------------------------------

    def _fail(self, row, column_key, message):
        self.outcome.failed += 1
        column = self.header_of.get(column_key, "") if column_key else ""
        return RowIssue(row.number, column, message, row.cells)

    def _matched_twice(self, row, column_key, existing, matched, issues) -> bool:
        """Whether ``existing`` was matched by an earlier row of the batch (recording the failure); else note it.

        Two rows of the batch with different keys (a number and a name; an email and a name) can match one
        record: the later one is a duplicate, as it would be in a later batch.
        """
        if existing is None:
            return False
        if existing.pk in matched:
            issues.append(
                self._fail(row, column_key, _("Duplicate of row %(row)d in this file.") % {"row": matched[existing.pk]})
            )
            return True
        matched[existing.pk] = row.number
        return False

    def _fail_parsed(self, row):
        self.outcome.failed += 1
        columns = "; ".join(header for header, _message in row.errors)
        message = " ".join(f"{header}: {message}" for header, message in row.errors)
        return RowIssue(row.number, columns, message, row.cells)

    def _skip(self, row, column_key, message):
        self.outcome.skipped += 1
        return RowIssue(row.number, self.header_of.get(column_key, ""), message, row.cells, ImportRowIssue.Kind.SKIPPED)

    def _validation_issue(self, row, error: ValidationError):
        self.outcome.failed += 1
        columns, messages = [], []
        for name, field_messages in error.message_dict.items():
            header = self.header_of.get(name, "" if name == NON_FIELD_ERRORS else name)
            if header:
                columns.append(header)
            # The model's clean() may repeat a field check's message (a name of spaces is blank twice over).
            messages.append((f"{header}: " if header else "") + " ".join(dict.fromkeys(field_messages)))
        return RowIssue(row.number, "; ".join(columns), " ".join(messages), row.cells)

    # The round trip: rows carrying the id and version of an exported record -----------------------

    def _existing_by_id(self, model, rows):
        """{id: record} of the records the rows name by id, in the actor's scope, locked as the other matches are."""
        ids = {row.data["id"] for row in rows if row.data.get("id") is not None}
        if not ids or (self.actor is not None and not permissions.can_view(self.actor, model)):
            return {}
        queryset = self.by_id_queryset(model)
        if self._can_lock():
            queryset = queryset.select_for_update(of=("self",))
        # Planned ahead without locks, the write is still made only at the version read here (update_records).
        return queryset.in_bulk(ids)

    def by_id_queryset(self, model):
        """The records a round-trip row may name by id, with what its checks need."""
        return model.objects.select_related("modified_by")

    def _update_by_id(self, row, by_id, matched, owners, keys, issues, account=None):
        """Plan the update of the record the row names by id: (row, record, previous), or None with its issue.

        Such a row never creates a record, in any mode. It is refused when the record is not the one exported:
        gone or out of the actor's scope, or saved by someone since the version the file names.
        """
        pk, version = row.data["id"], row.data.get("version")
        record = by_id.get(pk)
        if record is None:
            issues.append(
                self._fail(
                    row,
                    "id",
                    _("No %(model)s with the id %(id)s exists, or you may not see it; nothing was imported.")
                    % {"model": self.model._meta.verbose_name, "id": pk},
                )
            )
            return None
        if version is None:
            issues.append(self._fail(row, "version", _("The row has an id but no version; nothing was imported.")))
            return None
        if pk in self.written:
            issues.append(self._fail(row, "id", _("Duplicate of an earlier row in this file.")))
            return None
        if self._matched_twice(row, "id", record, matched, issues):
            return None
        if record.version != version:
            issues.append(self._fail(row, "id", _changed_since_export(record)))
            return None
        if (refusal := self.refuse_update(row, record, account)) is not None:
            issues.append(refusal)
            return None
        owner = self._resolve_owner(row, owners, record)
        previous = self._apply(record, row, keys, owner)
        self.link(record, account, previous)
        if not previous:
            issues.append(self._skip(row, "id", _("No changes.")))
            return None
        return (row, record, previous)

    def no_match(self) -> str:
        """Why an update-mode row that matches no record is skipped, in the kind's own words."""
        raise NotImplementedError

    def duplicate_of(self, record) -> str:
        """Why a create-mode row that matches ``record`` is skipped, in the kind's own words."""
        raise NotImplementedError

    def new_linked(self, record, link):
        """Link a new ``record`` to ``link``, the record(s) its row names (a contact's account)."""

    def _plan(self, row, column_key, existing, owners, link, new, changed, issues):
        """Plan ``row`` as the mode says: a new record, a change of ``existing`` (the record it matched, or None),
        or a skip or failure, noted in ``new``, ``changed`` or ``issues``."""
        mode = self.options.mode
        try:
            if existing is None:
                if mode == ImportMode.UPDATE:
                    issues.append(self._skip(row, column_key, self.no_match()))
                    return
                owner = self._resolve_owner(row, owners, None)
                record = self.new_record()
                record.owner = owner or self.actor
                self.new_linked(record, link)
                self._apply_new(record, row, self.fields)
                new.append((row, record))
                return
            if mode == ImportMode.CREATE:
                issues.append(self._skip(row, column_key, self.duplicate_of(existing)))
                return
            if (refusal := self.refuse_update(row, existing, link)) is not None:
                issues.append(refusal)
                return
            owner = self._resolve_owner(row, owners, existing)
            previous = self._apply(existing, row, self.fields, owner)
            self.link(existing, link, previous)
            if not previous:
                issues.append(self._skip(row, column_key, _("No changes.")))
                return
            changed.append((row, existing, previous))
        except ValidationError as error:
            issues.append(self._validation_issue(row, error))

    def refuse_update(self, row, record, link):
        """The RowIssue refusing to update ``record`` from ``row`` (linked to ``link``, the record the row names for
        it, such as a contact's account), or None."""
        return None

    def link(self, record, link, previous):
        """Link ``record`` to ``link`` (the record its row names, such as a contact's account), noting in
        ``previous`` what it replaced."""

    def _owners(self, batch):
        usernames = {row.data.get("owner") for row in batch if row.data.get("owner")}
        if not usernames:
            return {}
        users = get_user_model().objects.filter(username__in=usernames, is_active=True)
        return {user.username: user for user in users}

    def _resolve_owner(self, row, owners, record):
        """Return the owner the row names (or None), after checking the actor may give the record to them."""
        username = row.data.get("owner")
        if not username:
            return None
        owner = owners.get(username)
        if owner is None:
            raise ValidationError({"owner": _("No active user named “%(name)s”.") % {"name": username}})
        if record is not None and record.owner_id != owner.pk and not permissions.can_reassign(self.actor, record):
            raise ValidationError({"owner": _("You can reassign only records you own.")})
        return owner

    def _apply_new(self, record, row, keys):
        """Set the row's non-empty values on a new record."""
        data = row.data
        for key in keys:
            value = data.get(key)
            if value is not None and value != "":
                setattr(record, key, value)

    def _apply(self, record, row, keys, owner):
        """Set the row's non-empty values on ``record``; return {field: previous value} of what changed."""
        changed = {}
        for key in keys:
            value = row.data.get(key)
            if value is None or value == "":
                continue
            if getattr(record, key) != value:
                changed[key] = _json_value(getattr(record, key))
                setattr(record, key, value)
        if owner is not None and record.owner_id != owner.pk:
            changed["owner_id"] = record.owner_id
            record.owner = owner
        return changed

    def _validator(self, model):
        from crm.services import RecordValidator

        if model not in self.validators:
            self.validators[model] = RecordValidator(model)
        return self.validators[model]

    def _can_lock(self):
        from django.db import connection

        # A batch planned ahead of its writer takes no row locks: its transaction ends before the writer's.
        return connection.features.has_select_for_update_of and self._ahead_of is None

    def _flag_possible_duplicates(self, model, new):
        """The new records that stay to be saved, and the issues of those like a record already on file by a
        duplicate rule (crm.duplicates): skipped, or imported all the same, as the importer chose."""
        from crm.duplicates.services import duplicates_of_new

        found = duplicates_of_new([record for _row, record in new], user=self.actor) if new else {}
        if not found:
            return new, []
        kept, issues = [], []
        importing = self.options.on_duplicate == "import"
        for index, (row, record) in enumerate(new):
            if index not in found:
                kept.append((row, record))
                continue
            existing, labels = found[index]
            self.outcome.duplicates += 1
            described = {"record": f"{existing} ({existing._meta.verbose_name} {existing.pk})", "rules": labels}
            if importing:
                kept.append((row, record))
                message = _("Imported all the same, though it looks like %(record)s on file: %(rules)s.") % described
            else:
                self.outcome.skipped += 1
                message = _("Not imported: it looks like %(record)s on file: %(rules)s.") % described
            issues.append(RowIssue(row.number, "", message, row.cells, ImportRowIssue.Kind.DUPLICATE))
        return kept, issues

    def _save_batch(self, service, model, new, changed, target):
        """Save the batch's new and changed records through the area's import service, then collect the outcome.

        New records like one on file by a duplicate rule are flagged first (_flag_possible_duplicates)."""
        new, flagged = self._flag_possible_duplicates(model, new)
        issues, records = self._save_and_collect(service, model, new, changed, target)
        return flagged + issues, records

    def _save_and_collect(self, service, model, new, changed, target):
        saved_new, saved_changed, errors = service(
            new=[record for _row, record in new],
            changed=[(record, set(previous)) for _row, record, previous in changed],
            actor=self.actor,
            validator=self._validator(model),
        )
        return self._collect(new, changed, saved_new, saved_changed, errors, target)

    def _collect(self, new, changed, saved_new, saved_changed, errors, target):
        """Count what the service saved, turn its validation errors into row issues, link records to the job."""
        issues, records = [], []
        rows_by_record = {id(record): row for row, record in new}
        rows_by_record.update({id(record): row for row, record, _previous in changed})
        previous_by_record = {id(record): previous for _row, record, previous in changed}
        for record, error in errors:
            issues.append(self._validation_issue(rows_by_record[id(record)], error))
        for record in itertools.chain(saved_new, saved_changed):
            row = rows_by_record[id(record)]
            for header, message in row.warnings:
                issues.append(RowIssue(row.number, header, message, row.cells, ImportRowIssue.Kind.WARNING))
        self.outcome.created += len(saved_new)
        self.outcome.updated += len(saved_changed)
        if self.job is None:
            for record in saved_new:
                self._note_written(record.pk)
            for record in saved_changed:
                self._note_written(record.pk)
            return issues, records
        job_id, created, updated = self.job.pk, ImportAction.CREATED, ImportAction.UPDATED
        self.history_rows.extend(
            import_change_rows(
                created=saved_new,
                changed=[(record, previous_by_record[id(record)]) for record in saved_changed],
                actor=self.actor,
                job_id=job_id,
                occurred_at=timezone.now(),
            )
        )
        for record in saved_new:
            self._note_written(record.pk)
            records.append((job_id, target, record.pk, created, None, record.modified_at))
        for record in saved_changed:
            self._note_written(record.pk)
            records.append((job_id, target, record.pk, updated, previous_by_record[id(record)], record.modified_at))
        return issues, records


def _text_parser(*, multiline):
    """A parser of a text cell: trimmed, and refused as the forms refuse it when it holds a control character."""
    search = (CONTROL_MULTILINE if multiline else CONTROL).search

    def parse(raw):
        text = clean_text(raw)
        if search(text) is not None:
            check_characters(text, multiline=multiline)
        return text

    return parse


class JobTakenOver(Exception):
    """This run's job was resumed by another worker (it took too long to report progress): stop, write nothing."""


def _write_counts(job_id, resumes, **counts):
    """Store a batch's counts on its job, in the batch's transaction; refuse the batch if the job was taken over."""
    live = (ImportState.RUNNING, ImportState.QUEUED)  # queued: a caller running the engine on its own job
    if not ImportJob.objects.filter(pk=job_id, resumes=resumes, state__in=live).update(**counts):
        raise JobTakenOver(_("The import job was resumed by another worker; this run stops."))


def file_notes(table: Table, *, skip_organisations=False) -> dict:
    """What the reader noticed about ``table``, for the job page: call once its rows are read (the footer)."""
    extra, notes = table.extra, {}
    name = extra.get("encoding_name")
    unicode = codecs.lookup(table.encoding).name.startswith("utf-8") if table.encoding else True
    if extra.get("encoding_candidates") or not unicode:
        notes["encoding"] = name or table.encoding
        others = [candidate for candidate in extra.get("encoding_candidates", ()) if candidate != table.encoding]
        if others:
            notes["encoding_candidates"] = [ENCODING_NAMES.get(candidate, candidate) for candidate in others]
    if extra.get("preamble_rows"):
        notes["preamble_rows"] = extra["preamble_rows"]
        notes["header_row"] = extra.get("header_row")
    if extra.get("footer_rows"):
        notes["footer_rows"] = list(extra["footer_rows"])
    if skip_organisations and extra.get("organisation_rows"):
        notes["organisation_rows"] = list(extra["organisation_rows"])
    return notes


def _changed_since_export(record):
    """Why a row of an export is refused: its record was saved since, by whom and when."""
    user = record.modified_by
    who = (user.get_full_name() or user.get_username()) if user is not None else _("another user")
    when = formats.date_format(timezone.localtime(record.modified_at), "DATETIME_FORMAT")
    return _(
        "%(record)s was changed by %(user)s on %(when)s, after this file was exported; this row was not imported. "
        "Export it again to update it."
    ) % {"record": record, "user": who, "when": when}


def run_import(*, table: Table, options: ImportOptions, actor, job: ImportJob | None = None) -> ImportOutcome:
    """Import ``table`` as ``options`` say, acting as ``actor``; record it on ``job`` when given."""
    importer = import_kind(options.target).importer
    return importer(table=table, options=options, actor=actor, job=job).run()
