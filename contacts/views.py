"""Contact pages: list, create (optionally on an account), edit, the Summary tab, and the record commands."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, UpdateView

from contacts import selectors, services
from contacts.filters import ContactFilter
from contacts.forms import ContactForm
from contacts.lists import CONTACTS
from contacts.models import Contact
from contacts.tables import ContactTable
from crm import permissions
from crm.duplicates.views import duplicates_context, found_duplicates
from crm.params import query_number
from crm.record_forms import changed_form_data
from crm.record_pages import RecordPageView, details_tab_sections, panel_switches
from crm.record_views import (
    RecordDeleteView,
    RecordReassignView,
    RecordSetStatusView,
    add_service_error,
    after_save,
    form_data,
    safe_next_url,
)
from crm.views import RecordListView
from invoices.models import Invoice
from opportunities.models import Opportunity
from opportunities.related import sales_lists


class ContactListView(RecordListView):
    table_class = ContactTable
    filterset_class = ContactFilter
    selector = selectors.contact_list
    template_name = "contacts/contact_list.html"
    title = gettext_lazy("Contacts")
    list_key = "contacts"
    count_text = CONTACTS.count_text


class ContactFormMixin:
    form_class = ContactForm
    template_name = "contacts/contact_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next_url(self.request, ""), **kwargs)

    def saved(self, contact, message):
        messages.success(self.request, message % {"name": contact.full_name})
        return after_save(self.request, contact, safe_next_url(self.request, contact.get_absolute_url()))


class ContactCreateView(ContactFormMixin, CreateView):
    """New contact; ``?account=<pk>`` presets the account and ``?next=`` says where to go back on save."""

    def dispatch(self, request, *args, **kwargs):
        permissions.require(permissions.can_add(request.user, Contact))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if account := query_number(self.request.GET, "account"):
            initial["account"] = account
        return initial

    def form_valid(self, form):
        if duplicates := found_duplicates(self.request, form):
            return self.render_to_response(self.get_context_data(form=form, **duplicates_context(duplicates, form)))
        try:
            self.object = services.contact_create(actor=self.request.user, **form_data(form))
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        return self.saved(self.object, _("The contact %(name)s was created."))


class ContactUpdateView(ContactFormMixin, UpdateView):
    def get_object(self, queryset=None):
        contact = selectors.contact_get(user=self.request.user, pk=self.kwargs["pk"])
        permissions.require(permissions.can_change(self.request.user, contact))
        return contact

    def form_valid(self, form):
        if duplicates := found_duplicates(self.request, form):
            return self.render_to_response(self.get_context_data(form=form, **duplicates_context(duplicates, form)))
        # The form has already written its values onto self.object; the service must see the stored account
        # to apply the one-account rule.
        stored = selectors.contact_get(user=self.request.user, pk=self.object.pk)
        try:
            self.object = services.contact_update(contact=stored, actor=self.request.user, **changed_form_data(form))
        except ValidationError as error:
            add_service_error(form, error, field="account")
            return self.form_invalid(form)
        return self.saved(self.object, _("The contact %(name)s was saved."))


class ContactDetailView(RecordPageView):
    """The contact's record page: Summary (its fields, change history and the customer panel), Details, Related."""

    template_name = "contacts/contact_detail.html"
    selector = selectors.contact_get
    url_namespace = "contacts"
    record_name = "contact"
    detail_sections = details_tab_sections(ContactForm, ["status"])

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.tab == "summary" and request.htmx and request.htmx.target == "customer-panel":
            response.template_name = "includes/panels/customer_panel.html"
        return response

    def summary_context(self, contact):
        user = self.request.user
        summary = selectors.contact_summary(user=user, contact=contact)
        opportunities, invoices = summary["opportunities"], summary["invoices"]
        switches, panel = panel_switches(
            [
                ("opportunities", _("Recent Opportunities"), opportunities["count"] if opportunities else None),
                ("invoices", _("Recent Invoices"), invoices["count"] if invoices else None),
            ],
            self.request.GET.get("panel"),
        )
        return {
            **summary,
            "panel_switches": switches,
            "panel": panel,
            "can_add_opportunity": permissions.can_add(user, Opportunity),
            "can_add_invoice": permissions.can_add(user, Invoice),
            "filter_name": "contact",
        }

    def related_lists(self, contact):
        return sales_lists(user=self.request.user, contact=contact)

    def timeline_url(self, contact):
        return reverse("contacts:timeline", args=[contact.pk])


class ContactSetStatusView(RecordSetStatusView):
    selector = selectors.contact_get

    def set_status(self, record, status):
        services.contact_set_status(contact=record, status=status, actor=self.request.user)


class ContactReassignView(RecordReassignView):
    selector = selectors.contact_get

    def reassign(self, record, owner):
        services.contact_reassign(contact=record, owner=owner, actor=self.request.user)


class ContactDeleteView(RecordDeleteView):
    selector = selectors.contact_get
    list_url_name = "contacts:list"

    def delete(self, record):
        services.contact_delete(contact=record, actor=self.request.user)
