from django.urls import path

from accounts import panels

app_name = "accounts"

urlpatterns: list = [
    path("<int:pk>/figures/", panels.figures, name="figures"),
    path("<int:pk>/timeline/", panels.timeline, name="timeline"),
]
