from django.urls import path

from crm.lists import bulk, views

app_name = "lists"

urlpatterns = [
    path("<slug:list_key>/views/", views.ListViewsView.as_view(), name="views"),
    path("<slug:list_key>/views/<int:pk>/", views.SavedViewUpdateView.as_view(), name="view_update"),
    path("<slug:list_key>/views/<int:pk>/delete/", views.SavedViewDeleteView.as_view(), name="view_delete"),
    path("<slug:list_key>/bulk/", bulk.BulkActionView.as_view(), name="bulk"),
]
