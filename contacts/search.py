"""Contacts in the global search: by first or last name, email, business or mobile phone."""

from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from contacts.selectors import contact_list
from crm.search import SearchKind, register


def detail(contact) -> str:
    account = contact.account.name if contact.account_id else ""
    return " · ".join(part for part in (account, contact.email) if part)


register(
    SearchKind(
        name="contacts",
        label=_("Contacts"),
        selector=contact_list,
        fields=("last_name", "first_name", "email", "business_phone", "mobile_phone"),
        order_by=(Lower("last_name"), Lower("first_name"), "pk"),
        detail=detail,
    )
)
