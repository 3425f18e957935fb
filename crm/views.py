"""Base views shared by the four sales areas."""

from django.shortcuts import redirect
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin


def home(request):
    """Send the user to the first area of the site map."""
    return redirect("accounts:list")


class RecordListView(SingleTableMixin, FilterView):
    """A filtered, sortable, paged list; subclasses set table_class, filterset_class and selector.

    ``selector`` is a function taking ``user=`` and returning the user's scoped queryset.
    """

    selector = None
    template_name = "includes/record_list.html"
    # Partials are looked up in the template that defines them, not in templates extending it.
    partial_template_name = "includes/record_list.html#results"
    # The table pages the rows; ListView's own paging would count them a second time.
    table_pagination = {"per_page": 25}

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_template_names(self):
        if self.request.htmx:
            return [self.partial_template_name]
        return [self.template_name]
