"""The timeline panel shared by the account and contact pages."""

from django.core.paginator import Paginator
from django.shortcuts import render

from crm.history.forms import TimelineFilterForm
from crm.history.selectors import timeline

PAGE_SIZE = 20


def render_timeline(request, *, record, panel_id, **scope):
    """Render the timeline of ``record`` (an account or a contact): the panel alone for htmx, else a page."""
    form = TimelineFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    events = timeline(user=request.user, kind=kind, **scope)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "history/timeline.html"
    context = {
        "record": record,
        "form": form,
        "kind": kind,
        "page_obj": page,
        "panel_id": panel_id,
        "panel_url": request.path,
    }
    return render(request, f"{template}#panel" if request.htmx else template, context)
