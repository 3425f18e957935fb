"""The contacts list as crm.lists drives it: its views (ContactFilter.system_views) and its bulk actions."""

from django.utils.translation import ngettext_lazy

from contacts import services
from contacts.filters import ContactFilter
from contacts.selectors import contact_list
from contacts.tables import ContactTable
from crm.lists import RecordList, register

CONTACTS = register(
    RecordList(
        key="contacts",
        selector=contact_list,
        filterset_class=ContactFilter,
        table_class=ContactTable,
        count_text=ngettext_lazy("%(number)s contact", "%(number)s contacts", "count"),
        reassign=lambda contact, **kwargs: services.contact_reassign(contact=contact, **kwargs),
        set_status=lambda contact, **kwargs: services.contact_set_status(contact=contact, **kwargs),
        delete=lambda contact, **kwargs: services.contact_delete(contact=contact, **kwargs),
        fixed_columns=("full_name",),
    )
)
