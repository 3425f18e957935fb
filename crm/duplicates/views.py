"""Duplicate detection's pages: the check before a record form saves, the Duplicates page and its jobs,
"Not a duplicate", Merge and the undo of a merge."""

import logging

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm import permissions
from crm.duplicates import merge as merging
from crm.duplicates import scan as scanning
from crm.duplicates.models import DuplicateGroup, RecordMerge
from crm.duplicates.registry import KINDS, kind_by_key, kind_of
from crm.duplicates.services import duplicates_find, not_duplicate_mark, shown_values
from crm.params import record_number
from crm.record_pages import display_value
from crm.record_views import error_text, safe_next_url
from crm.services import expect_version

SAVE_ANYWAY = "save_anyway"


def found_duplicates(request, form) -> list:
    """The records like ``form``'s (valid) record that the user should see before it is saved: none when they
    chose Save anyway; for an edit, only by the rules that read a field they changed."""
    if request.POST.get(SAVE_ANYWAY) == "1":
        return []
    record = form.instance
    changed = None if record.pk is None else form.changed_data
    return duplicates_find(record, user=request.user, changed=changed)


def duplicates_context(duplicates, form) -> dict:
    """The form page's context for its "Duplicate records found" panel: the candidates, and on an edit the
    merge page's address (each candidate's Merge opens the merge of the two records)."""
    record = form.instance
    merge_url = reverse("duplicates:merge", args=[kind_of(record).key]) if record.pk is not None else ""
    return {"duplicates": duplicates, "merge_url": merge_url}


logger = logging.getLogger(__name__)

GROUPS_PER_PAGE = 25


def _kind(key):
    kind = kind_by_key(key)
    if kind is None:
        raise Http404(_("No such kind of record."))
    return kind


def _record_ids(values) -> list:
    ids = []
    for value in values:
        number = record_number(value)
        if number is None:
            raise Http404(_("A record number is not valid."))
        if number not in ids:
            ids.append(number)
    return ids


def _pair(request, kind, values):
    """The two records the request names, among those the user may see (404 otherwise)."""
    ids = _record_ids(values)
    if len(ids) != 2:
        raise Http404(_("Merge takes two records."))
    found = kind.visible(request.user).in_bulk(ids)
    if len(found) != 2:
        raise Http404(_("One of the records is not there or not yours to see."))
    return [found[pk] for pk in ids]


class MergeForm(forms.Form):
    """The merge of two records: which is the master (a first step, by GET), then for each field whose values
    differ, whose value the master keeps; the versions the user saw ride along, so that a record changed
    meanwhile refuses the merge."""

    def __init__(self, *args, kind, master, subordinate, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.master, self.subordinate = kind, master, subordinate
        self.rows = []
        for name in kind.merge_fields:
            field = kind.model._meta.get_field(name)
            values = [display_value(record, field)[0] for record in (master, subordinate)]
            label = field.verbose_name
            row = {"name": name, "label": label, "master": values[0], "subordinate": values[1]}
            if getattr(master, field.attname) != getattr(subordinate, field.attname):
                self.fields[f"field_{name}"] = forms.ChoiceField(
                    label=label,
                    choices=[(merging.MASTER, values[0]), (merging.SUBORDINATE, values[1])],
                    initial=merging.MASTER,
                    widget=forms.RadioSelect,
                    required=False,  # not given: the master keeps its own
                )
                row["field"] = f"field_{name}"
            self.rows.append(row)
        self.fields["master_version"] = forms.IntegerField(widget=forms.HiddenInput, initial=master.version)
        self.fields["subordinate_version"] = forms.IntegerField(widget=forms.HiddenInput, initial=subordinate.version)

    def bound_rows(self):
        return [{**row, "bound": self[row["field"]] if "field" in row else None} for row in self.rows]

    def chosen_fields(self) -> dict:
        return {
            name: self.cleaned_data[f"field_{name}"] or merging.MASTER
            for name in self.kind.merge_fields
            if f"field_{name}" in self.cleaned_data
        }


def merge_page(request, kind):
    """GET: the two records side by side, the master chosen first; POST: merge them through the app's service."""
    kind = _kind(kind)
    records = _pair(request, kind, request.POST.getlist("records") or request.GET.getlist("records"))
    master_id = record_number(request.POST.get("master") or request.GET.get("master")) or records[0].pk
    if master_id not in {record.pk for record in records}:
        raise Http404(_("The master record must be one of the two."))
    master, subordinate = sorted(records, key=lambda record: record.pk != master_id)
    permissions.require(
        merging.can_merge(request.user, master, subordinate),
        _("You can merge only records you own both of; a Sales Manager can merge any."),
    )
    form = MergeForm(request.POST or None, kind=kind, master=master, subordinate=subordinate)
    if request.method == "POST" and form.is_valid():
        expect_version(master, form.cleaned_data["master_version"])
        expect_version(subordinate, form.cleaned_data["subordinate_version"])
        try:
            merge = kind.merge(master=master, subordinate=subordinate, fields=form.chosen_fields(), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        except OperationalError:  # a deadlock with another merge of linked records: the database chose this one
            logger.warning("A merge of %s into %s was chosen as a deadlock's victim.", subordinate, master)
            form.add_error(None, _("Another change to these records was being saved at the same moment. Try again."))
        else:
            messages.success(
                request,
                _("%(subordinate)s was merged into %(master)s.") % {"subordinate": subordinate, "master": master},
            )
            return redirect("duplicates:merge_done", pk=merge.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "duplicates/merge.html",
        {
            "kind": kind,
            "records": records,
            "master": master,
            "subordinate": subordinate,
            "form": form,
            "details": [shown_values(kind, record) for record in (master, subordinate)],
            "back_url": safe_next_url(request, master.get_absolute_url()),
        },
        status=status,
    )


def _merge_of(request, pk):
    merge = get_object_or_404(RecordMerge, pk=pk)
    kind = next((kind for kind in KINDS.values() if kind.model_label == merge.model), None)
    if kind is None:
        raise Http404(_("No such kind of record."))
    records = kind.visible(request.user).in_bulk([merge.master_id, merge.subordinate_id])
    if len(records) != 2:
        raise Http404(_("One of the records is not there or not yours to see."))
    return merge, kind, records[merge.master_id], records[merge.subordinate_id]


@require_GET
def merge_done(request, pk):
    """A merge's result: what moved to the master, and Undo while it can be undone."""
    merge, kind, master, subordinate = _merge_of(request, pk)
    moved = []
    for label, _field_name, rows, how in merge.moved:
        model = apps.get_model(label)
        if how == "moved":
            moved.append({"label": model._meta.verbose_name_plural, "count": len(rows)})
    deadline = merging.merge_undo_deadline(merge)
    return render(
        request,
        "duplicates/merge_done.html",
        {
            "merge": merge,
            "kind": kind,
            "master": master,
            "subordinate": subordinate,
            "moved": moved,
            "deadline": deadline,
            "can_undo": merging.can_undo_merge(request.user, merge) and timezone.now() <= deadline,
        },
    )


@require_POST
def merge_undo(request, pk):
    """POST: undo the merge; what others changed since is kept, and listed."""
    merge, kind, master, subordinate = _merge_of(request, pk)
    try:
        kept = merging.merge_undo(merge=merge, kind=kind, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("duplicates:merge_done", pk=merge.pk)
    messages.success(request, _("The merge was undone: %(record)s is back.") % {"record": subordinate})
    for sentence in kept:
        messages.warning(request, sentence)
    return redirect(subordinate)


@require_POST
def not_duplicate(request, kind):
    """POST records=…: remember that these records are not duplicates; back to ``next``."""
    kind = _kind(kind)
    ids = _record_ids(request.POST.getlist("records"))
    records = list(kind.visible(request.user).filter(pk__in=ids))
    if len(records) < 2 or len(records) != len(ids):
        raise Http404(_("One of the records is not there or not yours to see."))
    try:
        not_duplicate_mark(records=records, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Noted: these records are not duplicates, and will not be offered as such again."))
    return HttpResponseRedirect(safe_next_url(request, records[0].get_absolute_url()))


class ScanForm(forms.Form):
    kind = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(key, kind.label) for key, kind in KINDS.items()]


@require_GET
def duplicates_list(request):
    """The Duplicates page: a kind of record's newest detection job and the groups it found, paged."""
    permissions.require(scanning.can_find_duplicates(request.user))
    key = request.GET.get("kind") or next(iter(KINDS))
    kind = _kind(key)
    scan = scanning.latest_scan(kind)
    done = scan if scan is not None and scan.state == "done" else scanning.latest_done_scan(kind)
    page = None
    if done is not None:
        groups = DuplicateGroup.objects.filter(scan=done).order_by("pk")
        page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        page.rows = _group_rows(request, kind, list(page.object_list))
    context = {
        "kind": kind,
        "kinds": [(other_key, other.label) for other_key, other in KINDS.items()],
        "scan": scan,
        "done": done,
        "page": page,
    }
    if request.htmx and request.htmx.target == "scan-status":
        return render(request, "duplicates/duplicates_list.html#scan_status", {**context, "polled": True})
    return render(request, "duplicates/duplicates_list.html", context)


def _group_rows(request, kind, groups):
    """The page's groups with their records (one query), their related counts (a query per kind of link) and
    their rules' names; records merged since are left out, and a group with one record left is shown done."""
    ids = {pk for group in groups for pk in group.record_ids}
    records = kind.visible(request.user).in_bulk(ids)
    counts = kind.related_counts(list(records)) if kind.related_counts else {}
    rows = []
    for group in groups:
        members = [records[pk] for pk in group.record_ids if pk in records and records[pk].merged_into_id is None]
        rows.append(
            {
                "group": group,
                "records": [
                    {"record": record, "details": shown_values(kind, record), "counts": counts.get(record.pk, {})}
                    for record in members
                ],
                "rules": ", ".join(str(rule.label) for key in group.rules if (rule := kind.rule(key))),
                "shared": ", ".join(group.shared),
                "ids": [record.pk for record in members],
            }
        )
    return rows


@require_POST
def scan_start(request):
    """POST kind=…: start a duplicate detection job (or find the one running) and go back to its page."""
    permissions.require(scanning.can_find_duplicates(request.user))
    form = ScanForm(request.POST)
    if not form.is_valid():
        raise Http404(_("No such kind of record."))
    kind = _kind(form.cleaned_data["kind"])
    scan, new = scanning.duplicates_scan_start(kind=kind, actor=request.user)
    if new:
        messages.success(request, _("Duplicate detection started: the groups appear here when it is done."))
    else:
        messages.info(request, _("Duplicate detection of these records is already running."))
    return redirect(f"{reverse('duplicates:list')}?kind={kind.key}")


@require_POST
def group_dismiss(request, pk):
    """POST: "Not a duplicate" for a group of the Duplicates page."""
    permissions.require(scanning.can_find_duplicates(request.user))
    group = get_object_or_404(DuplicateGroup.objects.select_related("scan"), pk=pk)
    try:
        scanning.group_dismiss(group=group, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Noted: these records are not duplicates, and will not be offered as such again."))
    kind = next((key for key, kind in KINDS.items() if kind.model_label == group.scan.model), "")
    return HttpResponseRedirect(safe_next_url(request, f"{reverse('duplicates:list')}?kind={kind}"))
