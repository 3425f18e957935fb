from django.urls import path

from crm.exports import views

app_name = "exports"

urlpatterns = [
    path("<int:pk>/", views.export_job_detail, name="detail"),
    path("<int:pk>/download/", views.export_job_download, name="download"),
]
