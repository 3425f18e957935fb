"""Views and helpers shared by record pages: service errors on forms, safe return links, status, reassign, delete.

Each area subclasses the views below, naming its selector (``get(user=, pk=)``) and the
service that does the work; the views only check the permission, call the service and answer.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from crm import permissions
from crm.models import RecordStatus
from crm.record_forms import ReassignForm
from crm.redirects import safe_next
from crm.services import RecordChanged, expect_version


def add_service_error(form, error: ValidationError, *, field=None):
    """Put a ValidationError raised by a service onto ``form``: beside the field it names, else on top.

    An error that names no field goes beside ``field`` when given. When the record was changed
    by someone else meanwhile, the form also shows their values beside the user's.
    """
    if isinstance(error, RecordChanged):
        if hasattr(form, "show_conflict"):
            form.add_error(None, ValidationError(error.error_list))
            form.show_conflict(error.current)
        else:
            form.add_error(None, error.command_message())
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, ValidationError(errors))
    else:
        form.add_error(field if field in form.fields else None, ValidationError(error.error_list))


def form_data(form) -> dict:
    """The form's cleaned values by field name, to hand to a service as keyword arguments."""
    return {name: form.cleaned_data[name] for name in form.fields}


def error_text(error: ValidationError) -> str:
    """One readable sentence from a service's ValidationError, for a message."""
    if isinstance(error, RecordChanged):
        return error.command_message()
    return " ".join(error.messages)


def posted_version(request):
    """The record version a command's form was shown with (its hidden ``version``), or None."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def expect_posted_version(request, record):
    """Make the workflow about to run on ``record`` refuse it if it changed since the page was shown.

    Every page posts the version it showed; a post without one (a script's) acts on the record as it is,
    as the services do when given no version.
    """
    return expect_version(record, posted_version(request))


def record_action(request, record, action, success_message):
    """Run a workflow ``action()`` on a record the user may change; its refusal or success comes back as a message.

    The record is held to the version the page showed (the form's hidden ``version``).
    """
    permissions.require(permissions.can_change(request.user, record))
    expect_posted_version(request, record)
    try:
        action()
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success_message)
    return redirect(record)


def safe_next_url(request, default):
    """The ``next`` URL of the request when it points to this site, else ``default``."""
    return safe_next(request, request.POST.get("next") or request.GET.get("next")) or default


def confirm_page(request, record, *, question, confirm_label, explanation="", version=None, hidden=None):
    """The page a destructive command shows on GET, without JavaScript: its question, Confirm and Back.

    Its form posts to the same URL with the record's ``version`` (and any ``hidden`` {name: value}),
    so the command itself still needs a POST and still refuses a record changed meanwhile.
    """
    return render(
        request,
        "includes/record_confirm.html",
        {
            "record": record,
            "question": question,
            "explanation": explanation,
            "confirm_label": confirm_label,
            "version": version,
            "hidden": sorted((hidden or {}).items()),
            "back_url": safe_next_url(request, record.get_absolute_url()),
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=RecordStatus.choices, label=gettext_lazy("Status"))


class RecordMixin:
    """Fetch the record of the URL through the area's user-scoped selector (404 outside the scope)."""

    selector = None

    def get_record(self):
        if not hasattr(self, "_record"):
            self._record = type(self).selector(user=self.request.user, pk=self.kwargs["pk"])
        return self._record


class RecordSetStatusView(RecordMixin, View):
    """POST: activate or deactivate a record (needs the change permission); GET asks to confirm a deactivation."""

    http_method_names = ["get", "post"]

    def set_status(self, record, status):
        raise NotImplementedError

    def get(self, request, pk):
        record = self.get_record()
        permissions.require(permissions.can_change(request.user, record))
        if not record.is_active:
            return redirect(record)
        return confirm_page(
            request,
            record,
            question=_("Deactivate %(record)s?") % {"record": record},
            explanation=_("An inactive record stays on file and can be activated again."),
            confirm_label=_("Deactivate"),
            version=record.version,
            hidden={"status": RecordStatus.INACTIVE},
        )

    def post(self, request, pk):
        record = self.get_record()
        permissions.require(permissions.can_change(request.user, record))
        form = StatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown status."))
            return redirect(record)
        expect_posted_version(request, record)
        try:
            self.set_status(record, form.cleaned_data["status"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            if record.is_active:
                messages.success(request, _("%(record)s is active again.") % {"record": record})
            else:
                messages.success(request, _("%(record)s was deactivated.") % {"record": record})
        return redirect(record)


class RecordReassignView(RecordMixin, FormView):
    """Give a record to another owner: its owner with the right, or a manager."""

    form_class = ReassignForm
    template_name = "includes/record_reassign.html"

    def reassign(self, record, owner):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        permissions.require(
            permissions.can_reassign(request.user, self.get_record()), _("You can reassign only records you own.")
        )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"owner": self.get_record().owner_id}

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.get_record(), **kwargs)

    def form_valid(self, form):
        record = expect_posted_version(self.request, self.get_record())
        try:
            self.reassign(record, form.cleaned_data["owner"])
        except ValidationError as error:
            add_service_error(form, error, field="owner")
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(record)s now belongs to %(owner)s.")
            % {
                "record": record,
                "owner": form.fields["owner"].label_from_instance(record.owner),
            },
        )
        return redirect(record)


class RecordDeleteView(RecordMixin, TemplateView):
    """GET asks to confirm, POST deletes through the service; a refusal comes back as a message."""

    template_name = "includes/record_confirm_delete.html"
    list_url_name = None

    def delete(self, record):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        permissions.require(
            permissions.can_delete(request.user, self.get_record()), _("You can delete only records you own.")
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.get_record(), **kwargs)

    def post(self, request, pk):
        record = self.get_record()
        name = str(record)
        expect_posted_version(request, record)
        try:
            self.delete(record)
        except ValidationError as error:
            messages.error(request, error_text(error))
            return redirect(record)
        messages.success(request, _("%(record)s was deleted.") % {"record": name})
        return redirect(reverse(self.list_url_name))


def after_save(request, record, close_url):
    """Where a record form goes once saved: Save keeps it open (the record's edit form, where it came back to),
    Save & Close (or a post that names neither, as before the two buttons) goes to ``close_url``."""
    if request.POST.get("save") != "stay":
        return redirect(close_url)
    edit_url = reverse(f"{record._meta.app_label}:edit", args=[record.pk])
    if back := safe_next(request, request.POST.get("next")):
        edit_url += "?" + urlencode({"next": back})
    return redirect(edit_url)
