"""Admin pages that write through the services, so the admin obeys the same rules as the web pages.

ModelAdmin hooks here only call a service and report its refusal; the rules stay in the services.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _


class ServiceRefused(Exception):
    """A service refused an admin write; carries the message to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def refusal_message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You do not have permission to do this.")


def call_service(service, **kwargs):
    """Call ``service``; turn its ValidationError or PermissionDenied into ServiceRefused."""
    try:
        return service(**kwargs)
    except (ValidationError, PermissionDenied) as error:
        raise ServiceRefused(refusal_message(error)) from error


class RecordVersionAdminMixin:
    """The change form carries the record's version (hidden); the update service refuses it when it is stale."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and hasattr(obj, "version") and "version" not in flatten_fieldsets(fieldsets):
            fieldsets.append((None, {"fields": ("version",), "classes": ("hidden",)}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            fieldsets = self.get_fieldsets(request, obj)
            kwargs["fields"] = [name for name in flatten_fieldsets(fieldsets) if name != "version"]
        elif kwargs["fields"]:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "version"]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or not hasattr(obj, "version"):
            return form
        version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, initial=obj.version)
        return type(form.__name__, (form,), {"version": version})

    def version_of(self, form):
        """The version the change form was opened at, for the update service."""
        return {"version": form.cleaned_data["version"]} if form.cleaned_data.get("version") else {}


class ServiceRefusalAdminMixin:
    """A write a service refused (ServiceRefused) is rolled back and said as a message on the page it came from."""

    def _refused(self, request, refused, redirect_to):
        self.message_user(request, refused.message, messages.ERROR)
        return HttpResponseRedirect(redirect_to)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            return self._refused(request, refused, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            opts = self.model._meta
            return self._refused(
                request, refused, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ServiceRefused as refused:
            return self._refused(request, refused, request.get_full_path())


class ServiceAdmin(ServiceRefusalAdminMixin, RecordVersionAdminMixin, admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes call services.

    Subclasses set ``create_service``, ``update_service`` and ``delete_service``
    (keyword-only functions taking ``actor``) and ``service_record_name`` (the
    keyword the update and delete services take the record by). A refused write
    is rolled back (the admin views run in a transaction) and shown as an error.
    """

    create_service = None
    update_service = None
    delete_service = None
    service_record_name = None

    def service_fields(self, form, *, change):
        """The form's values to hand to the service: all on add, the changed ones on change."""
        names = form.changed_data if change else list(form.cleaned_data)
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data and name != "version"}

    def save_record(self, request, obj, form, change, **extra):
        """Create or update the record through its service with the form's values (plus ``extra``)."""
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            call_service(
                self.update_service,
                **{self.service_record_name: current},
                actor=request.user,
                **self.service_fields(form, change=True),
                **self.version_of(form),
                **extra,
            )
        else:
            saved = call_service(self.create_service, actor=request.user, **self.service_fields(form, change=False),
                                 **extra)
            obj.pk = saved.pk
        # The admin logs and redirects with ``obj``: show it as the service saved it.
        obj.refresh_from_db()
        obj._state.adding = False

    def save_model(self, request, obj, form, change):
        self.save_record(request, obj, form, change)

    def delete_model(self, request, obj):
        call_service(self.delete_service, **{self.service_record_name: obj}, actor=request.user)

    def delete_queryset(self, request, queryset):
        # All or nothing: one refused record rolls the others back, and the message names it.
        with transaction.atomic():
            for obj in queryset:
                try:
                    self.delete_model(request, obj)
                except ServiceRefused as refused:
                    raise ServiceRefused(f"{obj}: {refused.message}") from refused

    def run_service_action(self, request, queryset, service, **kwargs):
        """Call ``service`` on each selected record and return how many it changed.

        Keyword values may be callables taking the record (e.g. a per-record amount).
        A refused record is named in an error message; the others still go through.
        """
        done = 0
        for obj in queryset:
            values = {name: value(obj) if callable(value) else value for name, value in kwargs.items()}
            try:
                call_service(service, **{self.service_record_name: obj}, actor=request.user, **values)
                done += 1
            except ServiceRefused as refused:
                self.message_user(request, f"{obj}: {refused.message}", messages.ERROR)
        return done
