"""CSRF on every POST (htmx ones included), ``next`` that never leaves the site, and forms that write only their fields.

Like the role matrix, the URLs and forms come from the URL conf and the site's pages
(tests/security/site.py), so a new form is checked without a line here.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from contacts.models import Contact
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.factories import AdministratorFactory, SalespersonFactory
from tests.security.site import (
    body,
    make_records,
    post_routes_and_fields,
    recording_reads,
    routes,
    send,
    url_arguments,
    url_for,
)

pytestmark = pytest.mark.django_db

EVIL = ["//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "https:evil.com", " //evil.com",
        "javascript:alert(1)", "http://testserver@evil.com"]
# Attributes a browser follows or submits to.
FOLLOWED = re.compile(r'(?:href|action|formaction|hx-get|hx-post|hx-push-url)="([^"]*)"')
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def off_site(url: str) -> bool:
    """True when a browser would leave the site (or run script) following ``url``."""
    url = url.strip().replace("\\", "/")
    parts = urlsplit(url)
    return parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver") or url.startswith("//")


def followed_off_site(response) -> list[str]:
    """The Location and the followed attributes of ``response`` that leave the site."""
    found = [response["Location"]] if response.has_header("Location") and off_site(response["Location"]) else []
    if "html" in response.get("Content-Type", ""):
        found += [url for url in FOLLOWED.findall(response.content.decode()) if "evil" in url or "javascript:" in url]
    return found


@pytest.fixture
def administrator_records():
    user = AdministratorFactory(username="csrf.admin")
    return user, make_records(user)


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_every_post_without_the_csrf_token_is_refused(administrator_records):
    user, records = administrator_records
    client = signed_in(user, enforce_csrf_checks=True)
    accepted = []
    for route in routes():
        url = url_for(route, url_arguments(route, records))
        for headers in ({}, {"HX-Request": "true"}):
            response = send(client, "POST", url, {}, headers=headers)
            if response.status_code != 403:
                accepted.append(f"{route.label} {url} {headers}: {response.status_code}")
    assert not accepted, "POST without a CSRF token not refused:\n" + "\n".join(accepted)


def test_htmx_posts_carry_the_pages_token_and_go_through(administrator_records):
    """With the token of <body hx-headers> in X-CSRFToken, as htmx sends it, every POST answers as unchecked."""
    user, records = administrator_records
    client, unchecked = signed_in(user, enforce_csrf_checks=True), signed_in(user)
    token = TOKEN.search(client.get(records.account.get_absolute_url()).content.decode()).group(1)
    differ = []
    for route in routes():
        url = url_for(route, url_arguments(route, records))
        expected = send(unchecked, "POST", url, {}, headers={"HX-Request": "true"}).status_code
        got = send(client, "POST", url, {}, headers={"HX-Request": "true", "X-CSRFToken": token}).status_code
        if got != expected:
            differ.append(f"{route.label} {url}: {got}, not {expected}")
    assert not differ, "POST with the page's token answered differently:\n" + "\n".join(differ)
    # The one htmx form of the site: removing a contact from an account answers the refreshed panel.
    url = reverse("accounts:contact_remove", args=[records.account.pk, records.contact.pk])
    response = client.post(url, {"version": records.contact.version}, headers={"HX-Request": "true",
                                                                               "X-CSRFToken": token})
    assert response.status_code == 200 and b"contacts-panel" in response.content


@pytest.mark.parametrize("next_url", EVIL)
def test_signing_in_never_leaves_the_site(client, next_url):
    user = SalespersonFactory(username="ana.salesperson")
    page = send(client, "GET", f"{reverse('login')}?next={next_url}")
    assert not followed_off_site(page)
    response = send(client, "POST", reverse("login"), {"username": user.username, "password": "pass-for-tests-1",
                                                       "next": next_url})
    assert response.status_code == 302 and not off_site(response["Location"]), response.get("Location")


@pytest.mark.parametrize("next_url", EVIL)
def test_changing_the_language_never_leaves_the_site(client, next_url):
    for data in ({"language": "ro", "next": next_url}, {"language": "en"}):
        response = send(client, "POST", reverse("set_language"), data, headers={"Referer": next_url})
        assert not followed_off_site(response), response.get("Location")
    response = send(client, "GET", f"{reverse('set_language')}?next={next_url}")
    assert not followed_off_site(response)


def test_no_view_that_reads_next_sends_off_site(administrator_records):
    """Every URL that reads ``next`` (found by asking it), with GET and with its form posted, stays on the site."""
    user, records = administrator_records
    client = signed_in(user)
    left, checked = [], set()
    for route, (action, fields) in post_routes_and_fields(client, records).items():
        url = url_for(route, url_arguments(route, records))
        data, extra = body(fields, {})
        with recording_reads() as read:
            send(client, "GET", url)
            send(client, "POST", action, data, **extra)
        if "next" not in read:
            continue
        checked.add(route.name)
        for next_url in EVIL:
            response = send(client, "GET", f"{url}?next={next_url}")
            left += [f"GET {route.label} next={next_url!r}: {found}" for found in followed_off_site(response)]
            data, extra = body(fields, {"next": next_url})
            response = send(client, "POST", f"{action}?next={next_url}", data, **extra)
            left += [f"POST {route.label} next={next_url!r}: {found}" for found in followed_off_site(response)]
    assert not left, "\n".join(left)
    # The pages known to read it were found to.
    assert {"login", "contacts:create", "contacts:edit", "opportunities:create", "invoices:create"} <= checked


# Fields no user-facing form has; posted, they must change nothing.
def extra_fields(intruder):
    return {
        "owner": intruder.pk, "created_by": intruder.pk, "modified_by": intruder.pk, "id": 999999, "pk": 999999,
        "version": 99, "created_at": "2000-01-01 00:00", "status": "inactive", "state": "paid",
        "is_superuser": "on", "is_staff": "on", "user": intruder.pk, "actual_revenue": "1", "paid_date": "2000-01-01",
        "total_amount": "1", "invoice_number_seq": "1",
    }


SAVED_BY_FORM = {"accounts:create", "accounts:edit", "contacts:create", "contacts:edit", "opportunities:create",
                 "opportunities:edit", "invoices:create", "invoices:edit"}


def test_forms_write_only_their_own_fields(client):
    """Each form of the site, posted by a salesperson with its page's values plus fields it does not have."""
    salesperson = SalespersonFactory(username="ana.salesperson")
    intruder = SalespersonFactory(username="intruder")
    records = make_records(salesperson)
    client.force_login(salesperson)
    wrote, unsaved = [], []
    for route, (action, fields) in post_routes_and_fields(client, records).items():
        names = {name for name, _value, _kind in fields}
        extras = {name: value for name, value in extra_fields(intruder).items() if name not in names}
        data, extra = body(fields, extras)
        with transaction.atomic():
            response = client.post(action, data, **extra)
            if route.name in SAVED_BY_FORM and response.status_code != 302:
                unsaved.append(f"{route.name} ({response.status_code})")
            salesperson.refresh_from_db()
            if salesperson.is_superuser or salesperson.is_staff:
                wrote.append(f"{route.name}: the user became staff")
            for model in (Account, Contact, Opportunity, Invoice):
                rows = model.objects.all()
                if rows.filter(created_by=intruder).exists() or rows.filter(modified_by=intruder).exists():
                    wrote.append(f"{route.name}: a {model.__name__} written as the intruder")
                if not route.name.endswith(":reassign") and rows.filter(owner=intruder).exists():
                    wrote.append(f"{route.name}: a {model.__name__} given to the intruder")
                if rows.filter(pk=999999).exists() or rows.filter(version=99).exists():
                    wrote.append(f"{route.name}: a {model.__name__} numbered or versioned from the post")
            transaction.set_rollback(True)
    assert not wrote, "\n".join(wrote)
    # Otherwise the test above proves nothing for these forms.
    assert not unsaved, "These forms did not save with their page's values: " + ", ".join(unsaved)
