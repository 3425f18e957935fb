"""Account pages: list, create, edit, the Summary tab with its panels, and the record commands."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, UpdateView

from accounts import selectors, services
from accounts.filters import AccountFilter
from accounts.forms import AccountForm, AddExistingContactForm
from accounts.lists import ACCOUNTS
from accounts.models import Account
from accounts.tables import AccountTable
from contacts.models import Contact
from contacts.selectors import contact_list
from contacts.services import contact_attach_to_account, contact_detach_from_account
from contacts.tables import ContactTable
from crm import permissions
from crm.duplicates.views import duplicates_context, found_duplicates
from crm.params import query_text, record_number
from crm.record_forms import changed_form_data
from crm.record_pages import RecordPageView, details_tab_sections, panel_switches
from crm.record_views import (
    RecordDeleteView,
    RecordReassignView,
    RecordSetStatusView,
    add_service_error,
    after_save,
    confirm_page,
    error_text,
    expect_posted_version,
    form_data,
)
from crm.views import RecordListView
from invoices.models import Invoice
from opportunities.models import Opportunity
from opportunities.related import sales_lists

CONTACTS_PANEL = "accounts/panels/contacts.html"
CUSTOMER_PANEL = "includes/panels/customer_panel.html"
LOOKUP_RESULTS = "accounts/includes/contact_lookup.html#results"


class AccountListView(RecordListView):
    table_class = AccountTable
    filterset_class = AccountFilter
    selector = selectors.account_list
    template_name = "accounts/account_list.html"
    title = gettext_lazy("Accounts")
    list_key = "accounts"
    count_text = ACCOUNTS.count_text


class AccountFormMixin:
    form_class = AccountForm
    template_name = "accounts/account_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class AccountCreateView(AccountFormMixin, CreateView):
    def dispatch(self, request, *args, **kwargs):
        permissions.require(permissions.can_add(request.user, Account))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        if duplicates := found_duplicates(self.request, form):
            return self.render_to_response(self.get_context_data(form=form, **duplicates_context(duplicates, form)))
        try:
            self.object = services.account_create(actor=self.request.user, **form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The account %(name)s was created.") % {"name": self.object.name})
        return after_save(self.request, self.object, self.object.get_absolute_url())


class AccountUpdateView(AccountFormMixin, UpdateView):
    def get_object(self, queryset=None):
        account = selectors.account_get(user=self.request.user, pk=self.kwargs["pk"])
        permissions.require(permissions.can_change(self.request.user, account))
        return account

    def form_valid(self, form):
        if duplicates := found_duplicates(self.request, form):
            return self.render_to_response(self.get_context_data(form=form, **duplicates_context(duplicates, form)))
        # The form has already written its values onto self.object; the service gets the record as stored.
        stored = selectors.account_get(user=self.request.user, pk=self.object.pk)
        try:
            self.object = services.account_update(account=stored, actor=self.request.user, **changed_form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The account %(name)s was saved.") % {"name": self.object.name})
        return after_save(self.request, self.object, self.object.get_absolute_url())


def _contacts_panel_context(request, account, page):
    user = request.user
    return {
        "account": account,
        "contacts": selectors.account_contacts_page(user=user, account=account, page=page),
        "can_change": permissions.can_change(user, account),
        "can_add_contact": permissions.can_add(user, Contact),
    }


class AccountDetailView(RecordPageView):
    """The account's record page: Summary (three columns and the customer panel), Details and Related tabs.

    An htmx request for another page of contacts gets the Contacts panel only; one for a panel switch gets
    the customer panel only.
    """

    template_name = "accounts/account_detail.html"
    selector = selectors.account_get
    url_namespace = "accounts"
    record_name = "account"
    detail_sections = details_tab_sections(AccountForm, ["status"])

    def get(self, request, *args, **kwargs):
        if self.tab == "summary" and request.htmx and request.htmx.target == "contacts-panel":
            account = self.get_record()
            page = request.GET.get("contacts_page", 1)
            return render(request, CONTACTS_PANEL, _contacts_panel_context(request, account, page))
        response = super().get(request, *args, **kwargs)
        if self.tab == "summary" and request.htmx and request.htmx.target == "customer-panel":
            response.template_name = CUSTOMER_PANEL
        return response

    def summary_context(self, account):
        user = self.request.user
        summary = selectors.account_summary(
            user=user, account=account, contacts_page=self.request.GET.get("contacts_page", 1)
        )
        contacts, opportunities, invoices = summary["contacts"], summary["opportunities"], summary["invoices"]
        switches, panel = panel_switches(
            [
                ("contacts", _("Contacts"), contacts.paginator.count if contacts is not None else None),
                ("opportunities", _("Recent Opportunities"), opportunities["count"] if opportunities else None),
                ("invoices", _("Recent Invoices"), invoices["count"] if invoices else None),
            ],
            self.request.GET.get("panel"),
        )
        return {
            **summary,
            "panel_switches": switches,
            "panel": panel,
            "can_add_contact": permissions.can_add(user, Contact),
            "can_add_opportunity": permissions.can_add(user, Opportunity),
            "can_add_invoice": permissions.can_add(user, Invoice),
            "filter_name": "account",
        }

    def related_lists(self, account):
        user = self.request.user
        lists = []
        if permissions.can_view(user, Contact):
            lists.append(("contacts", _("Contacts"), ContactTable, contact_list(user=user).filter(account=account)))
        return lists + sales_lists(user=user, account=account)

    def timeline_url(self, account):
        return reverse("accounts:timeline", args=[account.pk])


class AccountContactAddView(View):
    """Add Existing Contact: search contacts by name or email (GET) and put the chosen one on the account (POST).

    A contact already on another account is refused by contact_attach_to_account; its message names that
    account and nothing changes.
    """

    template_name = "accounts/account_contact_add.html"
    max_results = 20

    def dispatch(self, request, *args, **kwargs):
        self.account = selectors.account_get(user=request.user, pk=kwargs["pk"])
        permissions.require(permissions.can_change(request.user, self.account))
        return super().dispatch(request, *args, **kwargs)

    def search(self, query):
        if not query:
            return []
        words = Q()
        for word in query.split():
            words &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        found = contact_list(user=self.request.user).filter(words).exclude(account=self.account)
        # Contacts without an account (the ones that can be added) first.
        on_an_account = ExpressionWrapper(Q(account__isnull=False), output_field=BooleanField())
        found = found.select_related("account").order_by(on_an_account, "last_name", "first_name", "pk")
        return list(found[: self.max_results])

    def render_page(self, form, status=200, other_account=None):
        query = query_text(self.request.GET, "q") or query_text(self.request.POST, "q")
        context = {
            "account": self.account,
            "form": form,
            "q": query,
            "results": self.search(query),
            "other_account": other_account,
        }
        template = self.template_name
        if self.request.htmx:
            # htmx swaps only successful answers: a refusal is shown in the dialog with a 200.
            template, status = LOOKUP_RESULTS, 200
        return render(self.request, template, context, status=status)

    def get(self, request, pk):
        return self.render_page(AddExistingContactForm(user=request.user))

    def post(self, request, pk):
        form = AddExistingContactForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_page(form, status=400)
        contact = form.cleaned_data["contact"]
        try:
            contact_attach_to_account(contact=contact, account=self.account, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
            # The account the contact is on now (perhaps set a moment ago by someone else), to link to it.
            other = Contact.objects.filter(pk=contact.pk).values_list("account", flat=True).first()
            other_account = selectors.account_list(user=request.user).filter(pk=other).first() if other else None
            return self.render_page(form, status=400, other_account=other_account)
        messages.success(
            request,
            _("%(contact)s was added to the account %(account)s.")
            % {"contact": contact.full_name, "account": self.account.name},
        )
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = self.account.get_absolute_url()
            return response
        return redirect(self.account)


class AccountContactRemoveView(View):
    """POST: take a contact off the account (it stays, without an account); GET asks to confirm first."""

    http_method_names = ["get", "post"]

    def get_records(self, request, pk, contact_pk):
        account = selectors.account_get(user=request.user, pk=pk)
        permissions.require(permissions.can_change(request.user, account))
        return account, get_object_or_404(contact_list(user=request.user), pk=contact_pk, account=account)

    def get(self, request, pk, contact_pk):
        account, contact = self.get_records(request, pk, contact_pk)
        return confirm_page(
            request,
            account,
            question=_("Remove %(contact)s from the account %(account)s?")
            % {"contact": contact.full_name, "account": account.name},
            explanation=_("The contact stays on file, without an account."),
            confirm_label=_("Remove from account"),
            version=contact.version,
            hidden={"contacts_page": record_number(request.GET.get("contacts_page")) or 1},
        )

    def post(self, request, pk, contact_pk):
        account, contact = self.get_records(request, pk, contact_pk)
        expect_posted_version(request, contact)
        try:
            contact_detach_from_account(contact=contact, actor=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                _("%(contact)s was removed from the account %(account)s.")
                % {"contact": contact.full_name, "account": account.name},
            )
        if request.htmx:
            account.refresh_from_db(fields=["primary_contact"])
            context = _contacts_panel_context(request, account, request.POST.get("contacts_page", 1))
            return render(request, CONTACTS_PANEL, {**context, "show_messages": True})
        return redirect(account)


class AccountSetStatusView(RecordSetStatusView):
    selector = selectors.account_get

    def set_status(self, record, status):
        services.account_set_status(account=record, status=status, actor=self.request.user)


class AccountReassignView(RecordReassignView):
    selector = selectors.account_get

    def reassign(self, record, owner):
        services.account_reassign(account=record, owner=owner, actor=self.request.user)


class AccountDeleteView(RecordDeleteView):
    selector = selectors.account_get
    list_url_name = "accounts:list"

    def delete(self, record):
        services.account_delete(account=record, actor=self.request.user)
