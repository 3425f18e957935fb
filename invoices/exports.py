"""The invoices list's export: its search and filters, with the stored totals of each invoice."""

from django.utils.translation import gettext_lazy as _

from crm.exports.sources import (
    ColumnsResource,
    ExportColumn,
    ExportSource,
    choice_label,
    field,
    owner_username,
    register,
    related_name,
)
from invoices.filters import InvoiceFilter
from invoices.selectors import invoice_list


class InvoiceResource(ColumnsResource):
    columns = (
        ExportColumn(_("Invoice number"), field("invoice_number")),
        ExportColumn(_("Name"), field("name")),
        ExportColumn(_("Account"), related_name("account")),
        ExportColumn(_("Contact"), related_name("contact")),
        ExportColumn(_("Opportunity"), related_name("opportunity")),
        ExportColumn(_("Invoice date"), field("invoice_date")),
        ExportColumn(_("Due date"), field("due_date")),
        ExportColumn(_("Currency"), field("currency")),
        ExportColumn(_("Subtotal"), field("subtotal")),
        ExportColumn(_("Discount"), field("discount_total")),
        ExportColumn(_("Tax"), field("tax_total")),
        ExportColumn(_("Total amount"), field("total_amount")),
        ExportColumn(_("Status"), choice_label("state")),
        ExportColumn(_("Status reason"), choice_label("status_reason")),
        ExportColumn(_("Paid on"), field("paid_date")),
        ExportColumn(_("Owner"), owner_username),
    )


register(ExportSource("invoices", invoice_list, InvoiceFilter, InvoiceResource))
