"""Download names: one plain ``filename`` nobody can break out of, and the real name in ``filename*`` (RFC 6266)."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from crm.downloads import attachment_disposition
from crm.imports.models import ImportJob

pytestmark = pytest.mark.django_db

# An uploaded file's name, and the real name its failed-rows download is offered under (``{}`` the format).
NAMES = [
    ('a"; filename="evil.html".csv', 'a"; filename="evil.html"-failed-rows.{}'),
    ("a;b;c.csv", "a;b;c-failed-rows.{}"),
    ("raport\r\nSet-Cookie: sessionid=x.csv", "raport  Set-Cookie: sessionid=x-failed-rows.{}"),
    ("raport\n.csv", "raport -failed-rows.{}"),
    ("Contacte_șț.csv", "Contacte_șț-failed-rows.{}"),
    ("Conturi ȘȚĂÎÂ și țări.xlsx", "Conturi ȘȚĂÎÂ și țări-failed-rows.{}"),
    ('back\\slash"quote.csv', 'slash"quote-failed-rows.{}'),
    ("..\\..\\windows\\system.ini.csv", "system.ini-failed-rows.{}"),
    ("\x01\x7f.csv", "-failed-rows.{}"),
]


def parameters(header):
    """The header's parameters as (name, value) pairs, reading quoted strings as RFC 9110 does."""
    disposition, _, rest = header.partition(";")
    assert disposition == "attachment"
    found = re.findall(r'\s*([^=;\s]+)=("(?:[^"\\]|\\.)*"|[^;]*)\s*(?:;|$)', rest)
    # Nothing was left over: every byte of the header belongs to a parameter.
    assert "".join(f"{name}={value}" for name, value in found).replace(" ", "") == rest.replace(" ", "").replace(
        ";", ""
    )
    return found


def assert_safe(header, expected_name):
    assert "\r" not in header and "\n" not in header
    found = parameters(header)
    names = [name for name, _value in found]
    assert names.count("filename") == 1, header
    plain = dict(found)["filename"]
    assert re.fullmatch(r'"[A-Za-z0-9._ -]+"', plain), header
    if "filename*" in names:
        encoded = dict(found)["filename*"]
        assert encoded.startswith("utf-8''")
        assert unquote(encoded.removeprefix("utf-8''")) == expected_name
    else:
        assert plain.strip('"') == expected_name


def failed_rows_header(client, user, file_name, file_format="csv"):
    job = ImportJob.objects.create(
        target="accounts", file_name=file_name, created_by=user, headers=["Account Name"]
    )
    client.force_login(user)
    response = client.get(reverse("imports:failed_rows", args=[job.pk, file_format]))
    assert response.status_code == 200
    return response["Content-Disposition"]


@pytest.mark.parametrize(("file_name", "real_name"), NAMES)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_failed_rows_download_has_one_safe_filename(client, sales_manager, file_name, real_name, file_format):
    header = failed_rows_header(client, sales_manager, file_name, file_format)
    assert_safe(header, real_name.format(file_format))


def test_the_quote_trick_gives_no_second_filename(client, sales_manager):
    header = failed_rows_header(client, sales_manager, 'a"; filename="evil.html".csv')
    assert header.count("filename=") == 1
    assert header == (
        'attachment; filename="a__ filename__evil.html_-failed-rows.csv"; '
        "filename*=utf-8''a%22%3B%20filename%3D%22evil.html%22-failed-rows.csv"
    )


def test_a_romanian_name_is_offered_as_itself_and_as_plain_ascii(client, sales_manager):
    header = failed_rows_header(client, sales_manager, "Contacte_șț.csv")
    assert header == (
        "attachment; filename=\"Contacte_st-failed-rows.csv\"; "
        "filename*=utf-8''Contacte_%C8%99%C8%9B-failed-rows.csv"
    )


def test_a_plain_name_keeps_the_simple_header():
    assert attachment_disposition("accounts-2026-05-01.csv") == 'attachment; filename="accounts-2026-05-01.csv"'


@pytest.mark.parametrize("name", ["", "\x00", '"', "日本"])
def test_a_name_with_nothing_plain_left_still_has_a_filename(name):
    header = attachment_disposition(name)
    assert parameters(header)[0] == ("filename", '"download"')


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "xml"])
def test_list_exports_use_the_same_header(client, administrator, file_format):
    client.force_login(administrator)
    response = client.get(reverse("accounts:export"), {"format": file_format})
    assert response.status_code == 200
    assert re.fullmatch(r'attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.(xlsx|csv|xml)"',
                        response["Content-Disposition"])
