"""Reads of opportunities, scoped to the user, with their joins chosen."""

from crm.selectors import record_get, scoped
from opportunities.models import Opportunity


def opportunity_list(*, user):
    """Opportunities the user may read, with their customer and owner joined."""
    return scoped(Opportunity.objects.select_related("account", "contact", "owner"), user=user)


def opportunity_get(*, user, pk) -> Opportunity:
    """One opportunity the user may read, or 404."""
    return record_get(
        Opportunity.objects.select_related("account", "contact", "owner", "created_by", "modified_by"),
        user=user,
        pk=pk,
    )
