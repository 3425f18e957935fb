"""Base views shared by the four sales areas."""

from django.shortcuts import redirect
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm.db_router import replica_reads
from crm.pagination import BoundedPaginator


def home(request):
    """Send the user to the first area of the site map."""
    return redirect("accounts:list")


class RecordListView(SingleTableMixin, FilterView):
    """A filtered, sortable, paged list; subclasses set table_class, filterset_class and selector.

    ``selector`` is a function taking ``user=`` and returning the user's scoped queryset.
    """

    selector = None
    template_name = "includes/record_list.html"
    paginate_by = 25
    # Bounded counts and page depth: flat page times on tables of millions of rows.
    paginator_class = BoundedPaginator

    def dispatch(self, request, *args, **kwargs):
        # A list may lag a second behind writes, so its reads may come from the read replica.
        # The template renders inside the block too, since that is where the rows are read.
        with replica_reads():
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def paginate_queryset(self, queryset, page_size):
        """Leave paging to the table (get_table_pagination), so a page is counted once, not twice."""
        return None, None, queryset, False

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_template_names(self):
        if self.request.htmx:
            return [f"{self.template_name}#results"]
        return [self.template_name]
