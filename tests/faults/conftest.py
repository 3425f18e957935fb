"""Fault tests: real processes (gunicorn, db_worker, import_data) against the real PostgreSQL test database.

Each test commits (the other processes see only committed rows), so it runs
with a transactional database; every process it starts is bounded in time and
ended by the test.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

FAULTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test here needs PostgreSQL (a conftest's pytestmark would not reach the test modules)."""
    for item in items:
        if FAULTS in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.postgres)
            if connection.vendor != "postgresql":
                item.add_marker(pytest.mark.skip(reason="Fault tests need real processes on PostgreSQL."))


def database_url():
    """The test database, for the processes a test starts."""
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


def environment(**extra):
    return {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1", **{k: str(v) for k, v in extra.items()}}


def manage(*args, **env):
    """Start ``manage.py ARGS`` against the test database; the caller waits for it or ends it."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment(**env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process, timeout=120):
    """Wait for ``process`` (killed past ``timeout`` seconds); return (exit code, stdout, stderr)."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def wait_for(condition, timeout=60, every=0.05):
    """Poll ``condition()`` until it is true (returned) or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(transactional_db, tmp_path):
    """gunicorn (two sync workers, as `make serve` runs it) serving the test database on a free local port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "crm/gunicorn_conf.py", "crm.wsgi"],
        cwd=ROOT, env=environment(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=2, MEDIA_ROOT=tmp_path),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return urllib.request.urlopen(f"{url}/healthz", timeout=2).status == 200
        except OSError:
            return process.poll() is not None  # stop waiting if it died

    try:
        assert wait_for(answers, timeout=30) and process.poll() is None, process.stderr.read()
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """One user's session against the server: cookies, the CSRF token, forms posted as a browser posts them."""

    def __init__(self, base_url, user):
        from django.contrib.sessions.backends.db import SessionStore

        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        self._cookie("sessionid", session.session_key)

    def _cookie(self, name, value):
        self.cookies.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {},
        ))

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, path, data):
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base_url + path, data=body, headers={"Referer": self.base_url + path})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page_version(html):
    """The record version a page's form carries (its hidden ``version`` input)."""
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))
