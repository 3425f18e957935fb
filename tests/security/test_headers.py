"""Every page sends a Content-Security-Policy that refuses inline scripts, and a Permissions-Policy; no page needs more.

The policy is only as strong as the pages are clean: a script without the request's nonce, an inline event
handler, an inline style or a javascript: link is refused by the browser, so these tests look for them in
the rendered pages and in the templates (tests/browser/test_csp.py watches a real browser for violations).
"""

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse

from accounts.services import account_create
from contacts.services import contact_create
from crm.middleware import permissions_policy
from invoices.services import invoice_create
from opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db

INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b[^>]*>", re.IGNORECASE)
# A data block (json_script) is not run, so the policy does not apply to it.
DATA_SCRIPT_TYPES = {"application/json"}


def policy(response):
    """The Content-Security-Policy header as a mapping of directive to its list of values."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def nonce_of(response):
    """The nonce by which the response's policy allows a script."""
    (nonce,) = [value[len("'nonce-") : -1] for value in policy(response)["script-src"] if value.startswith("'nonce-")]
    return nonce


class PageElements(HTMLParser):
    """The scripts of a page, and the attributes the policy refuses: on* handlers, style, javascript: links."""

    def __init__(self):
        super().__init__()
        self.scripts = []
        self.refused = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.refused.append(f"<{tag} {name}={value!r}>")
            elif name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.refused.append(f"<{tag} {name}={value!r}>")


def elements(response):
    """The scripts and refused attributes of the page in ``response``."""
    parser = PageElements()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def book(administrator):
    """One record of each kind, linked, created through the services as the pages create them."""
    account = account_create(actor=administrator, name="Carpați Tech SRL", city="Brașov")
    contact = contact_create(actor=administrator, first_name="Mihai", last_name="Ionescu", account=account)
    opportunity = opportunity_create(
        actor=administrator, topic="Servere noi", account=account, estimated_revenue=Decimal("25000.00")
    )
    invoice = invoice_create(
        actor=administrator,
        account=account,
        name="Servicii cloud",
        lines=[{"description": "Găzduire", "quantity": Decimal("2"), "unit_price": Decimal("1500.00")}],
    )
    return {"account": account, "contact": contact, "opportunity": opportunity, "invoice": invoice}


def page_urls(book):
    """The main pages of the CRM and of its admin, for a user who may see them all."""
    account, contact = book["account"], book["contact"]
    return [
        reverse("accounts:list"),
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("opportunities:list"),
        reverse("opportunities:detail", args=[book["opportunity"].pk]),
        reverse("opportunities:create"),
        reverse("invoices:list"),
        reverse("invoices:detail", args=[book["invoice"].pk]),
        reverse("invoices:create"),
        reverse("invoices:edit", args=[book["invoice"].pk]),
        reverse("dashboard:index"),
        reverse("imports:list"),
        reverse("imports:start"),
        reverse("admin:index"),
        reverse("admin:accounts_account_changelist"),
        reverse("admin:accounts_account_change", args=[account.pk]),
        reverse("admin:accounts_account_import"),
        reverse("admin:accounts_account_export"),
        reverse("admin:auth_user_changelist"),
    ]


def test_a_page_sends_a_policy_allowing_only_our_scripts_and_no_framing(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("accounts:list"))
    directives = policy(response)
    script_src = directives["script-src"]
    assert script_src[0] == "'self'"
    assert f"'nonce-{nonce_of(response)}'" in script_src
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_each_response_has_a_nonce_of_its_own(client, administrator):
    client.force_login(administrator)
    first, second = client.get(reverse("accounts:list")), client.get(reverse("accounts:list"))
    assert nonce_of(first) != nonce_of(second)


def test_the_sign_in_page_sends_the_policy_too(client):
    response = client.get(reverse("login"))
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert f"'nonce-{nonce_of(response)}'" in policy(response)["script-src"]


def test_pages_send_a_permissions_policy_turning_off_what_the_crm_does_not_use(client, administrator):
    client.force_login(administrator)
    for response in (client.get(reverse("accounts:list")), client.get(reverse("login")), client.get("/healthz")):
        features = dict(item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(","))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "display-capture"):
            assert features[feature] == "()", feature



def test_the_permissions_policy_names_each_features_allowlist():
    assert permissions_policy({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"

def test_every_script_on_every_page_is_ours_or_carries_the_nonce(client, administrator, book):
    client.force_login(administrator)
    for url in page_urls(book):
        response = client.get(url)
        assert response.status_code == 200, url
        nonce = nonce_of(response)
        page = elements(response)
        assert page.scripts, url
        for script in page.scripts:
            if script.get("type") in DATA_SCRIPT_TYPES:
                assert "src" not in script, (url, script)
                continue
            # Same origin ('self'): our static files and the admin's JavaScript catalog.
            ours = script.get("src", "").startswith("/") and not script["src"].startswith("//")
            assert ours or script.get("nonce") == nonce, (url, script)
        assert page.refused == [], url


def test_htmx_is_configured_not_to_eval_nor_to_add_styles(client, administrator):
    client.force_login(administrator)
    content = client.get(reverse("accounts:list")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", content)
    assert config, "no htmx-config meta element"
    assert '"allowEval": false' in config.group(1)
    assert '"includeIndicatorStyles": false' in config.group(1)


def template_files():
    """Our templates, the project's overrides of the admin's among them; not those of Django and other packages."""
    for directory in engines["django"].template_dirs:
        directory = Path(directory)
        if directory.is_relative_to(settings.BASE_DIR) and "site-packages" not in directory.parts:
            yield from sorted(directory.rglob("*.html"))


def test_no_template_has_an_inline_event_handler_style_or_javascript_link():
    found = []
    for template in template_files():
        text = template.read_text()
        for pattern in (INLINE_HANDLER, INLINE_STYLE, re.compile("javascript:", re.IGNORECASE)):
            found += [f"{template}: {match.group(0).strip()}" for match in pattern.finditer(text)]
    assert found == []


def test_no_template_has_an_inline_script_or_style_without_the_nonce():
    found = []
    for template in template_files():
        for tag in SCRIPT_TAG.findall(template.read_text()) + STYLE_TAG.findall(template.read_text()):
            if "src=" not in tag and "csp_nonce" not in tag:
                found.append(f"{template}: {tag}")
    assert found == []
