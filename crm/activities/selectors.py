"""Reads of activities: a record's Timeline (its activities, rolled up, beside its change history) and My Activities."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils import timezone

from crm import permissions
from crm.activities.models import (
    SCHEDULED_KINDS,
    Activity,
    ActivityKind,
    ActivityState,
    Attachment,
)
from crm.activities.registry import people_of, rollup_of
from crm.history.models import RecordType

TIMELINE_PAGE_SIZE = 20
# Related rows every timeline or list entry shows: who owns and who wrote it, and what it regards.
ENTRY_RELATED = ("owner", "created_by", "account", "contact", "opportunity", "invoice")


@dataclass(frozen=True)
class TimelineFilter:
    kind: str = ""  # an ActivityKind, "change" (the change history only), or "" for everything
    state: str = ""  # "open", "closed" or ""
    q: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where a timeline page ends: the last entry's time, and its id within its source (activity or change)."""

    at: datetime.datetime
    source: str
    pk: int

    def token(self):
        return f"{self.at.isoformat()}_{self.source}_{self.pk}"

    @classmethod
    def parse(cls, token):
        """The cursor a "Show older" link carries, or None when the token is not one."""
        try:
            at, source, pk = token.rsplit("_", 2)
            at = datetime.datetime.fromisoformat(at)
            if source not in ("activity", "change") or timezone.is_naive(at):
                return None
            return cls(at=at, source=source, pk=int(pk))
        except (AttributeError, ValueError):
            return None


@dataclass
class TimelineEntry:
    at: datetime.datetime
    source: str  # "activity" or "change"
    item: object  # an Activity or a ChangeEvent
    rolled_up_from: str = ""  # for an activity about another record: its regarding field

    @property
    def cursor(self):
        return Cursor(at=self.at, source=self.source, pk=self.item.pk)


def _older(field, cursor, source):
    """The rows of ``source`` after ``cursor`` in the timeline's order: newest first, activities first, by id."""
    if cursor is None:
        return Q()
    if source == cursor.source:
        return Q(**{f"{field}__lt": cursor.at}) | Q(**{field: cursor.at, "pk__lt": cursor.pk})
    # At the same instant activities come before changes.
    if source == "activity":
        return Q(**{f"{field}__lt": cursor.at})
    return Q(**{f"{field}__lte": cursor.at})


def _pk(item):
    return item if isinstance(item, int) else item.pk


def _attach_files(entries):
    """Give each activity entry its files (``attachment_list``), all read in one query."""
    activities = [entry.item for entry in entries if entry.source == "activity"]
    files = defaultdict(list)
    if activities:
        for attachment in Attachment.objects.filter(activity_id__in=[activity.pk for activity in activities]):
            files[attachment.activity_id].append(attachment)
    for activity in activities:
        activity.attachment_list = files.get(activity.pk, [])


def _activity_filter(filters):
    condition = Q()
    if filters.kind in ActivityKind.values:
        condition &= Q(kind=filters.kind)
    if filters.state == "open":
        condition &= Q(state=ActivityState.OPEN)
    elif filters.state == "closed":
        condition &= ~Q(state=ActivityState.OPEN)
    if filters.q:
        condition &= Q(subject__icontains=filters.q) | Q(description__icontains=filters.q)
    return condition


def record_timeline(*, user, record, filters=TimelineFilter(), cursor=None, size=TIMELINE_PAGE_SIZE, changes=None):
    """One page of ``record``'s Timeline, newest first: its activities, those its app rolls up, and its changes.

    ``changes`` is the record's change-history queryset (crm.history.selectors.timeline), or None when
    the record has none. Returns (entries, cursor of the next page or None). One query per source:
    the record's own activities, each roll-up, and the changes, whatever their number.
    """
    sources = []
    if permissions.can_view(user, Activity) and filters.kind != "change":
        condition = _activity_filter(filters) & _older("created_at", cursor, "activity")
        own = Q(**{record._meta.model_name: record.pk})
        sources.append(("", own))
        sources.extend(rollup_of(record).items())
        # Each source's newest ids alone, without the joins: the page's rows are read with them afterwards, so
        # that a roll-up over thousands of contacts joins only the twenty rows shown.
        newest = Activity.objects.order_by("-created_at", "-pk").values_list("pk", "created_at")
        branches = [(label, newest.filter(branch & condition)[: size + 1]) for label, branch in sources]
    else:
        branches = []
    entries = []
    for label, rows in branches:
        entries.extend(
            TimelineEntry(at=created_at, source="activity", item=pk, rolled_up_from=label) for pk, created_at in rows
        )
    show_changes = changes is not None and (not filters.kind or filters.kind == "change") and not filters.state
    if show_changes:
        changes = changes.exclude(record_type=RecordType.ACTIVITY)
        if filters.q:
            changes = changes.filter(record_label__icontains=filters.q)
        changes = changes.filter(_older("occurred_at", cursor, "change"))[: size + 1]
        entries.extend(TimelineEntry(at=event.occurred_at, source="change", item=event) for event in changes)
    entries.sort(key=lambda entry: (entry.at, entry.source == "activity", _pk(entry.item)), reverse=True)
    page = entries[:size]
    shown = [entry.item for entry in page if entry.source == "activity"]
    if shown:
        rows = Activity.objects.select_related(*ENTRY_RELATED).in_bulk(shown)
        page = [replace(entry, item=rows[entry.item]) if entry.source == "activity" else entry for entry in page
                if entry.source != "activity" or entry.item in rows]
    _attach_files(page)
    following = page[-1].cursor if len(entries) > size else None
    return page, following


class MyActivitiesView:
    """The system views of My Activities, as Dynamics names them."""

    OPEN = "open"
    OVERDUE = "overdue"
    DUE_TODAY = "today"
    DUE_THIS_WEEK = "week"
    ALL = "all"


def _day_bounds(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


# My Activities' sortable columns: the parameter's name to the order, each ending on the primary key.
MY_ACTIVITIES_SORTS = {
    "due": ("due_at", "-created_at", "-pk"),
    "subject": ("subject", "pk"),
    "kind": ("kind", "due_at", "pk"),
    "priority": ("priority", "due_at", "pk"),
    "created": ("created_at", "pk"),
}


def my_activities_condition(view, now=None) -> Q:
    """What one of My Activities' system views shows, of a user's own activities (in the active time zone)."""
    now = now or timezone.now()
    today_start, tomorrow = _day_bounds(timezone.localdate(now))
    week_end = today_start + datetime.timedelta(days=7 - timezone.localtime(now).weekday())
    open_scheduled = Q(state=ActivityState.OPEN, kind__in=SCHEDULED_KINDS)
    if view == MyActivitiesView.OPEN:
        return Q(state=ActivityState.OPEN)
    if view == MyActivitiesView.OVERDUE:
        return open_scheduled & Q(due_at__lt=now)
    if view == MyActivitiesView.DUE_TODAY:
        return open_scheduled & Q(due_at__gte=today_start, due_at__lt=tomorrow)
    if view == MyActivitiesView.DUE_THIS_WEEK:
        return open_scheduled & Q(due_at__gte=today_start, due_at__lt=week_end)
    return Q()


def my_activity_list(*, user):
    """The user's own activities, with what the list shows joined (the export's selector)."""
    permissions.require(permissions.can_view(user, Activity))
    return Activity.objects.filter(owner=user).select_related(*ENTRY_RELATED)


def my_activities_order(queryset, sort: str):
    """``queryset`` in the order ``sort`` names ("due", "-subject"...; soonest due first otherwise)."""
    descending = sort.startswith("-")
    fields = MY_ACTIVITIES_SORTS.get(sort.lstrip("-"))
    if fields is None:
        return queryset.order_by(*MY_ACTIVITIES_SORTS["due"])
    if descending:
        fields = [name[1:] if name.startswith("-") else f"-{name}" for name in fields]
    return queryset.order_by(*fields)


def my_activities(*, user, view=MyActivitiesView.OPEN, kind="", now=None, sort=""):
    """The user's own activities for one of My Activities' views, soonest due first (undated last) unless
    ``sort`` names another order; All my activities newest first."""
    activities = my_activity_list(user=user).filter(my_activities_condition(view, now))
    if kind in ActivityKind.values:
        activities = activities.filter(kind=kind)
    if not sort and view == MyActivitiesView.ALL:
        return activities
    return my_activities_order(activities, sort)


# The dashboard counts up to this many of each and says "99+" beyond: a count reads at most this many index
# entries, however many activities a user has.
COUNT_CAP = 99


def my_activity_counts(*, user, now=None) -> dict:
    """The dashboard tile's figures: the user's overdue and due-today open activities, each counted up to
    COUNT_CAP + 1 (one query each, on the index of owner, state, due date and kind)."""
    now = now or timezone.now()
    today_start, tomorrow = _day_bounds(timezone.localdate(now))
    scheduled = Activity.objects.filter(owner=user, state=ActivityState.OPEN, kind__in=SCHEDULED_KINDS).order_by()
    counts = {
        "overdue": scheduled.filter(due_at__lt=now).values("pk")[: COUNT_CAP + 1].count(),
        "due_today": scheduled.filter(due_at__gte=max(today_start, now), due_at__lt=tomorrow)
        .values("pk")[: COUNT_CAP + 1]
        .count(),
    }
    labels = {f"{name}_label": f"{COUNT_CAP}+" if count > COUNT_CAP else str(count) for name, count in counts.items()}
    return {**counts, **labels}



# How many of a record's people an email's or an appointment's form offers to add.
PEOPLE_OFFERED = 20


def record_people(*, user, record, limit=PEOPLE_OFFERED) -> list[tuple[str, str]]:
    """The (name, address) of the people an activity about ``record`` is likely to go to (its app says who)."""
    return people_of(user=user, record=record, limit=limit)
