"""Activities in the admin, written through crm.activities.services as on the web pages.

An activity is added with its kind and the one record it regards, which stay
as they are afterwards; its status changes only through the actions (Mark
completed, Cancel, Reopen), never in the form; its files are shown, not
edited, and go with it when it is deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm import permissions
from crm.activities import services
from crm.activities.models import REGARDING_FIELDS, Activity, ActivityKind, ActivityState, Attachment
from crm.admin_mixins import ServiceAdmin, call_service
from crm.services import expect_version

AUDIT_FIELDS = ("created_at", "created_by", "modified_at", "modified_by")
STATE_FIELDS = ("state", "completed_at")


class AttachmentInline(admin.TabularInline):
    """A note's files, read-only: they are attached with the note, on the Timeline."""

    model = Attachment
    fields = ("download", "size", "content_type", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("file"))
    def download(self, attachment):
        return format_html(
            '<a href="{}">{}</a>', reverse("activities:attachment", args=[attachment.pk]), attachment.name
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    # Whoever reads activities reads their files, as on the site (activities:attachment).
    def has_view_permission(self, request, obj=None):
        return permissions.can_view(request.user, Activity)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActivityAdminForm(forms.ModelForm):
    """The admin's activity form, which says each error about the whole activity once."""

    class Meta:
        model = Activity
        fields = ("kind", "owner", *REGARDING_FIELDS, *services.EDITABLE_FIELDS)

    def validate_constraints(self):
        super().validate_constraints()
        # Model.clean() and the "regards one record" check constraint refuse the same form in the same words.
        if errors := self.errors.get(NON_FIELD_ERRORS):
            said = [error.message for error in errors.data]
            errors.data = [error for index, error in enumerate(errors.data) if error.message not in said[:index]]


@admin.register(Activity)
class ActivityAdmin(ServiceAdmin):
    """Activities in the admin; save_model calls the create or update service (and the reassign one for a new
    owner), the deletes and the actions go through ServiceAdmin's service calls."""

    delete_service = staticmethod(services.activity_delete)
    service_record_name = "activity"

    form = ActivityAdminForm
    inlines = (AttachmentInline,)
    list_display = ("__str__", "kind", "regarding", "state", "priority", "due_at", "owner", "created_at")
    list_select_related = ("owner", *REGARDING_FIELDS)
    list_filter = ("kind", "state", "priority")
    search_fields = (
        "subject",
        "description",
        "account__name",
        "contact__first_name",
        "contact__last_name",
        "opportunity__topic",
        "invoice__invoice_number",
        "invoice__name",
    )
    raw_id_fields = ("owner", *REGARDING_FIELDS)
    fieldsets = (
        (None, {"fields": ("kind", "subject", "description", "owner", *STATE_FIELDS)}),
        (
            _("Regarding"),
            {
                "fields": REGARDING_FIELDS,
                "description": _("The one record the activity is about."),
            },
        ),
        (_("Schedule"), {"fields": ("due_at", "ends_at", "all_day", "location", "priority")}),
        (_("Phone call or email"), {"fields": ("direction", "phone_number", "duration_minutes", "outcome")}),
        (_("History"), {"fields": AUDIT_FIELDS}),
    )
    readonly_fields = (*STATE_FIELDS, *AUDIT_FIELDS)
    actions = ("mark_completed", "cancel", "reopen")

    @admin.display(description=_("regarding"))
    def regarding(self, activity):
        return activity.regarding

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_inlines(self, request, obj):
        # A new activity has no files yet; a note's files are attached on the Timeline.
        return self.inlines if obj is not None else ()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # A completed or canceled activity (not a note) changes only by reopening it: the service refuses edits.
        if obj.kind != ActivityKind.NOTE and obj.state != ActivityState.OPEN:
            return [field.name for field in Activity._meta.fields if field.name not in ("id", "version")]
        # What an activity is and what it regards are set when it is added.
        return (*self.readonly_fields, "kind", *REGARDING_FIELDS)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
        if change:
            activity = Activity.objects.get(pk=obj.pk)
            expect_version(activity, data.get("version"))
            changed = {name: value for name, value in values.items() if name in form.changed_data}
            call_service(services.activity_update, activity=activity, data=changed, actor=request.user)
            if "owner" in form.changed_data:
                call_service(services.activity_reassign, activity=activity, owner=data["owner"], actor=request.user)
        else:
            regarding = next(data[name] for name in REGARDING_FIELDS if data.get(name) is not None)
            saved = call_service(
                services.activity_create,
                kind=data["kind"],
                regarding=regarding,
                owner=data["owner"],
                actor=request.user,
                **values,
            )
            obj.pk = saved.pk
        # The admin logs and redirects with ``obj``: show it as the services saved it.
        obj.refresh_from_db()
        obj._state.adding = False

    def _report(self, request, done):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d activity was changed.", "%(count)d activities were changed.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Mark completed"), permissions=["change"])
    def mark_completed(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.activity_complete))

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.activity_cancel))

    @admin.action(description=_("Reopen"), permissions=["change"])
    def reopen(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.activity_reopen))
