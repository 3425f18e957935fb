"""What each kind of record's duplicate detection and merge are, registered by its app's ``duplicates.py``.

An app registers a DuplicateKind: its rules (each compares one stored key, or a few, with an index behind
it), the fuzzy rule's query on PostgreSQL, the records its users may see, the fields its merge page
compares and the links its merge moves. The check on create and edit, the import's flagging, the
detection jobs and the merge in ``crm/duplicates/`` drive what is registered and name no kind of record.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst


@dataclass(frozen=True)
class Rule:
    """An exact rule: two records are alike when ``value(record)`` is the same (and not None) for both.

    ``columns`` are the stored columns (or annotations ``prepare`` adds) that hold the value's parts, in
    order; ``fields`` the record's fields the value is made from (an edit that changes none of them is not
    checked again); ``shown``, the field a list shows as what matched.
    """

    key: str
    label: str
    fields: tuple
    columns: tuple
    value: Callable
    shown: str = ""
    prepare: Callable | None = None
    # Rules whose column holds one of several of a record's values (a contact's mobile and business phones
    # both compared with both): value() then returns a tuple of the values, each matched alone.
    several: bool = False
    # A condition every match also meets, when an index is partial (an account number that is not empty).
    where: Q | None = None

    def values(self, record) -> tuple:
        """The values ``record`` is compared by under this rule (none when its fields are empty)."""
        value = self.value(record)
        if value is None or value == "" or value == ():
            return ()
        if self.several:
            return tuple(dict.fromkeys(part for part in value if part))
        return (value,)

    def queryset(self, queryset) -> QuerySet:
        return self.prepare(queryset) if self.prepare else queryset

    def condition(self, values) -> Q:
        """The records that share one of ``values`` under this rule, as one indexed condition."""
        condition = Q()
        if self.several or len(self.columns) == 1:
            for column in self.columns:
                # "Not empty" said again, so that PostgreSQL uses the partial index for a long list of values
                # too (it proves an IN of at most 100 constants implies it, no more).
                condition |= Q(**{f"{column}__in": list(values)}) & ~Q(**{column: ""})
        else:
            for value in values:
                condition |= Q(**dict(zip(self.columns, value, strict=True)))
        return condition & self.where if self.where is not None else condition

    def stored_values(self, row: dict) -> tuple:
        """The values of a stored record read as ``row`` ({column: value}), to compare with values()."""
        parts = tuple(row[column] for column in self.columns)
        if self.several:
            return tuple(part for part in parts if part)
        if any(part is None or part == "" for part in parts):
            return ()
        return (parts[0] if len(parts) == 1 else parts,)


@dataclass(frozen=True)
class FuzzyRule:
    """The weaker rule: names alike by PostgreSQL's trigram similarity (a "possible duplicate").

    ``candidates(queryset, record, threshold)`` returns the records of ``queryset`` whose name is alike,
    annotated with ``similarity`` (0 to 1), best first, through the trigram indexes.
    """

    key: str
    label: str
    fields: tuple
    candidates: Callable


@dataclass(frozen=True)
class DuplicateKind:
    """One kind of record's duplicate detection and merge."""

    key: str  # "accounts", in URLs
    model: type
    rules: tuple
    visible: Callable  # visible(user) -> the records ``user`` may see
    fuzzy: FuzzyRule | None = None
    # What the candidates list shows beside the name: (field name, ...).
    shown_fields: tuple = ()
    # The fields a merge compares side by side and lets the user take from the subordinate.
    merge_fields: tuple = ()
    # The links a merge moves from the subordinate to the master: ("app.Model", "field name"), ...
    moves: tuple = ()
    # related_counts(ids) -> {id: {label: count}}: what hangs off each record, for the duplicates page.
    related_counts: Callable | None = None
    # The app's merge service: merge(*, master, subordinate, fields, actor) -> RecordMerge.
    merge: Callable | None = None
    # Checks a merge of the two records must pass beyond the generic ones (contact: the account asked).
    extra: dict = field(default_factory=dict)

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name_plural)

    @property
    def model_label(self):
        return self.model._meta.label_lower

    def rule(self, key):
        for rule in self.all_rules:
            if rule.key == key:
                return rule
        return None

    @property
    def all_rules(self):
        return (*self.rules, *((self.fuzzy,) if self.fuzzy else ()))


KINDS: dict[str, DuplicateKind] = {}


def register(kind: DuplicateKind) -> DuplicateKind:
    KINDS[kind.key] = kind
    return kind


def kind_of(model_or_record) -> DuplicateKind | None:
    """The registered kind of a model (or of a record's model), or None when it has no duplicate rules."""
    label = model_or_record._meta.label_lower
    for kind in KINDS.values():
        if kind.model_label == label:
            return kind
    return None


def kind_by_key(key) -> DuplicateKind | None:
    return KINDS.get(key)


def autodiscover():
    autodiscover_modules("duplicates")


def sync_rules(*, using="default", apps=None, **kwargs):
    """Give every registered rule its row, active, after a migrate (post_migrate); rows of rules no longer
    registered are left as they are."""
    from crm.duplicates.models import DuplicateRule

    for kind in KINDS.values():
        for rule in kind.all_rules:
            DuplicateRule.objects.using(using).get_or_create(
                key=rule.key, defaults={"model": kind.model_label, "name": str(rule.label)[:200]}
            )
