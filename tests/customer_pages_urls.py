"""The project's URLs for the opportunity and invoice view tests, with stand-in customer pages when needed.

The opportunity and invoice pages link to ``accounts:detail`` and ``contacts:detail``, the site map to
their lists. Until those pages are routed (they are built alongside), the tests route them to a stand-in
view; once the real routes exist this module is the project's URL configuration unchanged.
"""

from django.http import HttpResponse
from django.urls import include, path

import accounts.urls
import contacts.urls
from crm import urls as project_urls


def _routes(module):
    return {getattr(pattern, "name", None) for pattern in module.urlpatterns}


def _stand_in(request, pk=None):
    return HttpResponse(f"{request.resolver_match.namespace} {pk or ''}")


def _customer_urls(module, app_name):
    if {"list", "detail"} <= _routes(module):
        return include(module)
    return include(([path("", _stand_in, name="list"), path("<int:pk>/", _stand_in, name="detail")], app_name))


urlpatterns = [
    pattern
    for pattern in project_urls.urlpatterns
    if getattr(pattern, "namespace", None) not in {"accounts", "contacts"}
] + [
    path("accounts/", _customer_urls(accounts.urls, "accounts")),
    path("contacts/", _customer_urls(contacts.urls, "contacts")),
]
