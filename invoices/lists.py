"""The invoices list as crm.lists drives it: its views (InvoiceFilter.system_views) and its bulk actions.

An invoice has no Activate/Deactivate: it is paid or canceled, one at a time, from its page.
"""

from django.utils.translation import ngettext_lazy

from crm.lists import RecordList, register
from invoices import services
from invoices.filters import InvoiceFilter
from invoices.selectors import invoice_list
from invoices.tables import InvoiceTable

INVOICES = register(
    RecordList(
        key="invoices",
        selector=invoice_list,
        filterset_class=InvoiceFilter,
        table_class=InvoiceTable,
        count_text=ngettext_lazy("%(number)s invoice", "%(number)s invoices", "count"),
        reassign=lambda invoice, **kwargs: services.invoice_reassign(invoice=invoice, **kwargs),
        delete=lambda invoice, **kwargs: services.invoice_delete(invoice=invoice, **kwargs),
        fixed_columns=("invoice_number",),
    )
)
