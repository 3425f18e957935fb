"""What an opportunity's Timeline rolls up: its contact's activities, beside its own."""

from django.db.models import Q

from crm.activities.registry import rollup


@rollup("opportunities.Opportunity")
def opportunity_rollup(opportunity):
    return {"contact": Q(contact_id=opportunity.contact_id)} if opportunity.contact_id else {}
