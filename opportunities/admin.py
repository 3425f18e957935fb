from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin_mixins import ServiceAdmin
from opportunities import services
from opportunities.models import Opportunity, OpportunityStatusReason

AUDIT_FIELDS = ("created_at", "created_by", "modified_at", "modified_by")


@admin.register(Opportunity)
class OpportunityAdmin(ServiceAdmin):
    create_service = staticmethod(services.opportunity_create)
    update_service = staticmethod(services.opportunity_update)
    delete_service = staticmethod(services.opportunity_delete)
    service_record_name = "opportunity"

    list_display = (
        "topic", "account", "contact", "estimated_revenue", "currency", "sales_stage", "probability", "state",
        "status_reason", "estimated_close_date", "owner", "modified_at",
    )
    list_select_related = ("account", "contact", "owner")
    list_filter = ("state", "status_reason", "sales_stage", "currency", "owner")
    search_fields = ("topic", "account__name", "contact__first_name", "contact__last_name", "contact__email")
    date_hierarchy = "estimated_close_date"
    raw_id_fields = ("account", "contact")
    fieldsets = (
        (None, {"fields": ("topic", "account", "contact", "owner", "description")}),
        (_("Sales"), {"fields": (
            "estimated_revenue", "currency", "estimated_close_date", "probability", "sales_stage", "status_reason",
        )}),
        (_("Closing"), {"fields": ("state", "actual_revenue", "actual_close_date")}),
        (_("History"), {"fields": AUDIT_FIELDS}),
    )
    readonly_fields = ("state", "actual_revenue", "actual_close_date", *AUDIT_FIELDS)
    actions = ("close_as_won", "close_as_canceled", "close_as_out_sold", "reopen")

    def get_readonly_fields(self, request, obj=None):
        # A closed opportunity changes only by reopening it (the service refuses edits), so show it read-only.
        if obj is not None and not obj.is_open:
            return [field.name for field in Opportunity._meta.fields if field.name != "id"]
        return self.readonly_fields

    def _report(self, request, done):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d opportunity was changed.", "%(count)d opportunities were changed.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Close as won at the estimated revenue"), permissions=["change"])
    def close_as_won(self, request, queryset):
        done = self.run_service_action(
            request, queryset, services.opportunity_close_as_won,
            actual_revenue=lambda opportunity: opportunity.estimated_revenue,
        )
        self._report(request, done)

    @admin.action(description=_("Close as lost: canceled"), permissions=["change"])
    def close_as_canceled(self, request, queryset):
        done = self.run_service_action(
            request, queryset, services.opportunity_close_as_lost, status_reason=OpportunityStatusReason.CANCELED
        )
        self._report(request, done)

    @admin.action(description=_("Close as lost: out-sold"), permissions=["change"])
    def close_as_out_sold(self, request, queryset):
        done = self.run_service_action(
            request, queryset, services.opportunity_close_as_lost, status_reason=OpportunityStatusReason.OUT_SOLD
        )
        self._report(request, done)

    @admin.action(description=_("Reopen"), permissions=["change"])
    def reopen(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.opportunity_reopen))
