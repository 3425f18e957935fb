"""Reads of invoices, scoped to the user, with their joins chosen."""

from django.db.models import Prefetch

from crm.selectors import record_get, scoped
from invoices.models import Invoice, InvoiceLine


def invoice_list(*, user):
    """Invoices the user may read, with their customer and owner joined."""
    return scoped(Invoice.objects.select_related("account", "contact", "opportunity", "owner"), user=user)


def invoice_get(*, user, pk) -> Invoice:
    """One invoice the user may read, with its lines, or 404."""
    return record_get(
        Invoice.objects.select_related(
            "account", "contact", "opportunity", "owner", "created_by", "modified_by"
        ).prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk"))),
        user=user,
        pk=pk,
    )
