"""The opportunities list as crm.lists drives it: its views (OpportunityFilter.system_views) and its bulk actions.

An opportunity has no Activate/Deactivate: it is closed as won or lost, one at a time, with its revenue or reason.
"""

from django.utils.translation import ngettext_lazy

from crm.lists import RecordList, register
from opportunities import services
from opportunities.filters import OpportunityFilter
from opportunities.selectors import opportunity_list
from opportunities.tables import OpportunityTable

OPPORTUNITIES = register(
    RecordList(
        key="opportunities",
        selector=opportunity_list,
        filterset_class=OpportunityFilter,
        table_class=OpportunityTable,
        count_text=ngettext_lazy("%(number)s opportunity", "%(number)s opportunities", "count"),
        reassign=lambda opportunity, **kwargs: services.opportunity_reassign(opportunity=opportunity, **kwargs),
        delete=lambda opportunity, **kwargs: services.opportunity_delete(opportunity=opportunity, **kwargs),
        fixed_columns=("topic",),
    )
)
