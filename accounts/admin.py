from django.contrib import admin

from accounts.imports import AccountResource
from accounts.models import Account
from crm.duplicates.admin import DuplicateCheckAdminMixin
from crm.imports.admin import CrmImportExportAdmin


@admin.register(Account)
class AccountAdmin(DuplicateCheckAdminMixin, CrmImportExportAdmin):
    """Accounts in the admin, with Import and Export; saving goes through the account services, after the
    "Duplicate records found" check."""

    resource_classes = [AccountResource]
    list_display = ("name", "account_number", "relationship_type", "city", "owner", "status")
    list_filter = ("status", "relationship_type", "industry")
    search_fields = ("name", "account_number", "email", "main_phone", "city")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "parent_account", "primary_contact")
    readonly_fields = ("created_at", "created_by", "modified_at", "modified_by")

    def save_model(self, request, obj, form, change):
        from accounts.services import account_create, account_update

        self.save_through_services(request, obj, form, change, account_create, account_update, "account")
