"""What the security tests walk: every URL of the URL conf, the records its arguments name, and how to ask it.

The tests build their URLs from ``get_resolver()`` rather than from a list, so a URL added
to the site is tested (or fails the suite until it says what to expect) without editing them.
"""

import re
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import Account
from crm.activities.models import ActivityKind, Attachment
from crm.duplicates.models import DuplicateGroup, DuplicateScan, RecordMerge, ScanState
from crm.exports.models import ExportJob, ExportState
from crm.imports.models import ImportJob, ImportRowIssue, ImportState
from crm.models import SavedView
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    OpportunityFactory,
)

ROLES = ("anonymous", "no_role", "salesperson", "sales_manager", "administrator")

# Result classes: a status code, or where a redirect goes.
LOGIN = "login"
ADMIN_LOGIN = "admin login"
REDIRECT = "redirect"


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name (``accounts:detail``, ``None`` when unnamed), route and arguments."""

    name: str | None
    namespace: str
    route: str
    arguments: tuple[str, ...]
    callback: object

    @property
    def is_admin(self):
        return self.namespace == "admin"

    @property
    def label(self):
        return self.name or f"{self.namespace}:<unnamed {self.route}>"


def routes(patterns=None, namespace=(), prefix=""):
    """Every URL pattern of the URL conf, namespaces included, in the order Django tries them."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            found += routes(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespace, pattern.name)) if pattern.name else None
            found.append(
                Route(
                    name=name,
                    namespace=":".join(namespace),
                    route=prefix + str(pattern.pattern),
                    arguments=tuple(pattern.pattern.regex.groupindex),
                    callback=pattern.callback,
                )
            )
    return found


@dataclass
class Records:
    """One user's records: an account with a contact, an opportunity and an invoice on it, an import and an export."""

    account: object
    contact: object
    opportunity: object
    invoice: object
    import_job: ImportJob
    export_job: ExportJob
    saved_view: SavedView
    activity: object
    attachment: object = None
    duplicate_group: object = None
    record_merge: object = None


def make_records(owner) -> Records:
    """Records owned (or, for the jobs, started) by ``owner``."""
    account = AccountFactory(owner=owner)
    contact = ContactFactory(owner=owner, account=account)
    opportunity = OpportunityFactory(owner=owner, account=account, contact=contact)
    invoice = InvoiceFactory(owner=owner, account=account, opportunity=opportunity)
    InvoiceLineFactory(invoice=invoice)
    import_job = ImportJob.objects.create(
        target="accounts",
        file_name="conturi.csv",
        created_by=owner,
        state=ImportState.COMPLETED,
        headers=["Account Name"],
        total_rows=1,
        processed_rows=1,
        failed_count=1,
    )
    ImportRowIssue.objects.create(
        job=import_job, row_number=2, kind=ImportRowIssue.Kind.FAILED, message="Missing name", values=[""]
    )
    export_job = ExportJob.objects.create(target="accounts", file_format="csv", created_by=owner,
                                          state=ExportState.COMPLETED)
    export_job.file.save("accounts.csv", ContentFile(b"Account Name\r\n"), save=True)
    saved_view = SavedView.objects.create(user=owner, list_key="accounts", name="Mine", filters={"scope": "mine"})
    # An open appointment about the account: every activity page and command applies to it, its .ics too.
    activity = ActivityFactory(owner=owner, account=account, kind=ActivityKind.APPOINTMENT, subject="Prezentare",
                               due_at=timezone.now())
    attachment = Attachment(activity=activity, name="ofertă.pdf", size=9, content_type="application/pdf",
                            created_by=owner)
    attachment.file.save("activities/test.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    # A group a duplicate detection job found (whose other record is gone), and a merge of a twin into the account.
    scan = DuplicateScan.objects.create(model="accounts.account", requested_by=owner, state=ScanState.DONE)
    group = DuplicateGroup.objects.create(scan=scan, rules=["accounts.name"], shared=["x"], size=2,
                                          record_ids=[account.pk, account.pk + 10**9])
    twin = AccountFactory(owner=owner, name=f"{account.name} (old)")
    merge = RecordMerge.objects.create(model="accounts.account", master_id=account.pk, subordinate_id=twin.pk,
                                       merged_by=owner)
    return Records(account, contact, opportunity, invoice, import_job, export_job, saved_view, activity, attachment,
                   group, merge)


# The record a URL's ``pk`` names, by the URL's namespace.
PK_RECORDS = {
    "accounts": "account",
    "contacts": "contact",
    "opportunities": "opportunity",
    "invoices": "invoice",
    "imports": "import_job",
    "exports": "export_job",
    "lists": "saved_view",
    "activities": "activity",
}
# Routes whose pk names another record than their namespace's: the record a timeline, a note or a new activity is
# about (regarding_type, below, says an account).
PK_ROUTE_RECORDS = {
    "activities:timeline": "account",
    "activities:note_create": "account",
    "activities:create": "account",
    "activities:attachment": "attachment",
    "duplicates:group_dismiss": "duplicate_group",
    "duplicates:merge_done": "record_merge",
    "duplicates:merge_undo": "record_merge",
}
# Arguments that are not record numbers: one value each that names something that exists.
FIXED_ARGUMENTS = {
    "source": "accounts",
    "file_format": "csv",
    "app_label": "accounts",
    "url": "nonexistent/",
    "list_key": "accounts",
    "target": "accounts",
    "regarding_type": "account",
    "kind": "task",
}


def url_arguments(route: Route, records: Records) -> dict:
    """Arguments for ``route`` that name ``records`` (or, in the admin, the first row of the page's model)."""
    kwargs = {}
    for argument in route.arguments:
        if argument in FIXED_ARGUMENTS:
            kwargs[argument] = FIXED_ARGUMENTS[argument]
        elif argument in ("object_id", "id", "pk") and (model := admin_model(route)) is not None:
            row = model._default_manager.order_by("pk").first()
            kwargs[argument] = row.pk if row is not None else 0
        elif argument == "pk":
            record = PK_ROUTE_RECORDS.get(route.name) or PK_RECORDS.get(route.namespace)
            if record is None:
                raise AssertionError(f"Say in PK_RECORDS which record the pk of {route.label} names.")
            kwargs[argument] = getattr(records, record).pk
        elif argument == "contact_pk":
            kwargs[argument] = records.contact.pk
        elif argument == "content_type_id":
            kwargs[argument] = ContentType.objects.get_for_model(Account).pk
        elif argument == "object_id":
            kwargs[argument] = records.account.pk
        else:
            raise AssertionError(f"Say in tests/security/site.py what to pass as {argument} of {route.label}.")
    return kwargs


def admin_model(route: Route):
    """The model an admin page is about, from its name (``admin:accounts_account_change``), or None."""
    for model in admin.site._registry:
        if (route.name or "").startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    if route.name is None and route.is_admin:
        for model in admin.site._registry:
            if route.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
                return model
    return None


def url_for(route: Route, kwargs: dict) -> str:
    """The path of ``route`` with ``kwargs``; regular-expression routes (admin) are reversed by their name."""
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # The admin's unnamed patterns: its catch-all view, and a record's URL without /change/.
    if "url" in kwargs:
        return f"/admin/{kwargs['url']}"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match.group(1)]), route.route)


def send(client, method, url, data=None, **extra):
    """Ask ``url`` and undo whatever the request wrote (database and the client's cookies), so each asks the same site.

    A view that fails answers 500 with its exception in ``response.exc_info`` (the client does not raise it).
    """
    cookies = deepcopy(client.cookies)
    client.raise_request_exception = False
    with transaction.atomic():
        response = getattr(client, method.lower())(url, data, **extra)
        # Also after a database error, which on PostgreSQL leaves the transaction unusable until rolled back.
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def outcome(response):
    """The class of result: the status code, or ``login`` / ``admin login`` / ``redirect`` for a redirect."""
    if response.status_code in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        if path == reverse("admin:login"):
            return ADMIN_LOGIN
        if path == reverse("login"):
            return LOGIN
        return REDIRECT
    return response.status_code


def failure(response) -> str:
    """What went wrong in a 5xx answer: the view's exception when there was one."""
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        return f"{exc_info[0].__name__}: {str(exc_info[1])[:200]}"
    return str(response.status_code)


@contextmanager
def recording_reads():
    """Collect the names of the query and form parameters the code reads (``get``, ``[]``, ``in``, ``getlist``)."""
    read = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "__getitem__", "__contains__", "getlist")}

    def recorder(original):
        def recorded(self, key, *args, **kwargs):
            if isinstance(key, str):
                read.add(key)
            return original(self, key, *args, **kwargs)

        return recorded

    for name, original in originals.items():
        setattr(QueryDict, name, recorder(original))
    try:
        yield read
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


@dataclass
class Form:
    """A form found on a page: where it posts, and its fields with the values the page filled in."""

    action: str
    method: str
    fields: list  # (name, value, kind) with kind "file" for file inputs


class FormFinder(HTMLParser):
    """The forms of a page, each with its fields' names and the values a browser would submit unchanged."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path = page_path
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self._form = Form(action, (attrs.get("method") or "get").lower(), [])
            self.forms.append(self._form)
        elif self._form is None or "name" not in attrs:
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""), kind))
        elif tag == "select":
            self._select = [attrs["name"], None, None]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in attrs:
                self._select[1] = value
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, selected, first = self._select
            if self._form is not None:
                self._form.fields.append((name, selected if selected is not None else first or "", "select"))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((*self._textarea, "textarea"))
            self._textarea = None


def forms_on(response, page_path) -> list[Form]:
    """The forms of an HTML response."""
    if "html" not in response.get("Content-Type", ""):
        return []
    finder = FormFinder(page_path)
    finder.feed(response.content.decode(errors="replace"))
    return finder.forms


# The file a form's file field gets: a small, valid import.
CSV = b"Account Name,City\r\nCompania Test SRL,Cluj\r\n"


@dataclass(frozen=True)
class Raw:
    """A value sent as written in a query string or form body (percent escapes of bytes that are not UTF-8)."""

    text: str


def query_string(params: dict) -> str:
    """``params`` as a query string (or urlencoded body), Raw values as written."""
    return "&".join(
        f"{quote(name)}={value.text}" if isinstance(value, Raw) else urlencode({name: value})
        for name, value in params.items()
    )


def get_routes():
    """The URLs asked with GET: every one outside the admin, and the admin's index and lists."""
    return [
        route
        for route in routes()
        if not route.is_admin or route.name == "admin:index" or (route.name or "").endswith("_changelist")
    ]


def post_routes_and_fields(client, records):
    """{route: [(field, value, kind)]}: each URL that takes a POST, with the fields of the form that posts to it."""
    forms = {}
    for route in get_routes():
        if route.is_admin:
            continue
        url = url_for(route, url_arguments(route, records))
        for form in forms_on(send(client, "GET", url), url):
            if form.method != "post":
                continue
            try:
                match = resolve(form.action)
            except Resolver404:
                continue
            key = match.view_name
            if key not in forms or len(form.fields) > len(forms[key][1]):
                forms[key] = (form.action, form.fields)
    found = {}
    for route in routes():
        if route.is_admin or route.name is None:
            continue
        action, fields = forms.get(route.name, (url_for(route, url_arguments(route, records)), []))
        found[route] = (action, baseline_fields(route, fields, forms))
    return found


# A new record may not reuse the number of the record whose edit form gives the new one its values.
UNIQUE_NUMBERS = {"invoice_number", "account_number"}


def baseline_fields(route, fields, forms):
    """The fields a POST to ``route`` sends: its form's, or for a create form the edit form's (which are valid)."""
    if not route.name.endswith(":create"):
        return fields
    edit = forms.get(route.name.replace(":create", ":edit"))
    if edit is None:
        return fields
    names = {name for name, _value, _kind in fields}
    return [
        (name, "" if name in UNIQUE_NUMBERS else value, kind)
        for name, value, kind in edit[1]
        if name in names or name.startswith("lines-")
    ]


def body(fields, values):
    """The POST data: ``values`` by name over the fields' own; files as uploads; raw escapes as an urlencoded body."""
    data = {name: value for name, value, _kind in fields}
    data.update(values)
    kinds = {name: kind for name, _value, kind in fields}
    if any(isinstance(value, Raw) for value in data.values()):
        return query_string(data), {"content_type": "application/x-www-form-urlencoded"}
    for name, kind in kinds.items():
        if kind == "file":
            value = data[name]
            data[name] = SimpleUploadedFile(f"{str(value)[:100] or 'conturi'}.csv", CSV, content_type="text/csv")
    return data, {}
