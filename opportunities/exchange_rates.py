"""Opportunities store their estimated revenue in the base currency too: how to bring it to new rates."""

from crm.exchange_rates import register_recalculation
from opportunities.models import Opportunity
from opportunities.services import opportunity_base_amounts_recalculate

register_recalculation(Opportunity, opportunity_base_amounts_recalculate)
