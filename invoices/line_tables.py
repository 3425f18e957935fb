"""The invoice's line items as a table, for its record page's Related tab."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm.tables import RecordTable
from invoices.models import InvoiceLine

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class InvoiceLineTable(RecordTable):
    position = tables.Column(verbose_name="#", orderable=False)
    description = tables.Column(verbose_name=_("Description"), orderable=False)
    quantity = tables.Column(verbose_name=_("Quantity"), orderable=False, attrs=NUMBER)
    unit_price = tables.Column(verbose_name=_("Unit price"), orderable=False, attrs=NUMBER)
    discount = tables.Column(verbose_name=_("Discount"), orderable=False, attrs=NUMBER)
    tax_rate = tables.Column(verbose_name=_("Tax rate"), orderable=False, attrs=NUMBER)
    line_total = tables.Column(verbose_name=_("Line total"), orderable=False, attrs=NUMBER)

    class Meta(RecordTable.Meta):
        model = InvoiceLine
        fields = ("position", "description", "quantity", "unit_price", "discount", "tax_rate", "line_total")
