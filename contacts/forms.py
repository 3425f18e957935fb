from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.pickers import PickerFormMixin, RecordChoiceField
from crm.record_forms import RecordVersionFormMixin


class ContactForm(RecordVersionFormMixin, PickerFormMixin, forms.ModelForm):
    """Create or edit a contact. Moving it from one account to another is refused by the service."""

    sections = (
        (
            _("Contact information"),
            (
                "first_name",
                "last_name",
                "job_title",
                "account",
                "email",
                "business_phone",
                "mobile_phone",
                "preferred_contact_method",
            ),
        ),
        (_("Address"), ("street", "city", "county", "postal_code", "country")),
        (_("Details"), ("description",)),
    )

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
        field_classes = {"account": RecordChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
