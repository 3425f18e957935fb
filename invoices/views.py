"""Pages for invoices: list, create and edit with line items, mark paid, cancel, reassign, delete."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import account_list
from contacts.selectors import contact_list
from crm import permissions
from crm.record_forms import changed_form_data
from crm.record_pages import RecordPageView, details_tab_sections, tab_urls
from crm.record_views import (
    RecordDeleteView,
    RecordReassignView,
    add_service_error,
    after_save,
    confirm_page,
    expect_posted_version,
    record_action,
)
from crm.redirects import query_pk, safe_next
from crm.services import RecordChanged
from invoices import services
from invoices.filters import InvoiceFilter
from invoices.forms import InvoiceForm, MarkPaidForm, line_formset
from invoices.line_tables import InvoiceLineTable
from invoices.lists import INVOICES
from invoices.models import Invoice, InvoiceState
from invoices.selectors import invoice_get, invoice_list
from invoices.tables import InvoiceTable
from opportunities.selectors import opportunity_list
from opportunities.views import CustomerNarrowedListView


class InvoiceListView(CustomerNarrowedListView):
    selector = invoice_list
    table_class = InvoiceTable
    filterset_class = InvoiceFilter
    template_name = "invoices/invoice_list.html"
    title = gettext_lazy("Invoices")
    list_key = "invoices"
    count_text = INVOICES.count_text


def _prefill(request):
    """Initial fields from ?opportunity=, ?account= or ?contact=, and where to return on save."""
    user = request.user
    initial = {}
    back_to = None
    if pk := query_pk(request, "opportunity"):
        opportunity = opportunity_list(user=user).filter(pk=pk).first()
        if opportunity:
            initial.update(
                opportunity=opportunity.pk,
                account=opportunity.account_id,
                contact=opportunity.contact_id,
                name=opportunity.topic,
                currency=opportunity.currency,
            )
            back_to = opportunity
    elif pk := query_pk(request, "account"):
        back_to = account_list(user=user).filter(pk=pk).first()
        if back_to:
            initial.update(account=back_to.pk, currency=back_to.currency)
    elif pk := query_pk(request, "contact"):
        back_to = contact_list(user=user).filter(pk=pk).first()
        if back_to:
            initial.update(contact=back_to.pk, account=back_to.account_id)
    back = safe_next(request, request.GET.get("next")) or (back_to.get_absolute_url() if back_to else "")
    return initial, back


def invoice_create(request):
    """Create an invoice with its line items, prefilled with the customer or opportunity it was opened from."""
    permissions.require(permissions.can_add(request.user, Invoice))
    initial, back = _prefill(request)
    data = request.POST if request.method == "POST" else None
    form = InvoiceForm(data, initial=initial, user=request.user)
    lines = line_formset(data, add_line="add_line" in request.POST)
    if data is not None:
        back = safe_next(request, request.POST.get("next")) or ""
        if "add_line" not in request.POST and form.is_valid() and lines.is_valid():
            try:
                invoice = services.invoice_create(actor=request.user, lines=lines.cleaned_lines(), **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Invoice %(number)s created.") % {"number": invoice.invoice_number})
                return after_save(request, invoice, back or invoice.get_absolute_url())
    return render(
        request,
        "invoices/invoice_form.html",
        {"form": form, "lines": lines, "next": back, "title": _("New invoice")},
    )


def _refuse_if_not_active(request, invoice):
    if invoice.state != InvoiceState.ACTIVE:
        messages.error(
            request,
            _("This invoice is %(state)s and can no longer be changed.") % {"state": invoice.get_state_display()},
        )
        return redirect(invoice)
    return None


def _lines_text(lines):
    """Line items in one line of text, to compare two versions of an invoice side by side."""

    def value(line, name):
        return line[name] if isinstance(line, dict) else getattr(line, name)

    return "; ".join(
        f"{value(line, 'description')} × {value(line, 'quantity').normalize():f} @ {value(line, 'unit_price'):f}"
        for line in lines
    )


def _lines_key(lines):
    """The line items as one string, every field of each: what the edit form was opened with, kept hidden."""

    def value(line, name):
        raw = line[name] if isinstance(line, dict) else getattr(line, name)
        return f"{raw.normalize():f}" if isinstance(raw, Decimal) else str(raw)

    return "|".join("~".join(value(line, name) for name in services.LINE_FIELDS) for line in lines)


def invoice_edit(request, pk):
    """Edit an active invoice and its line items; a paid or canceled one is refused with a message.

    The form carries the line items it was opened with (``lines_opened``): lines the
    user did not change are not written, so they cannot undo another user's.
    """
    invoice = invoice_get(user=request.user, pk=pk)
    permissions.require(permissions.can_change(request.user, invoice))
    if refused := _refuse_if_not_active(request, invoice):
        return refused
    data = request.POST if request.method == "POST" else None
    form = InvoiceForm(data, instance=invoice, user=request.user)
    initial_lines = [{name: getattr(line, name) for name in services.LINE_FIELDS} for line in invoice.lines.all()]
    lines = line_formset(data, initial=initial_lines, add_line="add_line" in request.POST)
    lines_opened = request.POST.get("lines_opened", _lines_key(initial_lines)) if data else _lines_key(initial_lines)
    if data is not None and "add_line" not in request.POST and form.is_valid() and lines.is_valid():
        posted_lines = lines.cleaned_lines()
        lines_changed = "lines_opened" not in request.POST or _lines_key(posted_lines) != lines_opened
        try:
            services.invoice_update(
                invoice=invoice,
                actor=request.user,
                lines=posted_lines if lines_changed else None,
                **changed_form_data(form),
            )
        except ValidationError as error:
            add_service_error(form, error)
            if isinstance(error, RecordChanged) and error.current is not None and form.conflict is not None:
                current_lines = [
                    {name: getattr(line, name) for name in services.LINE_FIELDS} for line in error.current.lines.all()
                ]
                if not lines_changed:
                    lines = line_formset(None, initial=current_lines)  # theirs, since this user left them alone
                elif _lines_key(current_lines) != _lines_key(posted_lines):
                    # Both changed the lines: show theirs beside the user's.
                    form.conflict.append(
                        {
                            "label": _("Line items"),
                            "theirs": _lines_text(current_lines),
                            "mine": _lines_text(posted_lines),
                        }
                    )
                lines_opened = _lines_key(current_lines)
        else:
            messages.success(request, _("Invoice saved."))
            return after_save(request, invoice, invoice.get_absolute_url())
    return render(
        request,
        "invoices/invoice_form.html",
        {"form": form, "lines": lines, "invoice": invoice, "title": _("Edit invoice"), "lines_opened": lines_opened},
    )


def _detail_context(user, invoice, *, paid_form=None):
    active = invoice.state == InvoiceState.ACTIVE
    return {
        "invoice": invoice,
        "record": invoice,
        "tab": "summary",
        "tab_urls": tab_urls("invoices", invoice),
        "can_add": permissions.can_add(user, Invoice),
        "lines": invoice.lines.all(),
        "is_active": active,
        "can_change": permissions.can_change(user, invoice),
        "can_delete": permissions.can_delete(user, invoice),
        "can_reassign": permissions.can_reassign(user, invoice),
        "paid_form": paid_form or MarkPaidForm(),
    }


class InvoiceTabView(RecordPageView):
    """The invoice's Details and Related tabs (its Summary is invoice_detail)."""

    template_name = "invoices/invoice_detail.html"
    selector = invoice_get
    url_namespace = "invoices"
    record_name = "invoice"
    detail_sections = details_tab_sections(
        InvoiceForm, ["state", "paid_date", "subtotal", "discount_total", "tax_total", "total_amount"]
    )

    def command_context(self, invoice):
        return {**super().command_context(invoice), "is_active": invoice.state == InvoiceState.ACTIVE}

    def related_lists(self, invoice):
        return [("lines", _("Line items"), InvoiceLineTable, invoice.lines.order_by("position", "pk"))]


def invoice_detail(request, pk):
    """The invoice's customer, opportunity, line items and totals, and the pay or cancel actions."""
    invoice = invoice_get(user=request.user, pk=pk)
    return render(request, "invoices/invoice_detail.html", _detail_context(request.user, invoice))


@require_POST
def invoice_mark_paid(request, pk):
    """Mark the active invoice paid, in full or in part."""
    invoice = invoice_get(user=request.user, pk=pk)
    permissions.require(permissions.can_change(request.user, invoice))
    if refused := _refuse_if_not_active(request, invoice):
        return refused
    expect_posted_version(request, invoice)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_mark_paid(
                invoice=invoice,
                actor=request.user,
                paid_date=form.cleaned_data["paid_date"],
                partial=form.cleaned_data["partial"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Invoice marked as paid."))
            return redirect(invoice)
    return render(request, "invoices/invoice_detail.html", _detail_context(request.user, invoice, paid_form=form))


@require_http_methods(["GET", "POST"])
def invoice_cancel(request, pk):
    """Cancel the active invoice (POST); GET asks to confirm first."""
    invoice = invoice_get(user=request.user, pk=pk)
    if request.method == "GET":
        permissions.require(permissions.can_change(request.user, invoice))
        if refused := _refuse_if_not_active(request, invoice):
            return refused
        return confirm_page(
            request,
            invoice,
            question=_("Cancel invoice %(number)s?") % {"number": invoice.invoice_number},
            explanation=_("A canceled invoice stays on file; it can no longer be paid or edited."),
            confirm_label=_("Cancel invoice"),
            version=invoice.version,
        )
    return record_action(
        request,
        invoice,
        lambda: services.invoice_cancel(invoice=invoice, actor=request.user),
        _("Invoice canceled."),
    )


class InvoiceReassignView(RecordReassignView):
    """Give the invoice to another owner."""

    selector = invoice_get

    def reassign(self, record, owner):
        services.invoice_reassign(invoice=record, owner=owner, actor=self.request.user)


class InvoiceDeleteView(RecordDeleteView):
    """Ask, then delete the invoice and its line items."""

    selector = invoice_get
    list_url_name = "invoices:list"
    template_name = "invoices/invoice_confirm_delete.html"

    def delete(self, record):
        services.invoice_delete(invoice=record, actor=self.request.user)
