from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin_mixins import ServiceAdmin
from invoices import services
from invoices.models import Invoice, InvoiceLine, InvoiceState

AUDIT_FIELDS = ("created_at", "created_by", "modified_at", "modified_by")
TOTAL_FIELDS = ("subtotal", "discount_total", "tax_total", "total_amount")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = (*services.LINE_FIELDS, "base_amount", "tax_amount", "line_total")
    readonly_fields = ("base_amount", "tax_amount", "line_total")
    extra = 1

    def _editable(self, obj):
        return obj is None or obj.state == InvoiceState.ACTIVE

    # Lines of a paid or canceled invoice are shown, not edited (the service refuses changes).
    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(Invoice)
class InvoiceAdmin(ServiceAdmin):
    create_service = staticmethod(services.invoice_create)
    update_service = staticmethod(services.invoice_update)
    delete_service = staticmethod(services.invoice_delete)
    service_record_name = "invoice"

    inlines = (InvoiceLineInline,)
    list_display = (
        "invoice_number", "name", "account", "contact", "invoice_date", "due_date", "state", "status_reason",
        "overdue", "total_amount", "currency", "owner",
    )
    list_select_related = ("account", "contact", "owner")
    list_filter = ("state", "status_reason", "currency", "owner", "invoice_date")
    search_fields = ("invoice_number", "name", "account__name", "contact__first_name", "contact__last_name")
    date_hierarchy = "invoice_date"
    raw_id_fields = ("account", "contact", "opportunity")
    fieldsets = (
        (None, {"fields": ("invoice_number", "name", "account", "contact", "opportunity", "owner", "description")}),
        (_("Dates and status"), {"fields": ("invoice_date", "due_date", "status_reason", "state", "paid_date")}),
        (_("Totals"), {"fields": ("currency", *TOTAL_FIELDS)}),
        (_("History"), {"fields": AUDIT_FIELDS}),
    )
    readonly_fields = ("state", "paid_date", *TOTAL_FIELDS, *AUDIT_FIELDS)
    actions = ("mark_paid", "cancel")

    @admin.display(boolean=True, description=_("Overdue"))
    def overdue(self, invoice):
        return invoice.is_overdue

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != InvoiceState.ACTIVE:
            return [field.name for field in Invoice._meta.fields if field.name != "id"]
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "invoice_number" in form.base_fields:
            # The service numbers a new invoice when none is given.
            form.base_fields["invoice_number"].required = False
            form.base_fields["invoice_number"].help_text = _("Leave empty to number it automatically.")
        return form

    def save_model(self, request, obj, form, change):
        # The invoice and its lines are written together by one service call, in save_related.
        pass

    def save_related(self, request, form, formsets, change):
        lines = None
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if isinstance(formset.instance, Invoice) and (formset.has_changed() or not change):
                lines = [
                    {name: line_form.cleaned_data[name] for name in services.LINE_FIELDS}
                    for line_form in formset.forms
                    if line_form.cleaned_data
                    and not (formset.can_delete and formset._should_delete_form(line_form))
                ]
        self.save_record(request, form.instance, form, change, lines=lines)

    def save_record(self, request, obj, form, change, lines=None):
        if lines is None and not change:
            lines = []
        extra = {} if lines is None else {"lines": lines}
        super().save_record(request, obj, form, change, **extra)

    def _report(self, request, done):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d invoice was changed.", "%(count)d invoices were changed.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Mark paid"), permissions=["change"])
    def mark_paid(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.invoice_mark_paid))

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._report(request, self.run_service_action(request, queryset, services.invoice_cancel))

