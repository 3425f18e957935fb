"""Duplicate detection: the check a record gets before it is saved, and "Not a duplicate".

The rules of each kind of record are its app's (``<app>/duplicates.py``, crm.duplicates.registry); the
System Administrators turn them on and off (DuplicateRule). The exact rules compare stored keys with an
index behind each, in one query; the fuzzy rule (PostgreSQL only) asks the trigram indexes for names alike.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm import permissions
from crm.duplicates.models import DuplicateRule, NotDuplicate
from crm.duplicates.registry import kind_of

logger = logging.getLogger(__name__)

# How many candidates the check shows at most.
CANDIDATES_SHOWN = 10


@dataclass
class Candidate:
    """A stored record like the one being saved: by which rules, and whether only the fuzzy rule says so."""

    record: object
    rules: list = field(default_factory=list)  # the rules' labels
    possible: bool = False  # only alike by name (the fuzzy rule): a "possible duplicate"
    similarity: float | None = None

    details: list = field(default_factory=list)  # [(label, value)] of the kind's shown fields

    @property
    def matched(self):
        return ", ".join(str(label) for label in self.rules)


def shown_values(kind, record) -> list:
    """[(field label, value as shown)] of ``kind``'s shown fields on ``record`` (its joined records' names)."""
    details = []
    for name in kind.shown_fields:
        field = kind.model._meta.get_field(name)
        value = getattr(record, name)
        details.append((capfirst(field.verbose_name), "" if value is None else str(value)))
    return details


def inactive_rule_keys() -> frozenset:
    """The keys of the rules a System Administrator turned off."""
    return frozenset(DuplicateRule.objects.filter(active=False).order_by().values_list("key", flat=True))


def active_rules(kind, inactive=None):
    """(exact rules, fuzzy rule or None) of ``kind`` that are on; the fuzzy rule only on PostgreSQL."""
    inactive = inactive_rule_keys() if inactive is None else inactive
    rules = [rule for rule in kind.rules if rule.key not in inactive]
    fuzzy = kind.fuzzy if kind.fuzzy and kind.fuzzy.key not in inactive and connection.vendor == "postgresql" else None
    return rules, fuzzy


def not_duplicate_ids(model_label, pk) -> set:
    """The records a user said are not duplicates of record ``pk``."""
    pairs = NotDuplicate.objects.filter(Q(first_id=pk) | Q(second_id=pk), model=model_label)
    return {first if first != pk else second for first, second in pairs.values_list("first_id", "second_id")}


def _fuzzy_limits(threshold):
    """Make the trigram operators of this transaction use the fuzzy rule's threshold, and give its query
    CRM_DUPLICATE_FUZZY_MS at most; returns the statement timeout to put back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
            [str(threshold), str(threshold), f"{settings.CRM_DUPLICATE_FUZZY_MS}ms"],
        )
        return cursor.fetchone()[2]


def _fuzzy_candidates(fuzzy, queryset, record, limit):
    """The fuzzy rule's candidates, or [] when its query ran out of its time (the exact rules' still count)."""
    threshold = settings.CRM_DUPLICATE_SIMILARITY
    try:
        with transaction.atomic():
            previous = _fuzzy_limits(threshold)
            found = list(fuzzy.candidates(queryset, record, threshold)[:limit])
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return found
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != "57014":  # query_canceled: its time ran out
            raise
        logger.info("The fuzzy duplicate rule ran out of its %s ms for %r.", settings.CRM_DUPLICATE_FUZZY_MS, record)
        return []


def duplicates_find(record, *, user, changed=None, limit=CANDIDATES_SHOWN) -> list[Candidate]:
    """The stored records ``user`` may see that the active rules find like ``record`` (saved or not), the
    exact matches first, then the names alike; the records merged into another are left out, and those a
    user said are not duplicates of it.

    ``changed`` (field names) limits the check of an edit to the rules that read a changed field.
    """
    kind = kind_of(record)
    if kind is None:
        return []
    rules, fuzzy = active_rules(kind)
    if changed is not None:
        changed = set(changed)
        rules = [rule for rule in rules if changed & set(rule.fields)]
        if fuzzy is not None and not changed & set(fuzzy.fields):
            fuzzy = None
    base = kind.visible(user).filter(merged_into__isnull=True)
    if record.pk is not None:
        excluded = {record.pk, *not_duplicate_ids(kind.model_label, record.pk)}
        base = base.exclude(pk__in=excluded)
    found: dict[int, Candidate] = {}
    used = [(rule, values) for rule in rules if (values := rule.values(record))]
    if used:
        queryset, condition = base, Q()
        for rule, values in used:
            queryset = rule.queryset(queryset)
            condition |= rule.condition(values)
        for candidate in queryset.filter(condition).order_by("pk")[:limit]:
            labels = [
                rule.label
                for rule, values in used
                if set(rule.stored_values({column: getattr(candidate, column) for column in rule.columns}))
                & set(values)
            ]
            found[candidate.pk] = Candidate(record=candidate, rules=labels, details=shown_values(kind, candidate))
    if fuzzy is not None and len(found) < limit:
        for candidate in _fuzzy_candidates(fuzzy, base.exclude(pk__in=list(found)), record, limit - len(found)):
            found[candidate.pk] = Candidate(
                record=candidate,
                rules=[fuzzy.label],
                possible=True,
                similarity=candidate.similarity,
                details=shown_values(kind, candidate),
            )
    return list(found.values())


def _pair(first, second):
    return (first, second) if first < second else (second, first)


def not_duplicate_mark(*, records, actor) -> int:
    """Remember that the ``records`` (of one kind) are not duplicates of each other: no pair of them is
    offered again. Returns how many pairs were new."""
    records = list(records)
    if len(records) < 2:
        return 0
    kind = kind_of(records[0])
    permissions.require(
        all(permissions.can_change(actor, record) for record in records),
        _("You can only decide about records you may change."),
    )
    new = 0
    for index, first in enumerate(records):
        for second in records[index + 1 :]:
            low, high = _pair(first.pk, second.pk)
            try:
                with transaction.atomic():
                    NotDuplicate.objects.create(model=kind.model_label, first_id=low, second_id=high, decided_by=actor)
            except IntegrityError:
                continue  # already remembered, perhaps by someone else a moment ago
            new += 1
    return new


def dismissed_pairs(model_label, ids) -> set:
    """The pairs (low id, high id) among ``ids`` that users said are not duplicates."""
    ids = list(ids)
    rows = NotDuplicate.objects.filter(model=model_label, first_id__in=ids, second_id__in=ids)
    return set(rows.values_list("first_id", "second_id"))


def duplicates_of_new(records, *, user, chunk=1000) -> dict:
    """{index in ``records``: (a stored record like it, its rules' labels)} for new records of one kind (an
    import's batch), by the active exact rules: one query per rule and chunk of values, whatever the batch.

    The fuzzy rule is left to the check of a single record: a query per row would cost an import its speed.
    """
    kind = kind_of(records[0]) if records else None
    if kind is None:
        return {}
    rules, _fuzzy = active_rules(kind)
    base = kind.visible(user).filter(merged_into__isnull=True).select_related(None).order_by()
    found = {}
    for rule in rules:
        wanted = {}
        for index, record in enumerate(records):
            for value in rule.values(record):
                wanted.setdefault(value, []).append(index)
        values = list(wanted)
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            if rule.several or len(rule.columns) == 1:
                condition = rule.condition(part)
            else:  # each column among the values' parts, then the whole value checked here
                condition = Q(
                    **{f"{column}__in": {value[place] for value in part} for place, column in enumerate(rule.columns)}
                )
                condition = condition & rule.where if rule.where is not None else condition
            for stored in rule.queryset(base).filter(condition):
                row = {column: getattr(stored, column) for column in rule.columns}
                for value in rule.stored_values(row):
                    for index in wanted.get(value, ()):
                        existing, labels = found.setdefault(index, (stored, []))
                        if existing.pk == stored.pk and str(rule.label) not in labels:
                            labels.append(str(rule.label))
    return {index: (existing, ", ".join(labels)) for index, (existing, labels) in found.items()}
