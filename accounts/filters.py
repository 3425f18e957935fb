import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Industry, RelationshipType
from crm.filters import RecordFilter
from crm.lists import SystemView
from crm.models import RecordStatus


class AccountFilter(RecordFilter):
    search_fields = ("name", "account_number", "email", "main_phone", "city")

    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"), empty_label=_("All"))
    relationship_type = django_filters.ChoiceFilter(
        choices=RelationshipType.choices, label=_("Relationship type"), empty_label=_("All")
    )
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"), empty_label=_("All"))

    # The list's system views (crm.lists), as Dynamics names them; All Accounts is today's default.
    system_views = (
        SystemView("all", _("All Accounts")),
        SystemView("my_active", _("My Active Accounts"), {"scope": "mine", "status": RecordStatus.ACTIVE}),
        SystemView("active", _("Active Accounts"), {"status": RecordStatus.ACTIVE}),
        SystemView("inactive", _("Inactive Accounts"), {"status": RecordStatus.INACTIVE}),
    )
    default_view = "all"

    class Meta:
        model = Account
        fields = ["q", "scope", "status", "relationship_type", "industry"]
