"""The global search's page: every kind's first matches, or (htmx) the dropdown under the top bar's box."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, RESULTS_PER_KIND, clean_query, is_searchable, search


@require_GET
def results(request):
    """Search every kind the user may read for ``q``: the full page, or the dropdown's partial for htmx."""
    query = clean_query(request.GET.get("q", ""))
    groups = search(user=request.user, query=query)
    context = {
        "query": query,
        # The top bar's box keeps the query on its results page.
        "search_query": query,
        "groups": groups,
        "too_short": bool(query) and not is_searchable(query),
        "min_length": MIN_QUERY_LENGTH,
        "max_length": MAX_QUERY_LENGTH,
        "per_kind": RESULTS_PER_KIND,
    }
    template = "search/_dropdown.html" if request.htmx else "search/results.html"
    return render(request, template, context)
