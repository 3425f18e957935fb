"""Account pages: list, create, edit, the Summary tab with its panels, and the record commands."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from accounts import selectors, services
from accounts.filters import AccountFilter
from accounts.forms import AccountForm, AddExistingContactForm
from accounts.models import Account
from accounts.tables import AccountTable
from contacts.models import Contact
from contacts.selectors import contact_list
from contacts.services import contact_attach_to_account, contact_detach_from_account
from crm import permissions
from crm.params import query_text, record_number
from crm.record_forms import changed_form_data
from crm.record_views import (
    RecordDeleteView,
    RecordReassignView,
    RecordSetStatusView,
    add_service_error,
    confirm_page,
    error_text,
    expect_posted_version,
    form_data,
)
from crm.views import RecordListView
from invoices.models import Invoice
from opportunities.models import Opportunity

CONTACTS_PANEL = "accounts/panels/contacts.html"


class AccountListView(RecordListView):
    table_class = AccountTable
    filterset_class = AccountFilter
    selector = selectors.account_list
    template_name = "accounts/account_list.html"
    title = gettext_lazy("Accounts")
    count_text = ngettext_lazy("%(number)s account", "%(number)s accounts", "count")



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
        try:
            self.object = services.account_create(actor=self.request.user, **form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The account %(name)s was created.") % {"name": self.object.name})
        return redirect(self.object)


class AccountUpdateView(AccountFormMixin, UpdateView):
    def get_object(self, queryset=None):
        account = selectors.account_get(user=self.request.user, pk=self.kwargs["pk"])
        permissions.require(permissions.can_change(self.request.user, account))
        return account

    def form_valid(self, form):
        # The form has already written its values onto self.object; the service gets the record as stored.
        stored = selectors.account_get(user=self.request.user, pk=self.object.pk)
        try:
            self.object = services.account_update(account=stored, actor=self.request.user, **changed_form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The account %(name)s was saved.") % {"name": self.object.name})
        return redirect(self.object)


def _contacts_panel_context(request, account, page):
    user = request.user
    return {
        "account": account,
        "contacts": selectors.account_contacts_page(user=user, account=account, page=page),
        "can_change": permissions.can_change(user, account),
        "can_add_contact": permissions.can_add(user, Contact),
    }


class AccountDetailView(TemplateView):
    """The account's Summary tab; an htmx request for another page of contacts gets the Contacts panel only."""

    template_name = "accounts/account_detail.html"

    def get(self, request, *args, **kwargs):
        account = selectors.account_get(user=request.user, pk=kwargs["pk"])
        page = request.GET.get("contacts_page", 1)
        if request.htmx and request.htmx.target == "contacts-panel":
            return render(request, CONTACTS_PANEL, _contacts_panel_context(request, account, page))
        user = request.user
        context = {
            "account": account,
            **selectors.account_summary(user=user, account=account, contacts_page=page),
            "can_change": permissions.can_change(user, account),
            "can_delete": permissions.can_delete(user, account),
            "can_reassign": permissions.can_reassign(user, account),
            "can_add_contact": permissions.can_add(user, Contact),
            "can_add_opportunity": permissions.can_add(user, Opportunity),
            "can_add_invoice": permissions.can_add(user, Invoice),
            "filter_name": "account",
            "record": account,
        }
        return self.render_to_response(context)


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
        return list(found.order_by("last_name", "first_name", "pk")[: self.max_results])

    def render_page(self, form, status=200):
        query = query_text(self.request.GET, "q") or query_text(self.request.POST, "q")
        context = {"account": self.account, "form": form, "q": query, "results": self.search(query)}
        template = self.template_name
        if self.request.htmx and self.request.method == "GET":
            template = f"{self.template_name}#results"
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
            return self.render_page(form, status=400)
        messages.success(
            request,
            _("%(contact)s was added to the account %(account)s.")
            % {"contact": contact.full_name, "account": self.account.name},
        )
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
