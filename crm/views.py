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
    # The table pages itself (RecordTable.Meta.per_page); paging the ListView too would count the rows twice.
    paginate_by = None

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
