"""The sales dashboard: a salesperson's own figures, or a sales manager's team's with a filter by owner."""

from dataclasses import replace

from django.shortcuts import render

from crm import permissions
from crm.activities.models import Activity
from crm.activities.selectors import my_activities, my_activity_counts
from crm.dashboard.forms import OwnerFilterForm
from crm.dashboard.selectors import dashboard, sees_team
from crm.exchange_rates import can_change_rates
from crm.figures import add_links
from opportunities.models import Opportunity


def index(request):
    permissions.require(permissions.can_view(request.user, Opportunity))
    team = sees_team(request.user)
    form = OwnerFilterForm(request.GET or None) if team else None
    owner = form.cleaned_data["owner"] if form is not None and form.is_valid() else None
    board = dashboard(user=request.user, owner=owner)
    scope = {"owner": board.owner.pk} if board.owner is not None else {}
    add_links(board.totals, scope=scope)
    # The figures in base count every currency: their lists are not filtered by one (an empty currency is any).
    board.base_totals.links = add_links([replace(board.base_totals, currency="")], scope=scope)[0].links
    context = {"board": board, "form": form, "team": team, "can_edit_rates": can_change_rates(request.user)}
    if permissions.can_view(request.user, Activity):
        # The user's own work, whoever's figures the board shows: overdue and due today, and what comes next.
        context["activity_counts"] = my_activity_counts(user=request.user)
        context["next_activities"] = list(my_activities(user=request.user)[:5])
    return render(request, "dashboard/dashboard.html", context)
