from django.urls import path

from accounts import panels, views
from crm.imports.export_views import AccountExportView

app_name = "accounts"

urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("new/", views.AccountCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/details/", views.AccountDetailView.as_view(tab="details"), name="details"),
    path("<int:pk>/related/", views.AccountDetailView.as_view(tab="related"), name="related"),
    path("<int:pk>/edit/", views.AccountUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.AccountDeleteView.as_view(), name="delete"),
    path("<int:pk>/status/", views.AccountSetStatusView.as_view(), name="set_status"),
    path("<int:pk>/reassign/", views.AccountReassignView.as_view(), name="reassign"),
    path("<int:pk>/contacts/add/", views.AccountContactAddView.as_view(), name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.AccountContactRemoveView.as_view(), name="contact_remove"),
    path("<int:pk>/figures/", panels.figures, name="figures"),
    path("<int:pk>/timeline/", panels.timeline, name="timeline"),
    path("export/", AccountExportView.as_view(), name="export"),
]
