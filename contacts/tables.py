import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.tables import OwnerColumn, RecordTable, sorted_by


class ContactTable(RecordTable):
    full_name = tables.Column(
        verbose_name=_("Name"),
        accessor="full_name",
        linkify=True,
        order_by=sorted_by("last_name", "first_name"),
    )
    job_title = tables.Column(verbose_name=_("Job Title"), order_by=sorted_by("job_title"))
    # Sorting by the account's name would order by a joined table (see OwnerColumn); an
    # account's contacts are listed on its page, and ?account= narrows this list to them.
    account = tables.Column(verbose_name=_("Account"), linkify=True, orderable=False)
    email = tables.Column(verbose_name=_("Email"), order_by=sorted_by("email"))
    business_phone = tables.Column(verbose_name=_("Business Phone"), order_by=sorted_by("business_phone"))
    owner = OwnerColumn(verbose_name=_("Owner"))
    # The Status filter shows one status; a sort would only group the two.
    status = tables.Column(verbose_name=_("Status"), orderable=False)

    class Meta(RecordTable.Meta):
        model = Contact
        fields = ("full_name", "job_title", "account", "email", "business_phone", "owner", "status")
