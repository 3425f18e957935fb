"""Duplicate detection in the admin: the rules' on/off switches, the merges, the pairs that are not
duplicates and the detection jobs; and the "Duplicate records found" check of the record admins.

The rules come from code (each app's duplicates.py; registry.sync_rules gives each its row after migrate):
here they are only turned on and off. Merges, jobs and "Not a duplicate" are made on the CRM's pages; the
admin lists them, and may take back a "Not a duplicate".
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.duplicates.forms import SAVE_ANYWAY, DuplicateCheckAdminFormMixin
from crm.duplicates.models import DuplicateRule, DuplicateScan, NotDuplicate, RecordMerge


def _without(fields, name):
    """A fieldset's ``fields`` without ``name`` (also inside the lines of several fields)."""
    kept = []
    for line in fields:
        if isinstance(line, list | tuple):
            line = tuple(field for field in line if field != name)
            if line:
                kept.append(line)
        elif line != name:
            kept.append(line)
    return kept


class DuplicateCheckAdminMixin:
    """Put before a record's ModelAdmin: its add and change form refuses to save a record the active
    duplicate rules find like stored ones (those the signed-in user may see) until "Save anyway" is ticked
    (crm.duplicates.forms.DuplicateCheckAdminFormMixin)."""

    def get_fieldsets(self, request, obj=None):
        # The box is the first line of the first fieldset, right under the error that lists the records;
        # declared fieldsets get it too, or the form would have a field the page does not show.
        fieldsets = [
            (name, {**options, "fields": _without(options.get("fields", ()), SAVE_ANYWAY)})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if not fieldsets:
            return [(None, {"fields": [SAVE_ANYWAY]})]
        name, options = fieldsets[0]
        fieldsets[0] = (name, {**options, "fields": [SAVE_ANYWAY, *options["fields"]]})
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            # Not a field of the model: the form class below declares it.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != SAVE_ANYWAY]
        form = super().get_form(request, obj, change=change, **kwargs)
        bases = (form,) if issubclass(form, DuplicateCheckAdminFormMixin) else (DuplicateCheckAdminFormMixin, form)
        attrs = {"duplicate_check_user": request.user, "duplicate_check_admin_site": self.admin_site.name}
        return type(form.__name__, bases, attrs)


@admin.register(DuplicateRule)
class DuplicateRuleAdmin(admin.ModelAdmin):
    """The duplicate rules, turned on and off (in the list, or with the actions); never added or deleted."""

    list_display = ("name", "model", "key", "active")
    list_display_links = ("name",)
    list_editable = ("active",)
    list_filter = ("active", "model")
    search_fields = ("name", "key")
    fields = ("name", "model", "key", "active")
    readonly_fields = ("name", "model", "key")
    actions = ("turn_on", "turn_off")

    def has_add_permission(self, request):
        return False  # the rules come from code; registry.sync_rules creates their rows after migrate

    def has_delete_permission(self, request, obj=None):
        return False

    def _turn(self, request, queryset, active):
        done = queryset.exclude(active=active).update(active=active)
        message = (
            ngettext("%(count)d rule was turned on.", "%(count)d rules were turned on.", done)
            if active
            else ngettext("%(count)d rule was turned off.", "%(count)d rules were turned off.", done)
        )
        self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Turn on"), permissions=["change"])
    def turn_on(self, request, queryset):
        self._turn(request, queryset, True)

    @admin.action(description=_("Turn off"), permissions=["change"])
    def turn_off(self, request, queryset):
        self._turn(request, queryset, False)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Seen, never added or changed here (made on the CRM's pages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ViewOnlyAdmin):
    """Seen, never added, changed or deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecordMerge)
class RecordMergeAdmin(ReadOnlyAdmin):
    """The merges, as they were made on the merge page (and undone there)."""

    list_display = ("model", "master_id", "subordinate_id", "merged_by", "merged_at", "undone_at")
    list_filter = ("model", ("undone_at", admin.EmptyFieldListFilter))
    list_select_related = ("merged_by",)
    search_fields = ("=master_id", "=subordinate_id")
    date_hierarchy = "merged_at"
    fields = (
        "model",
        "master_id",
        "subordinate_id",
        "merged_by",
        "merged_at",
        "undone_at",
        "undone_by",
        "master_before",
        "master_after",
        "subordinate_before",
        "moved",
    )


@admin.register(NotDuplicate)
class NotDuplicateAdmin(ViewOnlyAdmin):
    """The pairs users said are not duplicates; deleting one offers the pair again."""

    list_display = ("model", "first_id", "second_id", "decided_by", "decided_at")
    list_filter = ("model",)
    list_select_related = ("decided_by",)
    search_fields = ("=first_id", "=second_id")
    fields = ("model", "first_id", "second_id", "decided_by", "decided_at")


@admin.register(DuplicateScan)
class DuplicateScanAdmin(ReadOnlyAdmin):
    """The duplicate detection jobs, as the Duplicates page started them and the task worker ran them."""

    list_display = (
        "model",
        "state",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "records_scanned",
        "groups_found",
    )
    list_filter = ("state", "model")
    list_select_related = ("requested_by",)
    fields = (
        "model",
        "state",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "records_scanned",
        "groups_found",
        "rules",
        "error",
    )
