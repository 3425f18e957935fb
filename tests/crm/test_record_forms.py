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
    """{field id: [error texts]} from the form's field errors (django-bootstrap5's feedback under each field)."""
    return {
        match["id"]: re.findall(r'<div class="invalid-feedback d-block">([^<]*)', match["items"])
        for match in re.finditer(
            r'<div id="id_(?P<id>[\w-]+)_error" class="w-100">(?P<items>.*?)</div>\s*</div>', html, re.S
        )
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
    wrappers = re.findall(r'<div class="mb-3( required)?">\s*<label class="form-label" for="id_(\w+)">', html)
    required = [name for mark, name in wrappers if mark]
    assert required, "no field marked required"
    for mark, name in wrappers:
        # The house class marks the label (crm.css); the field itself says it is required to assistive technology.
        field = re.search(rf'<(input|select|textarea)[^>]*name="{name}"[^>]*>', html)[0]
        # (A select with no empty choice has no required attribute: it cannot be left empty.)
        if not field.startswith("<select"):
            assert bool(mark) == bool(re.search(r"\brequired\b", field)), name
    form = html[html.index('<form method="post"', html.index("<main")):]
    assert form.count('<button type="submit" class="btn btn-primary" name="save" value="stay">Save</button>') == 2
    assert form.count('name="save" value="close">Save & Close</button>') == 2
    assert form.index("Save</button>") < form.index('class="mb-3')


@pytest.mark.parametrize(
    "url_name,sections",
    [
        ("accounts:create", ["Account information", "Address", "Details"]),
        ("contacts:create", ["Contact information", "Address", "Details"]),
        ("opportunities:create", ["Opportunity information", "Sales information", "Details"]),
        ("invoices:create", ["Invoice information", "Dates and status", "Details"]),
    ],
)
def test_record_forms_come_in_sections(client, administrator, url_name, sections):
    client.force_login(administrator)
    html = client.get(reverse(url_name)).content.decode()
    assert re.findall(r'<legend class="h2">(.*?)</legend>', html) == sections


def test_save_keeps_the_form_open_and_save_and_close_goes_to_the_record(client, administrator):
    client.force_login(administrator)
    data = {"name": "Carpați Tech SRL", "currency": "RON", "relationship_type": "customer"}
    kept = client.post(reverse("accounts:create"), {**data, "save": "stay"})
    from accounts.models import Account

    account = Account.objects.get(name="Carpați Tech SRL")
    assert kept.status_code == 302 and kept["Location"] == reverse("accounts:edit", args=[account.pk])
    closed = client.post(
        reverse("accounts:edit", args=[account.pk]),
        {**data, "city": "Brașov", "version": account.version, "save": "close"},
    )
    assert closed["Location"] == account.get_absolute_url()
    account.refresh_from_db()
    assert account.city == "Brașov"


def test_save_keeps_where_to_go_back_to(client, administrator):
    from accounts.models import Account

    client.force_login(administrator)
    account = account_create(actor=administrator, name="Dacia Grup SA", currency="RON", relationship_type="customer")
    back = account.get_absolute_url()
    response = client.post(
        reverse("contacts:create"),
        {"last_name": "Popescu", "preferred_contact_method": "any", "next": back, "save": "stay"},
    )
    assert response["Location"].endswith(f"/edit/?next={back.replace('/', '%2F')}")
    # An outside address is never kept.
    response = client.post(
        reverse("contacts:create"),
        {"last_name": "Ionescu", "preferred_contact_method": "any", "next": "https://evil.example/", "save": "stay"},
    )
    assert "evil" not in response["Location"]
    assert Account.objects.count() == 1


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"name": "Carpați\tTech SRL"}, "name", "Tabs and line breaks are not allowed in this field."),
        ({"name": "Carpați\nTech SRL"}, "name", "Tabs and line breaks are not allowed in this field."),
        ({"name": "Carpați Tech SRL", "description": "Sună\x07"}, "description",
         "Control characters are not allowed (character U+0007)."),
    ],
)
def test_the_forms_refuse_control_characters_as_the_import_does(posted, fields, field, message):
    from crm.imports.values import check_characters

    html = posted("accounts:create", {"currency": "RON", "relationship_type": "customer", **fields})
    assert errors_by_field(html)[field] == [message]
    # The import's own check gives the same verdict for the same cell.
    with pytest.raises(ValidationError) as refused:
        check_characters(fields[field], multiline=field == "description")
    assert refused.value.messages == [message]


def test_a_description_keeps_its_line_breaks_and_tabs(client, administrator):
    from accounts.models import Account

    client.force_login(administrator)
    response = client.post(
        reverse("accounts:create"),
        {"name": "Carpați Tech SRL", "currency": "RON", "relationship_type": "customer",
         "description": "Rândul unu\r\n\tRândul doi"},
    )
    assert response.status_code == 302
    assert Account.objects.get().description == "Rândul unu\r\n\tRândul doi"
