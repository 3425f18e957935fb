"""The user admin: a user who made changes or owns records is deactivated, never deleted."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from crm.admin_mixins import ServiceRefused, call_service
from crm.users import user_delete, user_delete_check

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class CrmUserAdmin(UserAdmin):
    """Django's user admin, whose deletes go through crm.users and show its refusal as a message.

    The check runs before the delete confirmation page (which would otherwise
    list every history row of the user as a protected object).
    """

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

    def _refused(self, request, refused, redirect_to):
        self.message_user(request, refused.message, messages.ERROR)
        return HttpResponseRedirect(redirect_to)

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
