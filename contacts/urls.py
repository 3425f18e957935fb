from django.urls import path

from contacts import panels

app_name = "contacts"

urlpatterns: list = [
    path("<int:pk>/figures/", panels.figures, name="figures"),
    path("<int:pk>/timeline/", panels.timeline, name="timeline"),
]
