"""Opportunities in the global search: by topic."""

from django.db.models.functions import Lower
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

from crm.search import SearchKind, register
from opportunities.selectors import opportunity_list


def detail(opportunity) -> str:
    customer = opportunity.customer
    amount = (
        f"{floatformat(opportunity.estimated_revenue, '2g')} {opportunity.currency}"
        if opportunity.estimated_revenue is not None
        else ""
    )
    return " · ".join(part for part in (str(customer) if customer else "", amount) if part)


register(
    SearchKind(
        name="opportunities",
        label=_("Opportunities"),
        selector=opportunity_list,
        fields=("topic",),
        order_by=(Lower("topic"), "pk"),
        detail=detail,
    )
)
