"""One key=value line per request, with method, path, status, duration and user."""

import logging
import shlex

import pytest


def logged_lines(caplog):
    return [record for record in caplog.records if record.name == "crm.requests"]


def parse(line):
    return dict(part.split("=", 1) for part in shlex.split(line))


@pytest.mark.django_db
def test_each_request_logs_one_logfmt_line(client, caplog):
    caplog.set_level(logging.INFO, logger="crm.requests")
    client.get("/healthz?probe=1")
    [record] = logged_lines(caplog)
    fields = parse(record.getMessage())
    assert fields.keys() == {"method", "path", "status", "duration_ms", "user_id"}
    assert fields["method"] == "GET"
    assert fields["path"] == "/healthz"
    assert fields["status"] == "200"
    assert float(fields["duration_ms"]) >= 0
    assert fields["user_id"] == "-"
    assert record.levelno == logging.INFO


@pytest.mark.django_db
def test_the_signed_in_user_and_the_status_are_logged(client, caplog, salesperson):
    caplog.set_level(logging.INFO, logger="crm.requests")
    client.force_login(salesperson)
    client.get("/no such page/")
    [record] = logged_lines(caplog)
    fields = parse(record.getMessage())
    assert fields["path"] == "/no such page/"  # quoted in the line, so it parses back whole
    assert fields["status"] == "404"
    assert fields["user_id"] == str(salesperson.pk)
    assert record.request_log["user_id"] == salesperson.pk


@pytest.mark.django_db
def test_anonymous_redirect_to_login_is_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="crm.requests")
    client.get("/admin/")
    [record] = logged_lines(caplog)
    assert parse(record.getMessage())["status"] == "302"
