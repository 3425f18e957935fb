from django.urls import path

from crm.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("", views.duplicates_list, name="list"),
    path("scan/", views.scan_start, name="scan"),
    path("groups/<int:pk>/not-duplicate/", views.group_dismiss, name="group_dismiss"),
    path("<str:kind>/merge/", views.merge_page, name="merge"),
    path("<str:kind>/not-duplicate/", views.not_duplicate, name="not_duplicate"),
    path("merges/<int:pk>/", views.merge_done, name="merge_done"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
