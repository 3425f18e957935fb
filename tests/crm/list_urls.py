"""A test-only account list built on RecordListView, answering with the page's names (no template needed)."""

import django_tables2 as tables
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from accounts.filters import AccountFilter
from accounts.models import Account
from accounts.selectors import account_list
from crm.tables import RecordTable
from crm.views import RecordListView


class AccountNames(RecordTable):
    name = tables.Column()

    class Meta(RecordTable.Meta):
        model = Account
        fields = ["name"]


class AccountNamesView(RecordListView):
    table_class = AccountNames
    filterset_class = AccountFilter
    selector = account_list
    table_pagination = {"per_page": 10}

    def render_to_response(self, context, **response_kwargs):
        table = context["table"]
        lines = [f"page={table.page.number}/{table.paginator.num_pages} count={table.paginator.count}"]
        lines += [row.record.name for row in table.page.object_list]
        response = HttpResponse("\n".join(lines), content_type="text/plain")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_indexscan")
                response["X-Index-Scan"] = cursor.fetchone()[0]
        return response


urlpatterns = [path("accounts/", AccountNamesView.as_view(), name="account-names")]
