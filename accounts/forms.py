from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, account_number_key
from contacts.models import Contact
from crm.pickers import PickerFormMixin, RecordChoiceField
from crm.record_forms import RecordVersionFormMixin


class AccountForm(RecordVersionFormMixin, PickerFormMixin, forms.ModelForm):
    """Create or edit an account. The primary contact is chosen only among this account's contacts."""

    sections = (
        (
            _("Account information"),
            (
                "name",
                "account_number",
                "relationship_type",
                "industry",
                "parent_account",
                "primary_contact",
                "main_phone",
                "email",
                "website",
            ),
        ),
        (_("Address"), ("street", "city", "county", "postal_code", "country")),
        (_("Details"), ("annual_revenue", "currency", "number_of_employees", "description")),
    )

    class Meta:
        model = Account
        fields = [
            "name",
            "account_number",
            "relationship_type",
            "industry",
            "parent_account",
            "primary_contact",
            "main_phone",
            "email",
            "website",
            "street",
            "city",
            "county",
            "postal_code",
            "country",
            "annual_revenue",
            "currency",
            "number_of_employees",
            "description",
        ]
        labels = {
            "name": _("Account Name"),
            "account_number": _("Account Number"),
            "relationship_type": _("Relationship type"),
            "industry": _("Industry"),
            "parent_account": _("Parent account"),
            "primary_contact": _("Primary contact"),
            "main_phone": _("Main Phone"),
            "email": _("Email"),
            "website": _("Website"),
            "street": _("Street"),
            "city": _("City"),
            "county": _("County"),
            "postal_code": _("Postal code"),
            "country": _("Country"),
            "annual_revenue": _("Annual Revenue"),
            "currency": _("Currency"),
            "number_of_employees": _("Number of Employees"),
            "description": _("Description"),
        }
        field_classes = {"parent_account": RecordChoiceField, "primary_contact": RecordChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new account has no contacts yet, so it cannot have a primary contact.
            del self.fields["primary_contact"]
        else:
            self.fields["parent_account"].restrict(exclude=self.instance.pk)
            self.fields["primary_contact"].restrict(account=self.instance.pk)

    def clean_account_number(self):
        # The database constraint ignores case; say so beside the field rather than above the form.
        number = self.cleaned_data["account_number"].strip()
        taken = Account.objects.with_number_keys([account_number_key(number)]).exclude(pk=self.instance.pk)
        if number and taken.exists():
            raise ValidationError(_("An account with this account number already exists."), code="account_number_taken")
        return number


class AddExistingContactForm(PickerFormMixin, forms.Form):
    """Pick a contact to put on the account, among the contacts the user may read."""

    contact = RecordChoiceField(queryset=Contact.objects.select_related("account"), label=_("Contact"))
