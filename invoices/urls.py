# Placeholder routes so the account and contact pages can link here; the invoice pages replace them.
from django.http import HttpResponse
from django.urls import path
from django_tables2 import table_factory

from crm.tables import RecordTable
from crm.views import RecordListView
from invoices.filters import InvoiceFilter
from invoices.models import Invoice
from invoices.selectors import invoice_get, invoice_list

app_name = "invoices"


def _detail(request, pk):
    return HttpResponse(str(invoice_get(user=request.user, pk=pk)))


urlpatterns = [
    path(
        "",
        RecordListView.as_view(
            table_class=table_factory(Invoice, RecordTable, fields=("invoice_number", "name", "account", "state")),
            filterset_class=InvoiceFilter,
            selector=invoice_list,
            extra_context={"title": "Invoices"},
        ),
        name="list",
    ),
    path("new/", lambda request: HttpResponse("New invoice"), name="create"),
    path("<int:pk>/", _detail, name="detail"),
]
