"""The four record forms: one error per field, required fields marked, the error summary, Save at top and bottom."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services import account_create
from contacts.services import contact_create
from tests.invoices.helpers import invoice_post_data, line

pytestmark = pytest.mark.django_db

# Each form posted with its required text field left empty: (URL name, posted data, that field).
EMPTY_POSTS = [
    ("accounts:create", {"name": "", "currency": "RON", "relationship_type": "customer"}, "name"),
    ("contacts:create", {"last_name": "", "preferred_contact_method": "any"}, "last_name"),
    ("opportunities:create", {"topic": "", "currency": "RON", "status_reason": "in_progress"}, "topic"),
    ("invoices:create", invoice_post_data(name="", lines=[line()]), "name"),
]


def errors_by_field(html):
    """{field id: [error texts]} from the form's field error lists."""
    return {
        match["id"]: re.findall(r"<li>(.*?)</li>", match["items"])
        for match in re.finditer(r'<ul class="errorlist" id="id_(?P<id>[\w-]+)_error">(?P<items>.*?)</ul>', html, re.S)
    }


@pytest.fixture
def posted(client, administrator):
    client.force_login(administrator)

    def post(url_name, data):
        response = client.post(reverse(url_name), data)
        assert response.status_code == 200
        return response.content.decode()

    return post


@pytest.mark.parametrize("url_name,data,field", EMPTY_POSTS)
def test_an_empty_required_field_has_one_error(posted, url_name, data, field):
    errors = errors_by_field(posted(url_name, data))
    assert errors[field] == ["This field is required."]
    assert all(len(messages) == 1 for messages in errors.values()), errors


def test_a_form_with_no_customer_says_so_once(posted):
    # The invoice form's own "choose a customer" and the model's would otherwise both stand under Account.
    errors = errors_by_field(posted("invoices:create", invoice_post_data(lines=[line()])))
    assert errors["account"] == ["Choose an account, a contact or an opportunity."]


def test_the_services_give_one_error_for_an_empty_name(administrator):
    with pytest.raises(ValidationError) as refused:
        account_create(actor=administrator, name="", currency="RON", relationship_type="customer")
    assert refused.value.message_dict["name"] == ["This field cannot be blank."]
    with pytest.raises(ValidationError) as refused:
        contact_create(actor=administrator, last_name="")
    assert refused.value.message_dict["last_name"] == ["This field cannot be blank."]
    with pytest.raises(ValidationError) as refused:
        account_create(actor=administrator, name="   ", currency="RON", relationship_type="customer")
    assert refused.value.message_dict["name"] == ["This field cannot be blank."]


@pytest.mark.parametrize("url_name,data,field", EMPTY_POSTS)
def test_errors_are_summed_up_at_the_top_with_links_to_the_fields(posted, url_name, data, field):
    html = posted(url_name, data)
    summary = re.search(r"<div class=\"error-summary\"(?P<attrs>[^>]*)>(?P<body>.*?)</div>", html, re.S)
    assert summary, "no error summary"
    assert 'role="alert"' in summary["attrs"] and 'tabindex="-1"' in summary["attrs"]
    assert f'<a href="#id_{field}">' in summary["body"]
    assert html.index('class="error-summary"') < html.index(f'id="id_{field}"')
    # Every field error is in the summary, each as a link to its field.
    for name in errors_by_field(html):
        assert f'href="#id_{name}"' in summary["body"], name
    # Focused by a script of our own (the Content-Security-Policy allows no inline script).
    assert re.search(r'<script src="/static/js/form_errors\.js" defer nonce="[^"]+"></script>', html)


@pytest.mark.parametrize("url_name", ["accounts:create", "contacts:create", "opportunities:create", "invoices:create"])
def test_required_fields_are_marked_and_save_is_at_the_top_and_the_bottom(client, administrator, url_name):
    client.force_login(administrator)
    html = client.get(reverse(url_name)).content.decode()
    assert "error-summary" not in html
    required = re.findall(r'<div class="field required">\s*<label for="id_(\w+)">(.*?)</label>', html, re.S)
    assert required, "no field marked required"
    for name, label in required:
        assert '<span class="required-mark" aria-hidden="true">*</span>' in label, name
        assert '<span class="visually-hidden"> (required)</span>' in label, name
    first = required[0][0]
    assert re.search(rf'<(input|select|textarea)[^>]*name="{first}"[^>]*\brequired\b', html), first
    # Optional fields carry no marker.
    assert html.count("required-mark") == len(required)
    form = html[html.index("<form method=\"post\""):]
    assert form.count('<button type="submit" class="button primary">Save</button>') == 2
    assert form.index("Save</button>") < form.index('class="field')
