from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from contacts.models import Contact


class ContactForm(forms.ModelForm):
    """Create or edit a contact. Moving it from one account to another is refused by the service."""

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "job_title",
            "account",
            "email",
            "business_phone",
            "mobile_phone",
            "preferred_contact_method",
            "street",
            "city",
            "county",
            "postal_code",
            "country",
            "description",
        ]
        labels = {
            "first_name": _("First Name"),
            "last_name": _("Last Name"),
            "job_title": _("Job Title"),
            "account": _("Account"),
            "email": _("Email"),
            "business_phone": _("Business Phone"),
            "mobile_phone": _("Mobile Phone"),
            "preferred_contact_method": _("Preferred method of contact"),
            "street": _("Street"),
            "city": _("City"),
            "county": _("County"),
            "postal_code": _("Postal code"),
            "country": _("Country"),
            "description": _("Description"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.only("pk", "name").order_by("name", "pk")
