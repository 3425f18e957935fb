"""The user admin: a user who made changes or owns records is deactivated, never deleted."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin_mixins import ServiceRefusalAdminMixin, call_service
from crm.exchange_rates import base_amounts_recalculate, exchange_rate_set
from crm.models import ExchangeRate
from crm.signin.services import sign_in_unlock, two_factor_reset
from crm.users import user_delete, user_delete_check

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class CrmUserAdmin(ServiceRefusalAdminMixin, UserAdmin):
    """Django's user admin, whose deletes go through crm.users and show its refusal as a message.

    The check runs before the delete confirmation page (which would otherwise
    list every history row of the user as a protected object).
    """

    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description=_("Unlock sign-in of the selected users"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        users = list(queryset)
        for user in users:
            sign_in_unlock(user=user, actor=request.user)
        message = ngettext(
            "Sign-in unlocked for %(count)d user.", "Sign-in unlocked for %(count)d users.", len(users)
        ) % {"count": len(users)}
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Turn off two-factor sign-in of the selected users"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            two_factor_reset(user=user, actor=request.user)
        message = ngettext(
            "Two-factor sign-in turned off for %(count)d user.",
            "Two-factor sign-in turned off for %(count)d users.",
            len(users),
        ) % {"count": len(users)}
        self.message_user(request, message, messages.SUCCESS)

    def get_deleted_objects(self, objs, request):
        for user in objs:
            call_service(user_delete_check, user=user)
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        call_service(user_delete, user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ServiceRefusalAdminMixin, admin.ModelAdmin):
    """The currencies' rates to the base currency (Dynamics' Currencies), kept by the System Administrators.

    Saving a rate does not touch the amounts already stored in base; the
    "Recalculate base amounts" action brings the open opportunities and the
    unpaid invoices of the selected currencies to their new rate
    (crm.exchange_rates.base_amounts_recalculate says which records and why).
    """

    list_display = ("currency", "rate", "modified_at", "modified_by")
    list_select_related = ("modified_by",)
    fields = ("currency", "rate", "modified_at", "modified_by")
    readonly_fields = ("modified_at", "modified_by")
    actions = ["recalculate_base_amounts"]

    def get_readonly_fields(self, request, obj=None):
        # A rate belongs to its currency: another currency is another rate.
        return (*self.readonly_fields, "currency") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = call_service(
            exchange_rate_set, currency=obj.currency, rate=form.cleaned_data["rate"], actor=request.user
        )
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    @admin.action(description=_("Recalculate base amounts"), permissions=["change"])
    def recalculate_base_amounts(self, request, queryset):
        currencies = [*queryset.values_list("currency", flat=True), settings.CRM_BASE_CURRENCY]
        changed = call_service(base_amounts_recalculate, actor=request.user, currencies=currencies)
        parts = [
            _("%(models)s: %(count)d") % {"count": count, "models": model._meta.verbose_name_plural}
            for model, count in changed.items()
        ]
        self.message_user(
            request,
            _("Base amounts recalculated at the current rates: %(changes)s.") % {"changes": ", ".join(parts)},
            messages.SUCCESS,
        )
