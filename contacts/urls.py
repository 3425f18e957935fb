from django.urls import path

from contacts import panels, views
from crm.imports.export_views import ContactExportView

app_name = "contacts"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="list"),
    path("new/", views.ContactCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="detail"),
    path("<int:pk>/details/", views.ContactDetailView.as_view(tab="details"), name="details"),
    path("<int:pk>/related/", views.ContactDetailView.as_view(tab="related"), name="related"),
    path("<int:pk>/edit/", views.ContactUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ContactDeleteView.as_view(), name="delete"),
    path("<int:pk>/status/", views.ContactSetStatusView.as_view(), name="set_status"),
    path("<int:pk>/reassign/", views.ContactReassignView.as_view(), name="reassign"),
    path("<int:pk>/figures/", panels.figures, name="figures"),
    path("<int:pk>/timeline/", panels.timeline, name="timeline"),
    path("export/", ContactExportView.as_view(), name="export"),
]
