"""Base views shared by the four sales areas."""

from contextlib import ExitStack, contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connections, router, transaction
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm import lists, permissions
from crm.db_router import replica_reads
from crm.lists.bulk import bulk_actions
from crm.lists.state import resolve
from crm.pagination import BoundedPaginator
from crm.params import query_text


def home(request):
    """Send the user to the first area of the site map."""
    return redirect("accounts:list")


@login_not_required
def favicon(request):
    """Send a browser's request for /favicon.ico to the icon among the static files."""
    return redirect(static("favicon.ico"))


@contextmanager
def sort_found_rows(model):
    """On PostgreSQL, read a search page's few found rows by id and sort them, never by walking a sorted index.

    The search keeps at most a thousand ids (crm.filters.RecordFilter.search). Given
    ``ORDER BY name LIMIT 25`` the planner may instead walk the whole name index
    looking for those ids, which reads half the table when they cluster in that order
    (every "Popescu" sits in one place of the alphabet). Plain index scans are turned
    off for this request's transaction only; bitmap scans by id remain.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_indexscan'), set_config('enable_indexscan', 'off', true)")
            previous = cursor.fetchone()[0]
        yield
        # Put it back at once: inside an outer transaction (tests) SET LOCAL would outlive this block.
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [previous])


class RecordListView(SingleTableMixin, FilterView):
    """A filtered, sortable, paged list; subclasses set table_class, filterset_class and selector.

    ``selector`` is a function taking ``user=`` and returning the user's scoped queryset.
    ``list_key`` names the list as its app registered it in crm.lists (its system views, the
    user's saved views, chosen columns and bulk actions on the selected rows); without one the
    list has none of those.
    """

    selector = None
    list_key = None
    title = None
    # The result count above the table: "%(number)s" is the count as the language writes it.
    count_text = ngettext_lazy("%(number)s record", "%(number)s records", "count")
    template_name = "includes/record_list.html"
    # Partials are looked up in the template that defines them, not in templates extending it.
    partial_template_name = "includes/record_list.html#results"
    # The table pages the rows; ListView's own paging would count them a second time.
    table_pagination = {"per_page": 25}
    # Bounded counts and page depth: flat page times on tables of millions of rows.
    paginator_class = BoundedPaginator

    def dispatch(self, request, *args, **kwargs):
        # A list may lag a second behind writes, so its reads may come from the read replica.
        # The template renders inside the blocks too, since that is where the rows are read.
        with replica_reads(), ExitStack() as stack:
            if query_text(request.GET, "q") and self.filterset_class is not None:
                stack.enter_context(sort_found_rows(self.filterset_class._meta.model))
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def get(self, request, *args, **kwargs):
        self.list_state = None
        if self.list_key is not None:
            self.list_state = resolve(lists.get_list(self.list_key), user=request.user, params=request.GET)
            if self.list_state.warning:
                messages.warning(request, self.list_state.warning)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # The table renders a selection checkbox per row (form="bulk-selection") when asked to.
        table.selectable = self.list_state is not None
        return table

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        state = self.list_state
        if state is not None:
            if state.sort:
                # The view's sort; a ?sort= chosen on the headers still wins (RequestConfig).
                kwargs["order_by"] = state.sort
            if state.columns:
                kwargs["exclude"] = [name for name, _header in state.record_list.columns() if name not in state.columns]
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["can_add"] = permissions.can_add(self.request.user, self.filterset_class._meta.model)
        context["result_count"] = self.result_count(context["table"])
        state = self.list_state
        if state is not None:
            context["list_state"] = state
            context["list_key"] = self.list_key
            context["bulk_actions"] = bulk_actions(state.record_list, self.request.user)
        return context

    def result_count(self, table):
        """The count above the table ("1,234 accounts"), "about" one estimated and "more than" one capped.

        The paginator counted the rows when it paged the table: no query here.
        """
        paginator = getattr(table, "paginator", None)
        if paginator is None:
            return None
        count = paginator.count
        text = self.count_text % {"count": count, "number": number_format(count, force_grouping=True)}
        if paginator.count_is_estimate:
            return _("about %(count)s") % {"count": text}
        if paginator.count_is_capped:
            return _("more than %(count)s") % {"count": text}
        return text

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        if self.list_state is not None:
            # The view's filters, each replaced by the request's own value of it.
            kwargs["data"] = self.list_state.data or None
        return kwargs

    def get_template_names(self):
        if self.request.htmx:
            return [self.partial_template_name]
        return [self.template_name]
