"""Hostile values in every query parameter, path argument and form field of every URL never give a server error.

The URLs come from the URL conf (tests/security/site.py). What each view reads is found by
asking it once with clean input and recording the parameter names it looks up (plus, for
the admin's lists, the admin's own); the forms are the ones the site's pages show, with the
values they were filled in with, plus whatever the view reads from POST. Then each parameter
gets each hostile value:

- GET: one request per value, each parameter with a different value (every parameter meets
  every value once), as a page and as an htmx request;
- the path: record numbers 0 and past a bigint, hostile text in text arguments;
- POST: every field with the same value, one request per value; then, in each field that holds
  a date or a number, one at a time, an extreme value that passes a field's own checks (year 1,
  year 9999, 0, -1, a long number) while the other fields keep the page's values, so that it
  reaches the code behind the form. A create form gets the values of the same area's edit form.

The administrator asks, who may reach every view. Requests are rolled back one by one.
"""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from invoices.forms import MAX_LINES, line_formset
from tests.factories import AccountFactory, AdministratorFactory, SalespersonFactory
from tests.security.site import (
    Raw,
    admin_model,
    body,
    failure,
    get_routes,
    make_records,
    post_routes_and_fields,
    query_string,
    recording_reads,
    routes,
    send,
    url_arguments,
    url_for,
)

pytestmark = pytest.mark.django_db


HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x08\x1b\x7f",
    "x" * 10_000,
    "9" * 400,
    "9999999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "2026-13-45",
    "0001-01-01",
    "99999-01-01",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    Raw("%ff%fe"),
    Raw("%00"),
    Raw("%C0%80"),
]
# The same, less the values that are another of the same kind for a form (NUL, text, bytes that are not UTF-8).
POST_HOSTILE = [value for value in HOSTILE if value not in ("a\x00b", "' OR 1=1 --", "../../etc/passwd", "%00")
                and value not in (Raw("%00"), Raw("%C0%80"))]
# Values that a field's own checks may let through, tried one field at a time in the fields whose value
# (as the page filled it in) is a date or a number: year 1, year 9999, 0, -1, a number past a bigint.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
EXTREME_DATES = ["0001-01-01", "9999-12-31"]
EXTREME_NUMBERS = ["0", "-1", "99999999999999999999"]
LATER_FORMSET_FORM = re.compile(r"-[1-9]\d*-")


def extremes(kind, value):
    if kind == "date" or DATE.fullmatch(value):
        return EXTREME_DATES
    if kind == "number" or NUMBER.fullmatch(value) or (kind == "hidden" and not value):
        return EXTREME_NUMBERS
    return []


# Path arguments: a record number that names nothing, one past PostgreSQL's bigint, far past it.
BAD_NUMBERS = ["0", str(2**63), "9999999999999999999999"]
BAD_TEXT = ["\x00", "..", "<script>", "x" * 300, "%ff"]
# The admin lists read their parameters by iterating over them: its own, and each list filter's.
ADMIN_LIST_PARAMETERS = ["q", "p", "o", "e", "all", "_to_field", "_popup"]


def rotations(names, values):
    """Requests in which every name meets every value once: the i-th name gets value i + k in request k."""
    names = sorted(names)
    return [{name: values[(i + k) % len(values)] for i, name in enumerate(names)} for k in range(len(values))]


@pytest.fixture
def site():
    """An administrator's client, and records of theirs and of a salesperson's for the URLs to name."""
    user = AdministratorFactory(username="hostile.admin")
    client = Client()
    client.force_login(user)
    make_records(SalespersonFactory(username="dan.salesperson"))
    return client, make_records(user)


def admin_list_parameters(route):
    model = admin_model(route)
    names = list(ADMIN_LIST_PARAMETERS)
    if model is not None:
        names += [f"{name}__exact" for name in admin.site._registry[model].list_filter if isinstance(name, str)]
    return names


class Problems(list):
    def check(self, response, what):
        if response.status_code >= 500:
            self.append(f"{what}: {failure(response)}")

    def report(self):
        return "\n".join(self[:60]) + (f"\n... and {len(self) - 60} more" if len(self) > 60 else "")


HTMX = {"HX-Request": "true", "HX-Target": "contacts-panel"}


def test_no_hostile_query_parameter_gives_a_server_error(site):
    client, records = site
    problems = Problems()
    for route in get_routes():
        url = url_for(route, url_arguments(route, records))
        with recording_reads() as read:
            send(client, "GET", url)
            send(client, "GET", url, headers=HTMX)
        if route.is_admin:
            read |= set(admin_list_parameters(route))
        if not read:
            continue
        for number, params in enumerate(rotations(read, HOSTILE)):
            headers = HTMX if number % 2 else {}
            full = f"{url}?{query_string(params)}"
            problems.check(send(client, "GET", full, headers=headers), f"GET {route.label} {full[:300]!r}")
    assert not problems, problems.report()


def test_no_hostile_path_argument_gives_a_server_error(site):
    client, records = site
    problems = Problems()
    for route in routes():
        if not route.arguments or route.name is None:
            continue
        good = url_arguments(route, records)
        for argument in route.arguments:
            numeric = str(good[argument]).isdigit()
            for value in BAD_NUMBERS if numeric else BAD_TEXT:
                try:
                    url = url_for(route, {**good, argument: value})
                except Exception:  # the converter refuses it: no such URL can be asked
                    continue
                for method in ("GET", "POST"):
                    problems.check(send(client, method, url), f"{method} {route.label} {argument}={value[:40]!r}")
    assert not problems, problems.report()


def test_no_hostile_form_field_gives_a_server_error(site):
    client, records = site
    problems = Problems()
    for route, (action, fields) in post_routes_and_fields(client, records).items():
        data, extra = body(fields, {})
        with recording_reads() as read:
            send(client, "POST", action, data, **extra)
        names = {name for name, _value, _kind in fields} | read
        if not names:
            continue  # nothing posted is read
        for value in POST_HOSTILE:
            data, extra = body(fields, dict.fromkeys(names, value))
            problems.check(send(client, "POST", action, data, **extra), f"POST {route.label} all={str(value)[:40]!r}")
        filled = {name: (kind, value) for name, value, kind in fields}
        # A formset's forms after the first are the same form again; a field's hidden opened-with value
        # (initial-<name>) only decides whether it changed, and met every value above.
        for name in sorted(name for name in names if not LATER_FORMSET_FORM.search(name)
                           and not name.startswith("initial-")):
            for value in extremes(*filled.get(name, ("hidden", ""))):
                data, extra = body(fields, {name: value})
                problems.check(send(client, "POST", action, data, **extra), f"POST {route.label} {name}={value!r}")
    assert not problems, problems.report()


@pytest.mark.parametrize(("asked", "shown"), [("0", 25), ("-1", 1), ("1", 1), ("100000", 100), ("9" * 400, 100)])
def test_a_lists_page_size_from_the_query_stays_between_1_and_100(client, administrator, asked, shown):
    """django-tables2 passes ?per_page= on as given: -1 failed with negative indexing, 10**400 with EmptyPage (500)."""
    for number in range(2):
        AccountFactory(name=f"Compania {number}")
    client.force_login(administrator)
    response = client.get(reverse("accounts:list"), {"per_page": asked})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == shown


def test_a_posted_line_count_past_the_limit_builds_no_more_line_forms():
    """lines-TOTAL_FORMS of 10**21 built (and the page showed) 1,200 line forms; MAX_LINES is the most."""
    lines = line_formset({"lines-TOTAL_FORMS": "9" * 22, "lines-INITIAL_FORMS": "0"})
    assert len(lines.forms) == MAX_LINES
    assert not lines.is_valid()
