from django.urls import path

from crm.imports.export_views import RecordExportView
from invoices import views

app_name = "invoices"

urlpatterns = [
    path("", views.InvoiceListView.as_view(), name="list"),
    path("export/", RecordExportView.as_view(name="invoices"), name="export"),
    path("new/", views.invoice_create, name="create"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/details/", views.InvoiceTabView.as_view(tab="details"), name="details"),
    path("<int:pk>/related/", views.InvoiceTabView.as_view(tab="related"), name="related"),
    path("<int:pk>/edit/", views.invoice_edit, name="edit"),
    path("<int:pk>/delete/", views.InvoiceDeleteView.as_view(), name="delete"),
    path("<int:pk>/mark-paid/", views.invoice_mark_paid, name="mark_paid"),
    path("<int:pk>/cancel/", views.invoice_cancel, name="cancel"),
    path("<int:pk>/reassign/", views.InvoiceReassignView.as_view(), name="reassign"),
]
