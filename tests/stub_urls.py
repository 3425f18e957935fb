"""The site's URLs plus stand-ins for the list and detail pages other branches build.

The figures and timelines link to ``opportunities:list``, ``invoices:list`` and
each record's ``<app>:detail``. Until those pages exist on this branch, tests
use this URLconf (see ``use_stub_urls_when_pages_are_missing``); once they exist
the real URLconf is used and this module can go.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import NoReverseMatch, include, path, reverse

import accounts.urls
import contacts.urls
import invoices.urls
import opportunities.urls
from crm.urls import urlpatterns as site_urlpatterns

NEEDED = {
    accounts.urls: ["list", "detail"],
    contacts.urls: ["list", "detail"],
    opportunities.urls: ["list", "detail"],
    invoices.urls: ["list", "detail"],
}


def stand_in(request, pk=None):
    return HttpResponse(f"{request.resolver_match.view_name} {pk or ''}")


# A bare account or contact Summary: its title and the one include line the real page carries.
SUMMARY = """{% extends "base.html" %}{% block content %}<h1>{{ record }}</h1>
{% include review with account=record contact=record %}{% endblock %}"""


def summary_stand_in(model_path, review):
    def view(request, pk):
        from django.apps import apps

        record = get_object_or_404(apps.get_model(model_path), pk=pk)
        template = engines["django"].from_string(SUMMARY)
        return HttpResponse(template.render({"record": record, "review": review}, request))

    return view


SUMMARIES = {
    ("accounts", "detail"): summary_stand_in("accounts.Account", "includes/account_review.html"),
    ("contacts", "detail"): summary_stand_in("contacts.Contact", "includes/contact_review.html"),
}


def _with_stand_ins(module, names):
    present = {getattr(pattern, "name", None) for pattern in module.urlpatterns}
    extra = []
    for name in names:
        if name in present:
            continue
        route = "" if name == "list" else "<int:pk>/"
        extra.append(path(route, SUMMARIES.get((module.app_name, name), stand_in), name=name))
    return (list(module.urlpatterns) + extra, module.app_name)


def missing_pages():
    missing = []
    for module, names in NEEDED.items():
        for name in names:
            try:
                reverse(f"{module.app_name}:{name}", args=[] if name == "list" else [1])
            except NoReverseMatch:
                missing.append(f"{module.app_name}:{name}")
    return missing


_prefixes = {"accounts/": accounts.urls, "contacts/": contacts.urls, "opportunities/": opportunities.urls,
             "invoices/": invoices.urls}

urlpatterns = [
    *(path(prefix, include(_with_stand_ins(module, NEEDED[module]))) for prefix, module in _prefixes.items()),
    *(pattern for pattern in site_urlpatterns if str(getattr(pattern, "pattern", "")) not in _prefixes),
]
