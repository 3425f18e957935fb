"""The user admin: a user who made changes or owns records is deactivated, never deleted."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin_mixins import ServiceRefusalAdminMixin, call_service
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
