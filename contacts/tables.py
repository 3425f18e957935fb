import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.tables import OwnerColumn, RecordTable


class ContactTable(RecordTable):
    full_name = tables.Column(
        verbose_name=_("Name"),
        accessor="full_name",
        linkify=True,
        order_by=("last_name", "first_name"),
    )
    job_title = tables.Column(verbose_name=_("Job Title"))
    account = tables.Column(verbose_name=_("Account"), linkify=True, order_by=("account__name",))
    email = tables.Column(verbose_name=_("Email"))
    business_phone = tables.Column(verbose_name=_("Business Phone"))
    owner = OwnerColumn(verbose_name=_("Owner"), order_by=("owner__first_name", "owner__last_name"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta(RecordTable.Meta):
        model = Contact
        fields = ("full_name", "job_title", "account", "email", "business_phone", "owner", "status")
