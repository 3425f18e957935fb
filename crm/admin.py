"""The user admin: a user who made changes or owns records is deactivated, never deleted."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from crm.admin_mixins import ServiceRefusalAdminMixin, call_service
from crm.users import user_delete, user_delete_check

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class CrmUserAdmin(ServiceRefusalAdminMixin, UserAdmin):
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
