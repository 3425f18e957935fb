"""The record page's Details and Related tabs, shared by the four kinds of record.

Each area's view names its selector, the fields its Details tab lists and the related lists its Related
tab shows; the Summary tab stays each area's own page. The tabs are plain links (one page each), so they
work without JavaScript and each page runs only the queries of what it shows.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from crm import permissions
from crm.models import MoneyField
from crm.params import query_text, record_number

EMPTY = "—"
# Rows per page of each list on the Related tab.
RELATED_PAGE_SIZE = 25


def display_value(record, field):
    """One field's value as the page shows it: choice labels, people's full names, localised dates and amounts."""
    value = getattr(record, field.name)
    if value is None or value == "":
        return EMPTY, None
    if field.choices:
        return getattr(record, f"get_{field.name}_display")(), None
    if isinstance(field, models.ForeignKey):
        if isinstance(value, get_user_model()):
            return value.get_full_name() or value.get_username(), None
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else None
        return str(value), url
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"), None
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT"), None
    if isinstance(value, bool):
        return formats.localize(value), None
    if isinstance(field, MoneyField) or isinstance(value, Decimal):
        text = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
        currency = getattr(record, "currency", "") if isinstance(field, MoneyField) else ""
        return f"{text} {currency}".strip(), None
    if isinstance(value, int):
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True), None
    return str(value), None


def field_rows(record, names):
    """[{label, value, url}] for the named fields of the record, in that order."""
    rows = []
    for name in names:
        field = record._meta.get_field(name)
        value, url = display_value(record, field)
        rows.append({"name": name, "label": capfirst(field.verbose_name), "value": value, "url": url})
    return rows


def related_tables(request, lists):
    """Configure each related list's table for this request: its own page and sort parameters (by prefix)."""
    tables = []
    for key, title, table_class, queryset in lists:
        table = table_class(queryset, prefix=f"{key}-")
        # Each list's scroll region is named after it: a page of several lists has no two alike.
        table.region_label = _("%(list)s: the rows") % {"list": title}
        # The sort and page come from the request, checked; the page size is ours (no per_page parameter).
        if sort := query_text(request.GET, table.prefixed_order_by_field):
            table.order_by = sort
        page = record_number(request.GET.get(table.prefixed_page_field)) or 1
        try:
            table.paginate(page=page, per_page=RELATED_PAGE_SIZE)
        except EmptyPage:
            table.paginate(page=table.paginator.num_pages, per_page=RELATED_PAGE_SIZE)
        tables.append({"key": key, "title": title, "table": table})
    return tables


class RecordPageView(TemplateView):
    """One tab of a record page: the Summary (the area's own panels), Details (every field) or Related (full lists).

    An area subclasses it naming its selector, URL namespace and the record's context name, and fills the
    hooks; ``tab`` is set in the URL conf: ``AccountPageView.as_view(tab="details")``.
    """

    selector = None
    url_namespace = ""
    record_name = "record"
    detail_sections = ()
    tab = "summary"

    def get_record(self):
        return type(self).selector(user=self.request.user, pk=self.kwargs["pk"])

    def command_context(self, record) -> dict:
        """The permissions the header's command bar asks; an area adds its own commands' to these."""
        user = self.request.user
        return {
            "can_add": permissions.can_add(user, type(record)),
            "can_change": permissions.can_change(user, record),
            "can_delete": permissions.can_delete(user, record),
            "can_reassign": permissions.can_reassign(user, record),
        }

    def summary_context(self, record) -> dict:
        return {}

    def related_lists(self, record) -> list:
        """(key, title, table class, queryset) for each full list on the Related tab."""
        return []

    def timeline_url(self, record):
        return None

    def tab_urls(self, record) -> dict:
        return tab_urls(self.url_namespace, record)

    def page_context(self, record) -> dict:
        context = {
            self.record_name: record,
            "record": record,
            "tab": self.tab,
            "tab_urls": self.tab_urls(record),
            **self.command_context(record),
            # A record merged into another (crm.duplicates) says so, with a link to it.
            "merged_into": (
                type(record)._base_manager.filter(pk=record.merged_into_id).first()
                if getattr(record, "merged_into_id", None)
                else None
            ),
        }
        if self.tab == "details":
            context["detail_sections"] = [
                {"title": title, "rows": field_rows(record, names)} for title, names in self.detail_sections
            ]
        elif self.tab == "related":
            context["related_lists"] = related_tables(self.request, self.related_lists(record))
            context["timeline_url"] = self.timeline_url(record)
            context["timeline_id"] = f"{self.record_name}-timeline"
        else:
            context.update(self.summary_context(record))
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.page_context(self.get_record()))


TAB_URL_NAMES = {"summary": "detail", "details": "details", "related": "related"}


def tab_urls(namespace, record) -> dict:
    """{tab: URL} of the record page's three tabs, in the area's URL namespace."""
    return {tab: reverse(f"{namespace}:{name}", args=[record.pk]) for tab, name in TAB_URL_NAMES.items()}


# The Details tab's last section on every record: who owns it and who changed it when.
RECORD_HISTORY_FIELDS = ["owner", "created_at", "created_by", "modified_at", "modified_by"]


def details_tab_sections(form_class, status_fields=()):
    """The Details tab's sections: the record form's own (RecordFormMixin.sections), then the fields no form
    edits, the record's status and who owns it and changed it when."""
    return (
        *form_class.sections,
        (gettext_lazy("Status and history"), [*status_fields, *RECORD_HISTORY_FIELDS]),
    )


def panel_switches(options, current):
    """The Summary's customer panel switches: ``options`` is [(key, label, count)], None for what the user may not
    read (left out); the current one is ``current`` when offered, else the first. Returns (switches, current key)."""
    switches = [{"key": key, "label": label, "count": count} for key, label, count in options if count is not None]
    keys = [switch["key"] for switch in switches]
    current = current if current in keys else (keys[0] if keys else None)
    for switch in switches:
        switch["current"] = switch["key"] == current
    return switches, current
