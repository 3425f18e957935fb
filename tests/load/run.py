"""Load test: signed-in users against gunicorn on 127.0.0.1, with a background import running.

    python tests/load/run.py --database-url postgres://postgres@127.0.0.1:5432/crm_bench_1000000

Starts gunicorn as `make serve` does (DEBUG off, crm/gunicorn_conf.py) on
127.0.0.1, makes ``--users`` salesperson accounts, and lets each user browse
for ``--duration`` seconds: lists (sorted, paged), account summaries,
searches, and creating and editing accounts through the real forms, with
CSRF. Meanwhile an import of ``--import-rows`` generated accounts runs when an
import command is given (``--import-command "python manage.py <command> {file}"``,
or LOAD_IMPORT_COMMAND; {file} is a generated CSV). Prints throughput, 50th
and 99th percentile times per kind of request, the errors, and the import's
outcome; exits 1 on any error. Bounded: it stops at the duration or at
``--max-requests``, whichever comes first, and only ever talks to 127.0.0.1.
"""

import argparse
import csv
import http.cookiejar
import os
import random
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PASSWORD = "load-test-" + "k7q2w9"
IMPORTER = "load.importer"
PLACEHOLDER_ID = 987654321
SEARCH_TERMS = ["Carpați", "Soft", "Popescu", "ACC-0001", "Nordic", "office@", "Cluj", "INV-00042"]


class FormReader(HTMLParser):
    """The fields of the first POST form on a page, with their current values."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self.in_form = False
        self.done = False
        self.select = None
        self.select_first = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.select_first is None and value:
                self.select_first = value
            if "selected" in attrs:
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.fields.setdefault(self.select, self.select_first or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def read_form(html):
    reader = FormReader()
    reader.feed(html)
    return reader.fields


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class User:
    """One signed-in browser: its own cookies, requests only to 127.0.0.1."""

    def __init__(self, base, username, stats):
        self.base = base
        self.username = username
        self.stats = stats
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.created = []

    def request(self, kind, path, data=None):
        url = urllib.parse.urljoin(self.base, path)
        assert urllib.parse.urlsplit(url).hostname == HOST, url
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": self.base})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text, location = response.status, response.read().decode(), None
        except urllib.error.HTTPError as error:
            status, text, location = error.code, error.read().decode(errors="replace"), error.headers.get("Location")
        except OSError as error:
            status, text, location = 0, str(error), None
        self.stats.record(kind, status, (time.perf_counter() - started) * 1000, path, data is not None, location)
        return status, text, location

    def csrf(self):
        return next((cookie.value for cookie in self.jar if cookie.name == "csrftoken"), "")

    def login(self, login_path):
        self.request("login", login_path)
        status, _, _ = self.request(
            "login",
            login_path,
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        return status == 302


class Stats:
    def __init__(self, max_requests):
        self.lock = threading.Lock()
        self.times = {}
        self.errors = []
        self.count = 0
        self.max_requests = max_requests

    def record(self, kind, status, ms, path, is_post, location):
        # A page answers 200; a form post answers 302 to the record; a GET redirected to sign-in is an error.
        ok = status == 200 or (is_post and status == 302 and "login" not in (location or ""))
        with self.lock:
            self.count += 1
            self.times.setdefault(kind, []).append(ms)
            if not ok:
                self.errors.append((kind, status, path))

    @property
    def exhausted(self):
        return self.count >= self.max_requests


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def browse(user, urls, deadline, stats, account_ids):
    if not user.login(urls["login"]):
        stats.errors.append(("login", 0, user.username))
        return
    actions = ["list"] * 35 + ["summary"] * 25 + ["search"] * 20
    if urls.get("create"):
        actions += ["create"] * 10
    if urls.get("update"):
        actions += ["edit"] * 10
    while time.monotonic() < deadline and not stats.exhausted:
        action = random.choice(actions)
        if action == "list":
            area = random.choice(urls["lists"])
            query = random.choice(["", "?page=2", "?page=5", "?scope=mine", "?page=3"])
            user.request("list", f"{area}{query}")
        elif action == "summary":
            user.request("summary", urls["detail"].replace(str(PLACEHOLDER_ID), str(random.choice(account_ids))))
        elif action == "search":
            area = random.choice(urls["lists"])
            user.request("search", f"{area}?q={urllib.parse.quote(random.choice(SEARCH_TERMS))}")
        elif action == "create":
            status, html, _ = user.request("create", urls["create"])
            fields = read_form(html)
            fields.update(
                {"name": f"Load {user.username} {secrets.token_hex(4)} SRL", "csrfmiddlewaretoken": user.csrf()}
            )
            fields.pop("account_number", None)
            status, _, location = user.request("create", urls["create"], fields)
            if status == 302 and location:
                user.created.append(location)
        elif action == "edit" and (user.created or account_ids):
            pk = random.choice(account_ids)
            path = urls["update"].replace(str(PLACEHOLDER_ID), str(pk))
            status, html, _ = user.request("edit", path)
            if status != 200:
                continue
            fields = read_form(html)
            fields.update(
                {"description": f"Edited under load {secrets.token_hex(3)}", "csrfmiddlewaretoken": user.csrf()}
            )
            user.request("edit", path, fields)


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def prepare(users):
    """Make the load users (salespeople with a known password); return the URLs and some account ids."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import NoReverseMatch, reverse

    from accounts.models import Account
    from crm import roles

    group = Group.objects.get(name=roles.SALESPERSON)
    names = []
    for number in range(1, users + 1):
        user, _ = get_user_model().objects.get_or_create(username=f"load.user{number:02d}")
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(group)
        names.append(user.username)
    # The background import acts as a sales manager, who may import.
    importer, _ = get_user_model().objects.get_or_create(username=IMPORTER)
    importer.groups.add(Group.objects.get(name=roles.SALES_MANAGER))

    def first(*candidates, args=None):
        for name in candidates:
            try:
                return reverse(name, args=args)
            except NoReverseMatch:
                continue
        return None

    urls = {
        "login": reverse("login"),
        "lists": [
            url
            for url in (first(f"{area}:list") for area in ("accounts", "contacts", "opportunities", "invoices"))
            if url
        ],
        "detail": first("accounts:detail", args=[PLACEHOLDER_ID]),
        "create": first("accounts:create", "accounts:new", "accounts:add"),
        "update": first("accounts:update", "accounts:edit", "accounts:change", args=[PLACEHOLDER_ID]),
    }
    top = Account.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = random.Random(5).sample(range(1, top + 1), k=min(top, 2000))
    account_ids = list(Account.objects.filter(pk__in=sample).values_list("pk", flat=True)) or [top]
    return names, urls, account_ids


def write_import_file(rows):
    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="", encoding="utf-8")
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "account_number", "email", "main_phone", "city", "country"])
        for number in range(rows):
            writer.writerow(
                [
                    f"Import {number} Construct SRL",
                    f"IMP-{secrets.token_hex(3)}-{number}",
                    f"office{number}@import.example.ro",
                    f"+40 72{number % 10} {number % 1000:03d} {number % 997:03d}",
                    "Iași",
                    "România",
                ]
            )
    return handle.name


def start_gunicorn(env, port, log):
    # The server's log goes to a file: a pipe nobody reads would fill and stall the workers.
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "crm/gunicorn_conf.py", "crm.wsgi"],
        cwd=BASE_DIR,
        env={**env, "BIND": f"{HOST}:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"gunicorn did not become ready in 60 s; see {log.name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load.")
    parser.add_argument("--max-requests", type=int, default=200_000, help="Stop earlier after this many requests.")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument(
        "--no-forms", action="store_true", help="Browse and search only (no create and edit through the forms)."
    )
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument(
        "--import-command",
        default=os.environ.get(
            "LOAD_IMPORT_COMMAND",
            f"{sys.executable} manage.py import_data accounts {{file}} --mode upsert --user {IMPORTER}",
        ),
        help="The background import, {file} being the generated CSV; empty for none.",
    )
    options = parser.parse_args()
    if not options.database_url:
        raise SystemExit("Give --database-url (or DATABASE_URL): the database gunicorn serves.")

    env = {
        **os.environ,
        "DATABASE_URL": options.database_url,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
    }
    env.pop("DATABASE_REPLICA_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env={**env, "DB_STATEMENT_TIMEOUT_MS": "0"},
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )
    setup_django(options.database_url)
    names, urls, account_ids = prepare(options.users)
    if not urls["lists"] or not urls["detail"]:
        raise SystemExit(f"The list and detail pages are not in this build: {urls}")
    missing = [kind for kind in ("create", "update") if not urls[kind]]
    if options.no_forms:
        urls["create"] = urls["update"] = None

    server_log = tempfile.NamedTemporaryFile("w", prefix="crm-load-gunicorn-", suffix=".log", delete=False)
    server = start_gunicorn(env, options.port, server_log)
    importer = None
    import_file = None
    try:
        if options.import_command:
            import_file = write_import_file(options.import_rows)
            command = [part.replace("{file}", import_file) for part in shlex.split(options.import_command)]
            import_started = time.monotonic()
            importer = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        stats = Stats(options.max_requests)
        started = time.monotonic()
        deadline = started + options.duration
        base = f"http://{HOST}:{options.port}/"
        threads = [
            threading.Thread(
                target=browse, args=(User(base, name, stats), urls, deadline, stats, account_ids), daemon=True
            )
            for name in names
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=options.duration + 60)
        elapsed = time.monotonic() - started
        import_outcome = "no import command given (--import-command or LOAD_IMPORT_COMMAND)"
        if importer is not None:
            try:
                importer.wait(timeout=max(1, 600 - (time.monotonic() - import_started)))
                import_outcome = (
                    f"{options.import_rows:,} rows, exit {importer.returncode} after "
                    f"{time.monotonic() - import_started:.0f} s (its output is in {server_log.name})"
                )
            except subprocess.TimeoutExpired:
                importer.kill()
                import_outcome = "did not finish within 10 minutes (killed)"
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()
        if import_file:
            os.unlink(import_file)

    every = [ms for times in stats.times.values() for ms in times]
    print(
        f"\n{len(names)} users for {elapsed:.0f} s against gunicorn on {HOST}:{options.port} ({options.database_url})"
    )
    print(f"{stats.count:,} requests, {stats.count / elapsed:.1f} requests/s, errors: {len(stats.errors)}")
    print(f"{'kind':<10} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    rows = sorted(stats.times.items()) + ([("all", every)] if every else [])
    for kind, times in rows:
        p50, p99, mean = percentile(times, 0.5), percentile(times, 0.99), statistics.mean(times)
        print(f"{kind:<10} {len(times):7d} {p50:8.1f} {p99:8.1f} {mean:8.1f}")
    if missing:
        print(f"Not in this build, so not exercised: accounts {' and '.join(missing)} form")
    print(f"Background import: {import_outcome}")
    for kind, status, path in stats.errors[:10]:
        print(f"  error: {kind} {path} -> {status}")
    import_failed = importer is not None and importer.returncode != 0
    return 1 if stats.errors or import_failed else 0


if __name__ == "__main__":
    sys.exit(main())
