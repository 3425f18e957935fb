"""Invoices in the global search: by invoice number or name."""

from django.utils.translation import gettext_lazy as _

from crm.search import SearchKind, register
from invoices.selectors import invoice_list


def detail(invoice) -> str:
    return " · ".join(part for part in (invoice.invoice_number, str(invoice.get_state_display())) if part)


register(
    SearchKind(
        name="invoices",
        label=_("Invoices"),
        selector=invoice_list,
        fields=("invoice_number", "name"),
        order_by=("-invoice_date", "-pk"),
        detail=detail,
        title=lambda invoice: invoice.name,
    )
)
