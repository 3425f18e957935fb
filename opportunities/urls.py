from django.urls import path

from crm.imports.export_views import RecordExportView
from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="list"),
    path("export/", RecordExportView.as_view(name="opportunities"), name="export"),
    path("new/", views.opportunity_create, name="create"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/details/", views.OpportunityTabView.as_view(tab="details"), name="details"),
    path("<int:pk>/related/", views.OpportunityTabView.as_view(tab="related"), name="related"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/delete/", views.OpportunityDeleteView.as_view(), name="delete"),
    path("<int:pk>/close-as-won/", views.opportunity_close_won, name="close_won"),
    path("<int:pk>/close-as-lost/", views.opportunity_close_lost, name="close_lost"),
    path("<int:pk>/reopen/", views.opportunity_reopen, name="reopen"),
    path("<int:pk>/reassign/", views.OpportunityReassignView.as_view(), name="reassign"),
]
