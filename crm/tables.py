"""The house table: every list in the CRM derives from RecordTable."""

import django_tables2 as tables
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


class RecordTable(tables.Table):
    """Sortable columns, the house CSS classes and a clear empty text."""

    class Meta:
        attrs = {"class": "table"}
        per_page = 25
        empty_text = _("No records match.")
        template_name = "django_tables2/table.html"


class MoneyColumn(tables.Column):
    """An amount right-aligned with its currency beside it."""

    def __init__(self, *args, currency_accessor="currency", **kwargs):
        self.currency_accessor = currency_accessor
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        currency = tables.A(self.currency_accessor).resolve(record)
        return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


class OwnerColumn(tables.Column):
    """A user shown by full name (the list's selector joins the user)."""

    def render(self, value):
        return value.get_full_name() or value.get_username()
