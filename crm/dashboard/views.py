"""The sales dashboard: a salesperson's own figures, or a sales manager's team's with a filter by owner."""

from django.shortcuts import render

from crm import permissions
from crm.dashboard.forms import OwnerFilterForm
from crm.dashboard.selectors import dashboard, sees_team
from crm.figures import add_links
from opportunities.models import Opportunity


def index(request):
    permissions.require(permissions.can_view(request.user, Opportunity))
    team = sees_team(request.user)
    form = OwnerFilterForm(request.GET or None) if team else None
    owner = form.cleaned_data["owner"] if form is not None and form.is_valid() else None
    board = dashboard(user=request.user, owner=owner)
    add_links(board.totals, scope={"owner": board.owner.pk} if board.owner is not None else {})
    return render(request, "dashboard/dashboard.html", {"board": board, "form": form, "team": team})
