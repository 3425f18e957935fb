"""The contact summary's Figures and Timeline panels, each served by its own URL and loaded with htmx."""

from django.shortcuts import render

from contacts.selectors import contact_figures, contact_get
from crm.figures import add_links
from crm.history.views import render_timeline


def figures(request, pk):
    """The sales figures over the contact's opportunities and invoices."""
    contact = contact_get(user=request.user, pk=pk)
    lines = add_links(contact_figures(contact=contact, user=request.user), scope={"contact": contact.pk})
    template = "contacts/contact_figures.html"
    return render(request, f"{template}#panel" if request.htmx else template, {"contact": contact, "lines": lines})


def timeline(request, pk):
    """The contact's change history with its opportunities' and invoices'."""
    contact = contact_get(user=request.user, pk=pk)
    return render_timeline(request, record=contact, panel_id="contact-timeline", contact=contact)
