"""Bulk actions on the rows selected in a list: Assign, Activate, Deactivate, Delete, Export.

Each runs the same per-record service as the record page's command, with the same
permission check per record, all in one transaction (a savepoint per record, so that a
record the service refuses is left as it was while the others change). The message says
how many changed and names each record that could not, with the reason.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from crm import permissions
from crm.downloads import attachment_disposition
from crm.lists import RecordList, get_list
from crm.models import RecordStatus
from crm.params import record_number
from crm.record_forms import ReassignForm
from crm.record_views import error_text, safe_next_url

# At most this many records per bulk action (one request).
MAX_SELECTED = 500
# A message names at most this many records that could not be changed; it counts the rest.
FAILURES_NAMED = 10

ASSIGN, ACTIVATE, DEACTIVATE, DELETE, EXPORT = "assign", "activate", "deactivate", "delete", "export"
# Merge two selected records (of a kind with duplicate rules: crm.duplicates), on the merge page.
MERGE = "merge"
# The export format of the Excel round trip: each record's id and version, hidden, to edit and import back.
ROUND_TRIP = "round_trip"
# Actions that ask to confirm first (their form posts again with confirmed=1).
CONFIRMED_ACTIONS = {DEACTIVATE, DELETE}


def bulk_actions(record_list: RecordList, user) -> dict:
    """Which bulk actions the list offers the user: {"assign": True, ...}. No query."""
    model = record_list.model
    can_change = user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
    return {
        ASSIGN: record_list.reassign is not None
        and user.has_perm(f"{model._meta.app_label}.reassign_{model._meta.model_name}"),
        ACTIVATE: record_list.set_status is not None and can_change,
        DEACTIVATE: record_list.set_status is not None and can_change,
        DELETE: record_list.delete is not None
        and user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}"),
        EXPORT: _export_source(record_list) is not None,
        MERGE: can_change and _duplicate_kind(record_list) is not None,
        ROUND_TRIP: _offers_round_trip(record_list, user),
    }


def _duplicate_kind(record_list):
    from crm.duplicates.registry import kind_of

    return kind_of(record_list.model)


def _offers_round_trip(record_list, user) -> bool:
    """Whether the user may export the selected rows to edit and import back: the list's export offers it and
    the user imports."""
    source = _export_source(record_list)
    return source is not None and source.round_trip and user.has_perm("crm.import_data")


def _export_source(record_list):
    from crm.exports.sources import SOURCES

    return SOURCES.get(record_list.key)


class SelectionRefused(Exception):
    """The request's selection cannot be acted on: too many records, or none (``empty``)."""

    def __init__(self, message, *, empty=False):
        super().__init__(message)
        self.empty = empty


def selected_ids(data) -> list[int]:
    """The record numbers of ``data``'s ``selected`` values, each once, in order; SelectionRefused beyond the limit."""
    values = data.getlist("selected")
    if len(values) > MAX_SELECTED:
        raise SelectionRefused(
            _("At most %(limit)s records can be changed at once; %(count)s were selected.")
            % {"limit": number_format(MAX_SELECTED), "count": number_format(len(values))}
        )
    ids = list(dict.fromkeys(number for number in map(record_number, values) if number is not None))
    if not ids:
        raise SelectionRefused(_("Select at least one record first."), empty=True)
    return ids


class ExportFormatForm(forms.Form):
    export_format = forms.ChoiceField(
        choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV"), ("xml", "XML Spreadsheet 2003"), (ROUND_TRIP, ROUND_TRIP)],
        required=False,
    )


class BulkActionView(View):
    """POST the selected rows of a list (``selected``) with an ``action``; Deactivate and Delete confirm first."""

    http_method_names = ["post"]
    template_name = "lists/bulk_confirm.html"

    action_labels = {
        ASSIGN: gettext_lazy("Assign"),
        ACTIVATE: gettext_lazy("Activate"),
        DEACTIVATE: gettext_lazy("Deactivate"),
        DELETE: gettext_lazy("Delete"),
    }

    def post(self, request, list_key):
        self.record_list = get_list(list_key)
        permissions.require(permissions.can_view(request.user, self.record_list.model))
        action = request.POST.get("action", "")
        offered = bulk_actions(self.record_list, request.user)
        if not offered.get(action):
            return self.refuse(_("This action is not available here."))
        try:
            ids = selected_ids(request.POST)
        except SelectionRefused as refusal:
            if refusal.empty:
                messages.warning(request, str(refusal))
                return redirect(self.back_url())
            return self.refuse(str(refusal))
        if action == EXPORT:
            return self.export(ids)
        if action == MERGE:
            if len(ids) != 2:
                message = _("Select exactly two records to merge; %(count)s were selected.")
                return self.refuse(message % {"count": len(ids)})
            query = urlencode({"records": ids, "next": self.back_url()}, doseq=True)
            return redirect(f"{reverse('duplicates:merge', args=[_duplicate_kind(self.record_list).key])}?{query}")
        if action == ASSIGN:
            form = ReassignForm(request.POST if "owner" in request.POST else None)
            form.fields["owner"].widget.attrs["class"] = "form-select"
            if not form.is_bound or not form.is_valid():
                return self.ask(action, ids, form=form, status=400 if form.is_bound else 200)
            return self.run(action, ids, owner=form.cleaned_data["owner"])
        if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "1":
            return self.ask(action, ids)
        return self.run(action, ids)

    def back_url(self):
        return safe_next_url(self.request, reverse(f"{self.record_list.key}:list"))

    def records_text(self, count):
        return self.record_list.count_text % {"count": count, "number": number_format(count, force_grouping=True)}

    def refuse(self, message, status=400):
        return render(
            self.request,
            self.template_name,
            {"refusal": message, "back_url": self.back_url(), "title": _("Bulk action")},
            status=status,
        )

    def ask(self, action, ids, *, form=None, status=200):
        """The page that confirms the action on the selected records (or, for Assign, asks for the owner)."""
        records = self.records_text(len(ids))
        questions = {
            ASSIGN: _("Assign %(records)s to:"),
            DEACTIVATE: _("Deactivate %(records)s?"),
            DELETE: _("Delete %(records)s?"),
        }
        explanations = {
            DEACTIVATE: _("Inactive records stay on file and can be activated again."),
            DELETE: _("Deleted records cannot be brought back. Records you may not delete are left as they are."),
        }
        return render(
            self.request,
            self.template_name,
            {
                "title": self.action_labels[action],
                "question": questions[action] % {"records": records},
                "explanation": explanations.get(action, ""),
                "action": action,
                "confirm_label": self.action_labels[action],
                "danger": action == DELETE,
                "ids": ids,
                "form": form,
                "next": self.back_url(),
                "back_url": self.back_url(),
                "list_key": self.record_list.key,
            },
            status=status,
        )

    def run(self, action, ids, **values):
        """Run the action's service on each selected record in one transaction; one message says what happened."""
        user = self.request.user
        done, failed = 0, []
        with transaction.atomic():
            records = list(self.record_list.selector(user=user).filter(pk__in=ids))
            missing = len(ids) - len(records)
            for record in sorted(records, key=lambda record: ids.index(record.pk)):
                try:
                    with transaction.atomic():
                        self.apply(action, record, user, **values)
                except (ValidationError, PermissionDenied) as error:
                    reason = error_text(error) if isinstance(error, ValidationError) else str(error)
                    reason = (reason or _("You do not have permission to do this.")).rstrip(".")
                    failed.append(f"{record}: {reason}")
                else:
                    done += 1
        self.report(action, done, failed, missing, **values)
        return redirect(self.back_url())

    def apply(self, action, record, user, owner=None):
        record_list = self.record_list
        if action == ASSIGN:
            permissions.require(permissions.can_reassign(user, record), _("You can reassign only records you own."))
            if record.owner_id != owner.pk:
                record_list.reassign(record, actor=user, owner=owner)
        elif action in (ACTIVATE, DEACTIVATE):
            permissions.require(permissions.can_change(user, record))
            status = RecordStatus.ACTIVE if action == ACTIVATE else RecordStatus.INACTIVE
            if record.status != status:
                record_list.set_status(record, actor=user, status=status)
        elif action == DELETE:
            permissions.require(permissions.can_delete(user, record), _("You can delete only records you own."))
            record_list.delete(record, actor=user)

    def report(self, action, done, failed, missing, owner=None):
        records = self.records_text(done)
        if action == ASSIGN:
            text = _("%(records)s assigned to %(owner)s") % {
                "records": records,
                "owner": owner.get_full_name() or owner.get_username(),
            }
        else:
            text = {
                ACTIVATE: _("%(records)s activated"),
                DEACTIVATE: _("%(records)s deactivated"),
                DELETE: _("%(records)s deleted"),
            }[action] % {"records": records}
        parts = [text]
        if failed:
            named = "; ".join(failed[:FAILURES_NAMED])
            if len(failed) > FAILURES_NAMED:
                rest = len(failed) - FAILURES_NAMED
                named += " " + ngettext("(and %(count)s more)", "(and %(count)s more)", rest) % {"count": rest}
            parts.append(
                ngettext("%(count)s could not be: %(reasons)s", "%(count)s could not be: %(reasons)s", len(failed))
                % {"count": len(failed), "reasons": named}
            )
        if missing:
            parts.append(ngettext("%(count)s was not found", "%(count)s were not found", missing) % {"count": missing})
        message = "; ".join(parts) + "."
        if not failed and not missing:
            messages.success(self.request, message)
        elif done:
            messages.warning(self.request, message)
        else:
            messages.error(self.request, message)

    def export(self, ids):
        """The selected records in the list's export (its columns, the user's scope), in the format chosen."""
        from crm.imports.exports import EXPORT_FORMATS, stream_csv, stream_xml_spreadsheet, write_xlsx

        form = ExportFormatForm(self.request.POST)
        file_format = (form.cleaned_data["export_format"] if form.is_valid() else "") or "xlsx"
        round_trip = file_format == ROUND_TRIP
        if round_trip:
            permissions.require(_offers_round_trip(self.record_list, self.request.user))
            file_format = "xlsx"
        source = _export_source(self.record_list)
        name = self.record_list.key
        queryset = source.queryset(user=self.request.user, query=QueryDict()).filter(pk__in=ids)
        rows = source.rows(queryset, round_trip=round_trip)
        content_type, extension = EXPORT_FORMATS[file_format]
        if file_format == "xlsx":
            response = FileResponse(write_xlsx(rows, name), content_type=content_type)
        else:
            stream = stream_csv(rows) if file_format == "csv" else stream_xml_spreadsheet(rows, name)
            response = StreamingHttpResponse(stream, content_type=content_type)
        response["Content-Disposition"] = attachment_disposition(
            f"{name}-selected-{timezone.localdate():%Y-%m-%d}.{extension}"
        )
        return response
