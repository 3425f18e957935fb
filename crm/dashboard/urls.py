from django.urls import path

from crm.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
]
