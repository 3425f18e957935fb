
app_name = "invoices"

urlpatterns: list = []
