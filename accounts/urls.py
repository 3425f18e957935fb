from django.urls import path

from crm.imports.export_views import AccountExportView

app_name = "accounts"

urlpatterns: list = [
    path("export/", AccountExportView.as_view(), name="export"),
]
