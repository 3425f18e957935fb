"""The opportunities list."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm.tables import DateColumn, MoneyColumn, OwnerColumn, RecordTable, choice_label, sorted_by
from opportunities.models import Opportunity


def render_customer(record):
    """Link the record's account and contact, the account first."""
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        ((customer.get_absolute_url(), customer) for customer in (record.account, record.contact) if customer),
    )


class OpportunityTable(RecordTable):
    topic = tables.Column(verbose_name=_("Topic"), linkify=True, order_by=sorted_by("topic"))
    # Sorting by the account's or contact's name would order by joined tables (see OwnerColumn);
    # the customer's page lists its opportunities.
    customer = tables.Column(verbose_name=_("Customer"), empty_values=(), orderable=False)
    estimated_revenue = MoneyColumn(verbose_name=_("Estimated revenue"), order_by=sorted_by("estimated_revenue"))
    estimated_close_date = DateColumn(
        verbose_name=_("Estimated close date"), order_by=sorted_by("estimated_close_date")
    )
    probability = tables.Column(
        verbose_name=_("Probability"), attrs={"td": {"class": "number"}}, order_by=sorted_by("probability")
    )
    # The Sales stage and Status filters show one stage or status; a sort would only group them.
    sales_stage = tables.Column(verbose_name=_("Sales stage"), orderable=False)
    state = tables.Column(verbose_name=_("Status"), orderable=False)
    owner = OwnerColumn(verbose_name=_("Owner"))

    class Meta(RecordTable.Meta):
        model = Opportunity
        fields = (
            "topic",
            "customer",
            "estimated_revenue",
            "estimated_close_date",
            "probability",
            "sales_stage",
            "state",
            "owner",
        )

    def render_customer(self, record):
        return render_customer(record)

    def render_probability(self, value):
        return f"{value} %"

    def render_state(self, value, record):
        return format_html(
            '<span class="badge {}">{}</span> {}', record.state, value, choice_label(record, "status_reason")
        )
