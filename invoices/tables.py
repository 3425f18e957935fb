"""The invoices list."""

import django_tables2 as tables
from django.template.loader import get_template
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.tables import DateColumn, MoneyColumn, OwnerColumn, RecordTable, sorted_by
from invoices.models import Invoice
from opportunities.tables import render_customer


class InvoiceTable(RecordTable):
    # Unique, so no tie to break: its unique index serves the sort.
    invoice_number = tables.Column(verbose_name=_("Invoice number"), linkify=True, order_by=("invoice_number",))
    name = tables.Column(verbose_name=_("Name"), order_by=sorted_by("name"))
    # Sorting by the account's or contact's name would order by joined tables (see OwnerColumn);
    # the customer's page lists its invoices.
    customer = tables.Column(verbose_name=_("Customer"), empty_values=(), orderable=False)
    invoice_date = DateColumn(verbose_name=_("Invoice date"), order_by=sorted_by("invoice_date"))
    due_date = DateColumn(verbose_name=_("Due date"), order_by=sorted_by("due_date"))
    total_amount = MoneyColumn(verbose_name=_("Total amount"), order_by=sorted_by("total_amount"))
    # The Status filter shows one status; a sort would only group them.
    state = tables.Column(verbose_name=_("Status"), orderable=False)
    owner = OwnerColumn(verbose_name=_("Owner"))

    class Meta(RecordTable.Meta):
        model = Invoice
        fields = ("invoice_number", "name", "customer", "invoice_date", "due_date", "total_amount", "state", "owner")

    def render_customer(self, record):
        return render_customer(record)

    @cached_property
    def status_template(self):
        """The status badges' template, looked up once per table rather than once per row."""
        return get_template("invoices/includes/invoice_status.html")

    def render_state(self, record):
        return self.status_template.render({"invoice": record})
