import django_filters
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.filters import RecordFilter, RecordNumberFilter, YesNoFilter
from crm.lists import SystemView
from crm.models import RecordStatus


class ContactFilter(RecordFilter):
    search_fields = ("first_name", "last_name", "email", "business_phone", "mobile_phone", "account__name")

    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"), empty_label=_("All"))
    has_account = YesNoFilter(
        field_name="account", lookup_expr="isnull", exclude=True, label=_("Has an account")
    )
    account = RecordNumberFilter(field_name="account_id")

    system_views = (
        SystemView("all", _("All Contacts")),
        SystemView("my_active", _("My Active Contacts"), {"scope": "mine", "status": RecordStatus.ACTIVE}),
        SystemView("active", _("Active Contacts"), {"status": RecordStatus.ACTIVE}),
        SystemView("inactive", _("Inactive Contacts"), {"status": RecordStatus.INACTIVE}),
    )
    default_view = "all"

    class Meta:
        model = Contact
        fields = ["q", "scope", "status", "has_account", "account"]
