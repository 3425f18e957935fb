from django.urls import path

app_name = "invoices"

urlpatterns: list = []
