import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from crm.tables import OwnerColumn, RecordTable, sorted_by


class AccountTable(RecordTable):
    name = tables.Column(verbose_name=_("Account Name"), linkify=True, order_by=sorted_by("name"))
    account_number = tables.Column(verbose_name=_("Account Number"), order_by=sorted_by("account_number"))
    main_phone = tables.Column(verbose_name=_("Main Phone"), order_by=sorted_by("main_phone"))
    city = tables.Column(verbose_name=_("City"), order_by=sorted_by("city"))
    # Sorting by the contact's name would order by a joined table (see OwnerColumn).
    primary_contact = tables.Column(verbose_name=_("Primary contact"), linkify=True, orderable=False)
    owner = OwnerColumn(verbose_name=_("Owner"))
    # The Status filter shows one status; a sort would only group the two.
    status = tables.Column(verbose_name=_("Status"), orderable=False)

    class Meta(RecordTable.Meta):
        model = Account
        fields = ("name", "account_number", "main_phone", "city", "primary_contact", "owner", "status")
