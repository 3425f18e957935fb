import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from crm.tables import OwnerColumn, RecordTable


class AccountTable(RecordTable):
    name = tables.Column(verbose_name=_("Account Name"), linkify=True)
    account_number = tables.Column(verbose_name=_("Account Number"))
    main_phone = tables.Column(verbose_name=_("Main Phone"))
    city = tables.Column(verbose_name=_("City"))
    primary_contact = tables.Column(
        verbose_name=_("Primary contact"),
        linkify=True,
        order_by=("primary_contact__last_name", "primary_contact__first_name"),
    )
    owner = OwnerColumn(verbose_name=_("Owner"), order_by=("owner__first_name", "owner__last_name"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta(RecordTable.Meta):
        model = Account
        fields = ("name", "account_number", "main_phone", "city", "primary_contact", "owner", "status")
