from django.urls import path

from crm.imports import views
from crm.uploads import accepts_uploads

app_name = "imports"

urlpatterns = [
    path("", views.ImportJobListView.as_view(), name="list"),
    path("new/", accepts_uploads(views.ImportStartView.as_view()), name="start"),
    path("templates/<str:target>.<str:file_format>", views.import_template_download, name="template"),
    path("<int:pk>/", views.import_job_detail, name="detail"),
    path("<int:pk>/failed-rows.<str:file_format>", views.import_job_failed_rows, name="failed_rows"),
    path("<int:pk>/undo/", views.import_job_undo_view, name="undo"),
    path("<int:pk>/map/", views.import_job_map, name="map"),
    path("<int:pk>/values/", views.import_job_values, name="values"),
    path("<int:pk>/review/", views.import_job_review, name="review"),
]
