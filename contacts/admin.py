from django import forms
from django.contrib import admin

from contacts.imports import ContactResource
from contacts.models import Contact
from crm.duplicates.admin import DuplicateCheckAdminMixin
from crm.imports.admin import CrmImportExportAdmin


class ContactAdminForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = (
            "first_name", "last_name", "job_title", "account", "email", "business_phone", "mobile_phone",
            "preferred_contact_method", "street", "city", "county", "postal_code", "country", "description", "owner",
            "status",
        )

    def clean_account(self):
        from contacts.services import already_on_account_error

        account = self.cleaned_data.get("account")
        stored = self.instance.pk and Contact.objects.select_related("account").filter(pk=self.instance.pk).first()
        if stored and stored.account_id and account is not None and account.pk != stored.account_id:
            raise already_on_account_error(stored, stored.account)
        return account


@admin.register(Contact)
class ContactAdmin(DuplicateCheckAdminMixin, CrmImportExportAdmin):
    """Contacts in the admin, with Import and Export; saving goes through the contact services, after the
    "Duplicate records found" check."""

    form = ContactAdminForm
    resource_classes = [ContactResource]
    list_display = ("last_name", "first_name", "account", "email", "owner", "status")
    list_filter = ("status",)
    search_fields = ("first_name", "last_name", "email", "account__name")
    list_select_related = ("account", "owner")
    raw_id_fields = ("owner", "account")
    readonly_fields = ("created_at", "created_by", "modified_at", "modified_by")

    def save_model(self, request, obj, form, change):
        from contacts.services import contact_create, contact_update

        self.save_through_services(request, obj, form, change, contact_create, contact_update, "contact")
