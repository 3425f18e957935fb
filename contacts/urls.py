from django.urls import path

from crm.imports.export_views import ContactExportView

app_name = "contacts"

urlpatterns: list = [
    path("export/", ContactExportView.as_view(), name="export"),
]
