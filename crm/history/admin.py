from django.contrib import admin

from crm.history.models import ChangeEvent


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    """The change history, to read only: no role may add, change or delete it here."""

    list_display = ("occurred_at", "kind", "record_type", "record_label", "actor_name", "via", "import_job_id")
    list_filter = ("kind", "record_type", "via")
    search_fields = ("record_label", "actor_name")
    date_hierarchy = "occurred_at"
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
