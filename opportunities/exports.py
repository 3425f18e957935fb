"""The opportunities list's export: its search and filters, every field a sales team reports on."""

from django.utils.translation import gettext_lazy as _

from crm.exports.sources import (
    ColumnsResource,
    ExportColumn,
    ExportSource,
    choice_label,
    field,
    owner_username,
    register,
    related_name,
)
from opportunities.filters import OpportunityFilter
from opportunities.selectors import opportunity_list


class OpportunityResource(ColumnsResource):
    columns = (
        ExportColumn(_("Topic"), field("topic")),
        ExportColumn(_("Account"), related_name("account")),
        ExportColumn(_("Contact"), related_name("contact")),
        ExportColumn(_("Estimated revenue"), field("estimated_revenue")),
        ExportColumn(_("Currency"), field("currency")),
        ExportColumn(_("Estimated close date"), field("estimated_close_date")),
        ExportColumn(_("Probability"), field("probability")),
        ExportColumn(_("Sales stage"), choice_label("sales_stage")),
        ExportColumn(_("Status"), choice_label("state")),
        ExportColumn(_("Status reason"), choice_label("status_reason")),
        ExportColumn(_("Actual revenue"), field("actual_revenue")),
        ExportColumn(_("Actual close date"), field("actual_close_date")),
        ExportColumn(_("Owner"), owner_username),
    )


register(ExportSource("opportunities", opportunity_list, OpportunityFilter, OpportunityResource))
