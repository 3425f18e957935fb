# Placeholder routes so the account and contact pages can link here; the opportunity pages replace them.
from django.http import HttpResponse
from django.urls import path
from django_tables2 import table_factory

from crm.tables import RecordTable
from crm.views import RecordListView
from opportunities.filters import OpportunityFilter
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_get, opportunity_list

app_name = "opportunities"


def _detail(request, pk):
    return HttpResponse(str(opportunity_get(user=request.user, pk=pk)))


urlpatterns = [
    path(
        "",
        RecordListView.as_view(
            table_class=table_factory(Opportunity, RecordTable, fields=("topic", "account", "contact", "state")),
            filterset_class=OpportunityFilter,
            selector=opportunity_list,
            extra_context={"title": "Opportunities"},
        ),
        name="list",
    ),
    path("new/", lambda request: HttpResponse("New opportunity"), name="create"),
    path("<int:pk>/", _detail, name="detail"),
]
