"""Pages for opportunities: list, create, edit, close as won or lost, reopen, reassign, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

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
    expect_posted_version,
    record_action,
)
from crm.redirects import query_pk, safe_next
from crm.views import RecordListView
from invoices.models import Invoice
from invoices.selectors import invoice_list
from invoices.tables import InvoiceTable
from opportunities import services
from opportunities.filters import OpportunityFilter
from opportunities.forms import CloseAsLostForm, CloseAsWonForm, OpportunityForm
from opportunities.lists import OPPORTUNITIES
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_get, opportunity_list
from opportunities.tables import OpportunityTable


def narrowed_customer(request, filterset):
    """The account or contact a list is narrowed to by ?account= or ?contact=, when the user may read it."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
    if data.get("account"):
        return account_list(user=request.user).filter(pk=data["account"]).first()
    if data.get("contact"):
        return contact_list(user=request.user).filter(pk=data["contact"]).first()
    return None


class CustomerNarrowedListView(RecordListView):
    """A list that ?account= or ?contact= narrows to one customer, and says which."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = customer = narrowed_customer(self.request, context["filter"])
        context["customer_param"] = customer._meta.model_name if customer else None
        return context


class OpportunityListView(CustomerNarrowedListView):
    selector = opportunity_list
    table_class = OpportunityTable
    filterset_class = OpportunityFilter
    template_name = "opportunities/opportunity_list.html"
    title = gettext_lazy("Opportunities")
    list_key = "opportunities"
    count_text = OPPORTUNITIES.count_text


def _prefill(request):
    """Initial customer fields from ?account= or ?contact=, and where to return on save."""
    initial = {}
    customer = None
    if pk := query_pk(request, "account"):
        customer = account_list(user=request.user).filter(pk=pk).first()
        if customer:
            initial["account"] = customer.pk
    elif pk := query_pk(request, "contact"):
        customer = contact_list(user=request.user).filter(pk=pk).first()
        if customer:
            initial["contact"] = customer.pk
            initial["account"] = customer.account_id
    back = safe_next(request, request.GET.get("next")) or (customer.get_absolute_url() if customer else "")
    return initial, back


def opportunity_create(request):
    """Create an opportunity, prefilled with the customer it was opened from."""
    permissions.require(permissions.can_add(request.user, Opportunity))
    initial, back = _prefill(request)
    form = OpportunityForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        back = safe_next(request, request.POST.get("next")) or ""
        if form.is_valid():
            try:
                opportunity = services.opportunity_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Opportunity “%(topic)s” created.") % {"topic": opportunity.topic})
                return after_save(request, opportunity, back or opportunity.get_absolute_url())
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "next": back, "title": _("New opportunity")},
    )


def _detail_context(user, opportunity, *, won_form=None, lost_form=None):
    return {
        "opportunity": opportunity,
        "record": opportunity,
        "tab": "summary",
        "tab_urls": tab_urls("opportunities", opportunity),
        "can_add": permissions.can_add(user, Opportunity),
        "invoices": (
            invoice_list(user=user).filter(opportunity=opportunity).order_by("-invoice_date", "-pk")
            if permissions.can_view(user, Invoice)
            else None
        ),
        "can_change": permissions.can_change(user, opportunity),
        "can_delete": permissions.can_delete(user, opportunity),
        "can_reassign": permissions.can_reassign(user, opportunity),
        "can_add_invoice": permissions.can_add(user, Invoice),
        "won_form": won_form or CloseAsWonForm(initial={"actual_revenue": opportunity.estimated_revenue}),
        "lost_form": lost_form or CloseAsLostForm(),
    }


def opportunity_detail(request, pk):
    """The opportunity's fields, its customer, its invoices, and the close or reopen actions."""
    opportunity = opportunity_get(user=request.user, pk=pk)
    return render(request, "opportunities/opportunity_detail.html", _detail_context(request.user, opportunity))


class OpportunityTabView(RecordPageView):
    """The opportunity's Details and Related tabs (its Summary is opportunity_detail)."""

    template_name = "opportunities/opportunity_detail.html"
    selector = opportunity_get
    url_namespace = "opportunities"
    record_name = "opportunity"
    detail_sections = details_tab_sections(OpportunityForm, ["state", "actual_revenue", "actual_close_date"])

    def command_context(self, opportunity):
        return {
            **super().command_context(opportunity),
            "can_add_invoice": permissions.can_add(self.request.user, Invoice),
        }

    def related_lists(self, opportunity):
        if not permissions.can_view(self.request.user, Invoice):
            return []
        invoices = invoice_list(user=self.request.user).filter(opportunity=opportunity)
        return [("invoices", _("Invoices"), InvoiceTable, invoices)]


def _refuse_if_closed(request, opportunity):
    if not opportunity.is_open:
        messages.error(request, _("A closed opportunity cannot be edited. Reopen it first."))
        return redirect(opportunity)
    return None


def opportunity_edit(request, pk):
    """Edit an open opportunity; a closed one is refused with a message."""
    opportunity = opportunity_get(user=request.user, pk=pk)
    permissions.require(permissions.can_change(request.user, opportunity))
    if refused := _refuse_if_closed(request, opportunity):
        return refused
    form = OpportunityForm(request.POST or None, instance=opportunity, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(opportunity=opportunity, actor=request.user, **changed_form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Opportunity saved."))
            return after_save(request, opportunity, opportunity.get_absolute_url())
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "opportunity": opportunity, "title": _("Edit opportunity")},
    )


def _close(request, pk, form_class, close):
    opportunity = opportunity_get(user=request.user, pk=pk)
    permissions.require(permissions.can_change(request.user, opportunity))
    if not opportunity.is_open:
        messages.error(request, _("This opportunity is already closed."))
        return redirect(opportunity)
    expect_posted_version(request, opportunity)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            close(opportunity, form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(opportunity)
    # Show the form again, with its errors, on the opportunity's page.
    key = "won_form" if form_class is CloseAsWonForm else "lost_form"
    context = _detail_context(request.user, opportunity, **{key: form})
    return render(request, "opportunities/opportunity_detail.html", context)


@require_POST
def opportunity_close_won(request, pk):
    """Close the opportunity as won with its actual revenue and close date."""

    def close(opportunity, data):
        services.opportunity_close_as_won(
            opportunity=opportunity,
            actual_revenue=data["actual_revenue"],
            close_date=data["close_date"],
            actor=request.user,
        )
        messages.success(request, _("Opportunity closed as won."))

    return _close(request, pk, CloseAsWonForm, close)


@require_POST
def opportunity_close_lost(request, pk):
    """Close the opportunity as lost, canceled or out-sold."""

    def close(opportunity, data):
        services.opportunity_close_as_lost(
            opportunity=opportunity,
            status_reason=data["status_reason"],
            close_date=data["close_date"],
            actor=request.user,
        )
        messages.success(request, _("Opportunity closed as lost."))

    return _close(request, pk, CloseAsLostForm, close)


@require_POST
def opportunity_reopen(request, pk):
    """Reopen a won or lost opportunity."""
    opportunity = opportunity_get(user=request.user, pk=pk)
    return record_action(
        request,
        opportunity,
        lambda: services.opportunity_reopen(opportunity=opportunity, actor=request.user),
        _("Opportunity reopened."),
    )


class OpportunityReassignView(RecordReassignView):
    """Give the opportunity to another owner."""

    selector = opportunity_get

    def reassign(self, record, owner):
        services.opportunity_reassign(opportunity=record, owner=owner, actor=self.request.user)


class OpportunityDeleteView(RecordDeleteView):
    """Ask, then delete the opportunity; refused while invoices refer to it."""

    selector = opportunity_get
    list_url_name = "opportunities:list"
    template_name = "opportunities/opportunity_confirm_delete.html"

    def delete(self, record):
        services.opportunity_delete(opportunity=record, actor=self.request.user)
