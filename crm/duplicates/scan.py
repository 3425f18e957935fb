"""Duplicate detection jobs: every record of one kind compared with the active exact rules, on the task worker.

Each rule is one query: the records' stored keys (an index behind each) grouped, the values held by more than
one record kept, and those records read in key order. Records alike by several rules are one group; pairs a
user said are not duplicates are left out; records merged into another are not scanned. The fuzzy rule is
the create and edit check's alone: comparing every name with every other is beyond a scan of a million.
"""

import datetime
import itertools
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from crm.duplicates.models import DuplicateGroup, DuplicateScan, NotDuplicate, ScanState
from crm.duplicates.services import active_rules

# A group keeps at most this many record ids (its size is the whole count).
GROUP_LIMIT = 100
# A job still running this long after it started is taken for one whose worker stopped.
STALE_AFTER = datetime.timedelta(hours=2)
UNFINISHED = (ScanState.QUEUED, ScanState.RUNNING)


@contextmanager
def without_statement_timeout():
    """On PostgreSQL, lift the web's statement timeout on this connection for the scan's whole-table queries."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout TO DEFAULT")


def can_find_duplicates(user) -> bool:
    return user.has_perm("duplicates.find_duplicates")


def duplicates_scan_start(*, kind, actor):
    """Queue a duplicate detection job of ``kind`` for the task worker; when one is already queued or running,
    that one is returned instead. Returns (job, whether it is new)."""
    permissions.require(
        can_find_duplicates(actor), _("Only Sales Managers and System Administrators run duplicate detection.")
    )
    stale = timezone.now() - STALE_AFTER
    # A job running (or queued, its task lost) this long lost its worker: it no longer holds the place.
    lost = Q(state=ScanState.RUNNING, started_at__lt=stale) | Q(state=ScanState.QUEUED, requested_at__lt=stale)
    DuplicateScan.objects.filter(lost, model=kind.model_label).update(
        state=ScanState.FAILED, finished_at=timezone.now(), error=_("The worker stopped before the job finished.")
    )
    rules, _fuzzy = active_rules(kind)
    try:
        with transaction.atomic():
            scan = DuplicateScan.objects.create(
                model=kind.model_label, requested_by=actor, rules=[rule.key for rule in rules]
            )
    except IntegrityError:
        return DuplicateScan.objects.filter(model=kind.model_label, state__in=UNFINISHED).first(), False
    transaction.on_commit(lambda: _enqueue(scan))
    return scan, True


def _enqueue(scan):
    from crm.duplicates.tasks import duplicates_scan_run

    duplicates_scan_run.enqueue(scan.pk)


def duplicates_scan_run(scan_id) -> DuplicateScan:
    """Run the queued job ``scan_id``: find the groups, store them, and drop the groups of older jobs."""
    claimed = DuplicateScan.objects.filter(pk=scan_id, state=ScanState.QUEUED).update(
        state=ScanState.RUNNING, started_at=timezone.now()
    )
    scan = DuplicateScan.objects.get(pk=scan_id)
    if not claimed:
        return scan  # run already, or by another worker
    try:
        kind = next(kind for kind in _kinds() if kind.model_label == scan.model)
        with without_statement_timeout():  # each rule's query reads the whole table
            groups, scanned = find_groups(kind, rule_keys=scan.rules)
        with transaction.atomic():
            DuplicateGroup.objects.bulk_create(
                (
                    DuplicateGroup(
                        scan=scan,
                        rules=group["rules"],
                        shared=group["shared"],
                        size=group["size"],
                        record_ids=group["ids"][:GROUP_LIMIT],
                    )
                    for group in groups
                ),
                batch_size=1000,
            )
            DuplicateGroup.objects.filter(scan__model=scan.model, scan_id__lt=scan.pk).delete()
            # Still running: not taken for lost (and failed) meanwhile.
            DuplicateScan.objects.filter(pk=scan.pk, state=ScanState.RUNNING).update(
                state=ScanState.DONE, finished_at=timezone.now(), records_scanned=scanned, groups_found=len(groups)
            )
    except Exception as error:
        DuplicateScan.objects.filter(pk=scan.pk).update(
            state=ScanState.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    scan.refresh_from_db()
    return scan


def _kinds():
    from crm.duplicates.registry import KINDS

    return KINDS.values()


def _rule_rows(kind, rule):
    """(SQL, params) of the rows (k0[, k1...], rid) of the rule's stored keys, every column of a rule that
    compares several (a contact's phones) as one column, empty keys left out."""
    base = kind.model._base_manager.filter(merged_into__isnull=True).order_by()  # no sort inside the subqueries
    base = rule.queryset(base)
    if rule.where is not None:
        base = base.filter(rule.where)
    parts = []
    if rule.several or len(rule.columns) == 1:
        for column in rule.columns:
            rows = base.exclude(**{column: ""}).exclude(**{f"{column}__isnull": True})
            parts.append(rows.values(k0=F(column), rid=F("pk")).query.sql_with_params())
        keys = ["k0"]
    else:
        rows = base
        for column in rule.columns:
            rows = rows.exclude(**{f"{column}__isnull": True})
            if not column.endswith("_id"):
                rows = rows.exclude(**{column: ""})
        names = {f"k{index}": F(column) for index, column in enumerate(rule.columns)}
        parts.append(rows.values(**names, rid=F("pk")).query.sql_with_params())
        keys = list(names)
    sql = " UNION ALL ".join(
        f"SELECT {', '.join(keys)}, rid FROM ({part}) part{index}" for index, (part, _p) in enumerate(parts)
    )
    params = [param for _part, part_params in parts for param in part_params]
    return sql, params, keys


def rule_groups(kind, rule):
    """{shared value: [ids]} of the values more than one record holds under ``rule``."""
    sql, params, keys = _rule_rows(kind, rule)
    key_list = ", ".join(keys)
    query = (
        f"SELECT {key_list}, rid FROM ({sql}) rows_all WHERE ({key_list}) IN "
        f"(SELECT {key_list} FROM ({sql}) rows_grouped GROUP BY {key_list} HAVING COUNT(DISTINCT rid) > 1) "
        f"ORDER BY {key_list}, rid"
    )
    groups = {}
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *params])
        while rows := cursor.fetchmany(5000):
            for row in rows:
                value = row[0] if len(keys) == 1 else tuple(row[:-1])
                ids = groups.setdefault(value, [])
                if not ids or ids[-1] != row[-1]:
                    ids.append(row[-1])
    return groups


def find_groups(kind, *, rule_keys=None):
    """([{"rules", "shared", "size", "ids"}], records scanned) for ``kind`` under its active exact rules (or
    those of ``rule_keys``): records alike by several rules are one group, the pairs users said are not
    duplicates are left out."""
    rules = [rule for rule in kind.rules if rule_keys is None or rule.key in rule_keys]
    by_records = {}
    for rule in rules:
        for value, ids in rule_groups(kind, rule).items():
            ids = sorted(set(ids))
            if len(ids) < 2:
                continue
            group = by_records.setdefault(tuple(ids), {"rules": [], "shared": []})
            if rule.key not in group["rules"]:
                group["rules"].append(rule.key)
                group["shared"].append(str(value[-1] if isinstance(value, tuple) else value)[:200])
    dismissed = set(NotDuplicate.objects.filter(model=kind.model_label).values_list("first_id", "second_id"))
    groups = []
    for ids, group in by_records.items():
        if dismissed and len(ids) <= GROUP_LIMIT and all(pair in dismissed for pair in itertools.combinations(ids, 2)):
            continue
        groups.append({**group, "size": len(ids), "ids": list(ids)})
    groups.sort(key=lambda group: group["ids"][0])
    scanned = kind.model._base_manager.filter(merged_into__isnull=True).count()
    return groups, scanned


def latest_scan(kind):
    """The newest job of ``kind``, finished or not, or None."""
    return DuplicateScan.objects.filter(model=kind.model_label).select_related("requested_by").first()


def latest_done_scan(kind):
    return DuplicateScan.objects.filter(model=kind.model_label, state=ScanState.DONE).first()


def group_dismiss(*, group, actor):
    """ "Not a duplicate" for a whole group: each pair of its records is remembered, and the group goes."""
    from crm.duplicates.services import not_duplicate_mark

    kind = next((kind for kind in _kinds() if kind.model_label == group.scan.model), None)
    if kind is None:
        raise ValidationError(_("These records are no longer a group."), code="group_gone")
    records = list(kind.visible(actor).filter(pk__in=group.record_ids))
    if len(records) < 2:
        raise ValidationError(_("These records are no longer a group."), code="group_gone")
    not_duplicate_mark(records=records, actor=actor)
    group.delete()
    return records
