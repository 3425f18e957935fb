import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import RecordFilter
from invoices.models import Invoice, InvoiceState


class InvoiceFilter(RecordFilter):
    search_fields = ("invoice_number", "name", "account__name", "contact__last_name")

    state = django_filters.ChoiceFilter(choices=InvoiceState.choices, label=_("Status"), empty_label=_("All"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )
    account = django_filters.NumberFilter(field_name="account_id", widget=forms.HiddenInput)
    contact = django_filters.NumberFilter(field_name="contact_id", widget=forms.HiddenInput)

    class Meta:
        model = Invoice
        fields = ["q", "scope", "state", "overdue", "account", "contact"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"state": InvoiceState.ACTIVE, "due_date__lt": timezone.localdate()}
        if value is True:
            return queryset.filter(**overdue)
        if value is False:
            return queryset.exclude(**overdue)
        return queryset
