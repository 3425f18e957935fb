import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_family_ids
from crm.currencies import CURRENCY_CHOICES
from crm.filters import RecordFilter, RecordNumberFilter, YesNoFilter
from crm.lists import SystemView
from invoices.models import Invoice, InvoiceState


class InvoiceFilter(RecordFilter):
    search_fields = ("invoice_number", "name", "account__name", "contact__last_name")

    state = django_filters.ChoiceFilter(choices=InvoiceState.choices, label=_("Status"), empty_label=_("All"))
    overdue = YesNoFilter(method="filter_overdue", label=_("Overdue"))
    account = RecordNumberFilter(field_name="account_id")
    contact = RecordNumberFilter(field_name="contact_id")
    # Used by the links of the summary figures and the dashboard.
    currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES, label=_("Currency"), empty_label=_("All"))
    invoiced_this_year = YesNoFilter(
        method="filter_invoiced_this_year", label=_("Invoiced this year")
    )
    paid_this_year = YesNoFilter(method="filter_paid_this_year", label=_("Paid this year"))
    account_tree = RecordNumberFilter(method="filter_account_tree")
    owner = RecordNumberFilter(field_name="owner_id")

    system_views = (
        SystemView("all", _("All Invoices")),
        SystemView(
            "my_active", _("My Active Invoices"), {"scope": "mine", "state": InvoiceState.ACTIVE}, sort="due_date"
        ),
        SystemView("active", _("Active Invoices"), {"state": InvoiceState.ACTIVE}, sort="due_date"),
        SystemView("overdue", _("Overdue Invoices"), {"overdue": "true"}, sort="due_date"),
        SystemView("paid", _("Paid Invoices"), {"state": InvoiceState.PAID}),
        SystemView("canceled", _("Canceled Invoices"), {"state": InvoiceState.CANCELED}),
    )
    default_view = "all"

    class Meta:
        model = Invoice
        fields = [
            "q", "scope", "state", "overdue", "currency", "invoiced_this_year", "paid_this_year",
            "account", "contact", "account_tree", "owner",
        ]

    def filter_invoiced_this_year(self, queryset, name, value):
        # Canceled invoices were not invoiced.
        invoiced = Q(invoice_date__year=timezone.localdate().year) & ~Q(state=InvoiceState.CANCELED)
        if value is True:
            return queryset.filter(invoiced)
        if value is False:
            return queryset.exclude(invoiced)
        return queryset

    def filter_paid_this_year(self, queryset, name, value):
        paid = Q(state=InvoiceState.PAID, paid_date__year=timezone.localdate().year)
        if value is True:
            return queryset.filter(paid)
        if value is False:
            return queryset.exclude(paid)
        return queryset

    def filter_account_tree(self, queryset, name, value):
        return queryset.filter(account_id__in=account_family_ids(int(value)))

    def filter_overdue(self, queryset, name, value):
        overdue = {"state": InvoiceState.ACTIVE, "due_date__lt": timezone.localdate()}
        if value is True:
            return queryset.filter(**overdue)
        if value is False:
            return queryset.exclude(**overdue)
        return queryset
