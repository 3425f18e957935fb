"""Page benchmark: every list and summary page at two scales on PostgreSQL, through the real Django stack.

    python tests/bench/pages.py --database-prefix postgres://postgres@127.0.0.1:5432/crm_bench

For each scale (10,000 and 1,000,000 accounts by default) the database
``<prefix>_<scale>`` is created, migrated and filled with ``seed_scale`` once
(later runs reuse it), then every page is requested through Django's test
Client (URL routing, middleware, sessions, views, templates; DEBUG off) by a
signed-in salesperson, single user. Printed per page: median and 95th
percentile in ms, SQL queries, and the large/small ratio of the 95th
percentiles; the target is at most 2x and under 150 ms. Pages whose URL name
is not in this build are listed as missing. The plans of a search and of the
first list page at the large scale are printed too, and those of the global
search's query for each kind. ``--only SUBSTRING`` (repeatable) measures just
the pages whose label holds it, e.g. ``--only search`` for the global search.
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
TARGET_RATIO = 2.0
TARGET_P95_MS = 150.0
DASHBOARD_NAMES = ["dashboard", "dashboard:index", "crm:dashboard", "history:dashboard"]


def database_url(prefix, scale):
    parts = urlsplit(prefix)
    return urlunsplit(parts._replace(path=f"{parts.path}_{scale}"))


def manage(url, *args, capture=False):
    env = {**os.environ, "DATABASE_URL": url, "DB_STATEMENT_TIMEOUT_MS": "0"}
    env.pop("DATABASE_REPLICA_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, text=True, capture_output=capture
    )


def ensure_database(url):
    """Create the database when missing (connecting to the server's maintenance database)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def prepare(url, scale):
    """Migrate and seed the database up to ``scale`` accounts; return the seconds spent seeding (0 when reused)."""
    ensure_database(url)
    manage(url, "migrate", "--no-input", "-v", "0")
    count = int(
        manage(
            url, "shell", "-c", "from accounts.models import Account; print(Account.objects.count())", capture=True
        ).stdout.split()[-1]
    )
    if count >= scale:
        print(f"  {url}: {count:,} accounts already there, reused")
        return 0.0
    started = time.monotonic()
    manage(url, "seed_scale", "--accounts", str(scale - count))
    return time.monotonic() - started


def measure_in_subprocess(url, repeat, only=()):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "HTTPS_ONLY": "0", "ALLOWED_HOSTS": "testserver"}
    env.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    env.pop("DATABASE_REPLICA_URL", None)
    env.setdefault("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
    # Production serving: hashed static files, as `make serve` collects them.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )
    finished = subprocess.run(
        [sys.executable, __file__, "--measure", "--repeat", str(repeat), *(f"--only={part}" for part in only)],
        cwd=BASE_DIR,
        env=env,
        text=True,
        capture_output=True,
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr)
        raise SystemExit(f"measuring {url} failed")
    return json.loads(finished.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the measuring side (DATABASE_URL set)


def pages_to_measure():
    """(label, url[, headers]) for every page: lists with each sort, search and filter, deep pages, summaries,
    the global search, dashboard."""
    from urllib.parse import urlencode

    from django.db.models import Count
    from django.urls import NoReverseMatch, resolve, reverse

    from accounts.models import Account
    from contacts.models import Contact
    from invoices.models import Invoice
    from opportunities.models import Opportunity

    pages, missing = [], []
    searches = {
        "accounts": ["Carpați", "ACC-0000", "office@", "+40 72"],
        "contacts": ["Popescu", "ioana.", "+40 73"],
        "opportunities": ["Licențe", "Nordic"],
        "invoices": ["INV-00012", "Factura"],
    }
    for area in ("accounts", "contacts", "opportunities", "invoices"):
        try:
            url = reverse(f"{area}:list")
        except NoReverseMatch:
            missing.append(f"{area}:list")
            continue
        pages.append((f"{area}:list", url))
        view = getattr(resolve(url).func, "view_class", None)
        table = getattr(view, "table_class", None)
        if table is not None:
            for name, column in table.base_columns.items():
                if column.orderable is not False:
                    pages.append((f"{area}:list sort={name}", f"{url}?sort={name}"))
                    pages.append((f"{area}:list sort=-{name}", f"{url}?sort=-{name}"))
        for term in searches[area]:
            pages.append((f"{area}:list q={term}", f"{url}?q={term}"))
        filterset = getattr(view, "filterset_class", None)
        if filterset is not None:
            for name, declared in filterset.base_filters.items():
                choices = list(declared.extra.get("choices") or [])
                if name == "q" or not choices:
                    continue
                value = choices[0][0]
                pages.append((f"{area}:list {name}={value}", f"{url}?{name}={value}"))
        pages.append((f"{area}:list page=100", f"{url}?page=100"))
        pages.append((f"{area}:list page=400 (deepest)", f"{url}?page=400"))

    large = list(
        Contact.objects.exclude(account=None)
        .values("account")
        .annotate(total=Count("id"))
        .filter(total__gte=1000)
        .order_by("-total")
        .values_list("account", flat=True)[:2]
    )
    ordinary = Account.objects.order_by("pk").values_list("pk", flat=True)[5000:5001]
    details = [("accounts:detail", pk, "large account") for pk in large]
    details += [("accounts:detail", pk, "ordinary account") for pk in ordinary]
    if large:
        contact = Contact.objects.filter(account_id=large[0]).order_by("pk").values_list("pk", flat=True).first()
        details.append(("contacts:detail", contact, "contact of a large account"))
    details.append(("contacts:detail", Contact.objects.order_by("-pk").values_list("pk", flat=True).first(), "contact"))
    details.append(
        ("opportunities:detail", Opportunity.objects.order_by("pk").values_list("pk", flat=True).first(), "")
    )
    details.append(("invoices:detail", Invoice.objects.order_by("pk").values_list("pk", flat=True).first(), ""))
    for name, pk, note in details:
        try:
            pages.append((f"{name} ({note})" if note else name, reverse(name, args=[pk])))
        except NoReverseMatch:
            missing.append(name)
    try:
        search_url = reverse("search:results")
    except NoReverseMatch:
        missing.append("search:results")
    else:
        # The global search (crm/search): a name, numbers, a phone and an email of a real record, a common
        # word; then the top bar's dropdown as htmx asks for it while typing.
        sample = Account.objects.order_by("pk").values("main_phone", "email")[5000:5001].first() or {}
        terms = ["Carpați", "ACC-0000", "Popescu", "INV-00012", sample.get("main_phone"), sample.get("email")]
        for term in filter(None, terms):
            pages.append((f"search q={term}", f"{search_url}?{urlencode({'q': term})}"))
        for term in ("Carpați", "ACC-0000"):
            pages.append(
                (f"search q={term} (htmx dropdown)", f"{search_url}?{urlencode({'q': term})}", {"HX-Request": "true"})
            )
    # The Timeline panel (as the Summary loads it, htmx) of a very large account, which rolls up its contacts'
    # and opportunities' activities too, and of an ordinary one; My Activities' views as the user who owns the
    # most activities (each owner holds a share of them all).
    htmx = {"HX-Request": "true"}
    for pk, note in [(pk, "large account") for pk in large[:1]] + [(pk, "ordinary account") for pk in ordinary]:
        pages.append((f"activities:timeline ({note})", reverse("activities:timeline", args=["account", pk]), htmx))
        pages.append((f"activities:timeline ({note}) kind=task state=open",
                      reverse("activities:timeline", args=["account", pk]) + "?kind=task&state=open", htmx))
    from crm.activities.models import Activity

    owner = (
        Activity.objects.filter(state="open").values("owner").annotate(total=Count("id")).order_by("-total")
        .values_list("owner", flat=True).first()
    )
    if owner is not None:
        for view in ("open", "overdue", "today", "week", "all"):
            pages.append((f"activities:mine view={view}", f"{reverse('activities:mine')}?view={view}", None, owner))
        pages.append(("activities:mine view=all page=100", f"{reverse('activities:mine')}?view=all&page=100", None,
                      owner))
        pages.append(("dashboard (an owner of many activities)", reverse("dashboard:index"), None, owner))
    # The duplicate check before a record is saved (crm.duplicates): a new account and a new contact like ones on
    # file, posted to their forms, which answer "Duplicate records found" (nothing is saved); and the Duplicates
    # page of the newest detection job, as a Sales Manager sees it.
    sample = Account.objects.order_by("pk").values("name", "website", "main_phone")[5000:5001].first()
    if sample:
        account = {"name": sample["name"].upper(), "relationship_type": "customer", "currency": "RON",
                   "website": sample["website"].replace("https://www.", "http://"), "main_phone": ""}
        pages.append(("accounts:create (Duplicate records found)", reverse("accounts:create"), None, None, account))
        typo = {**account, "name": sample["name"][:-4] + "x" + sample["name"][-3:], "website": ""}
        pages.append(("accounts:create (possible duplicate, fuzzy)", reverse("accounts:create"), None, None, typo))
    person = Contact.objects.order_by("pk").values("first_name", "last_name", "email")[5000:5001].first()
    if person:
        contact = {"first_name": person["first_name"], "last_name": person["last_name"] + "u",
                   "email": person["email"].upper(), "preferred_contact_method": "any"}
        pages.append(("contacts:create (Duplicate records found)", reverse("contacts:create"), None, None, contact))
    try:
        pages.append(("duplicates:list (a Sales Manager)", reverse("duplicates:list"), None, bench_manager().pk))
    except NoReverseMatch:
        missing.append("duplicates:list")
    else:
        from crm.duplicates.models import DuplicateScan
        from crm.duplicates.registry import kind_of
        from crm.duplicates.scan import duplicates_scan_run

        # The page lists the groups of the newest finished job: one is run here (as the worker would) if none has.
        kind = kind_of(Account)
        if not DuplicateScan.objects.filter(model=kind.model_label, state="done").exists():
            DuplicateScan.objects.filter(model=kind.model_label, state__in=["queued", "running"]).delete()
            scan = DuplicateScan.objects.create(model=kind.model_label, requested_by=bench_manager(),
                                                rules=[rule.key for rule in kind.rules])
            duplicates_scan_run(scan.pk)
    for name in DASHBOARD_NAMES:
        try:
            pages.append(("dashboard", reverse(name)))
            break
        except NoReverseMatch:
            continue
    else:
        missing.append("dashboard")
    return pages, sorted(set(missing))


def bench_manager():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from crm import roles

    user, _ = get_user_model().objects.get_or_create(username="bench.manager")
    user.groups.add(Group.objects.get(name=roles.SALES_MANAGER))
    return user


def bench_user():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from crm import roles

    user, _ = get_user_model().objects.get_or_create(username="bench.salesperson")
    user.groups.add(Group.objects.get(name=roles.SALESPERSON))
    return user


def explain_samples(only=()):
    from django.db import connection
    from django.test import RequestFactory

    from accounts.filters import AccountFilter
    from accounts.models import Account

    user = bench_user()
    request = RequestFactory().get("/")
    request.user = user
    searched = AccountFilter({"q": "Carpați Soft"}, queryset=Account.objects.all(), request=request).qs[:25]
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    samples = {}
    if not only or any("search" in part for part in only):
        from crm import search

        search.autodiscover()
        for kind in search.KINDS.values():
            matches = kind.matches(user, "Carpați")
            samples[f"global search q='Carpați', {kind.name}"] = matches.explain(analyze=True)
    if only:
        return samples
    return {
        "search accounts q='Carpați Soft'": searched.explain(analyze=True),
        # A deep page reads its ids first, then those 25 rows (crm.pagination.BoundedPaginator.page).
        "accounts page 400, its ids": Account.objects.values_list("pk", flat=True)[9975:10000].explain(analyze=True),
        **samples,
    }


class SQLTimer:
    """A connection.execute_wrapper adding up the milliseconds a request spends in the database."""

    def __init__(self):
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def measure(repeat, only=()):
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(bench_user())
    clients = {None: client}
    pages, missing = pages_to_measure()
    for _label, _url, *rest in pages:
        if len(rest) > 1 and rest[1] not in clients:
            from django.contrib.auth import get_user_model

            clients[rest[1]] = Client()
            clients[rest[1]].force_login(get_user_model().objects.get(pk=rest[1]))
    if only:
        pages = [page for page in pages if any(part in page[0] for part in only)]
    # A warmed-up worker, as gunicorn's are (crm/gunicorn_conf.py, post_worker_init): every page once, then
    # what is loaded by now (Django, URLs, templates, this script's own lists) is frozen out of the garbage
    # collector's reach, so a full collection during a timed request walks only that request's objects.
    def request(client, url, rest):
        headers = rest[0] if rest else None
        if len(rest) > 2:  # a form posted: (headers, user, data)
            return client.post(url, rest[2], headers=headers)
        return client.get(url, headers=headers)

    for _label, url, *rest in pages:
        request(clients[rest[1] if len(rest) > 1 else None], url, rest)
    gc.collect()
    gc.freeze()
    results = {}
    for label, url, *rest in pages:
        client = clients[rest[1] if len(rest) > 1 else None]
        times, sql_times, statuses = [], [], set()
        for attempt in range(repeat + 2):
            reset_queries()
            sql = SQLTimer()
            with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(sql):
                started = time.perf_counter()
                response = request(client, url, rest)
                elapsed = (time.perf_counter() - started) * 1000
            statuses.add(response.status_code)
            if attempt >= 2:  # the first two warm the caches
                times.append(elapsed)
                sql_times.append(sql.ms)
        times.sort()
        results[label] = {
            "url": url,
            "median": statistics.median(times),
            "p95": times[max(0, int(round(0.95 * len(times))) - 1)],
            "queries": len(queries.captured_queries),
            # The median time in the database; the rest of the median is Python (views, forms, templates).
            "sql": statistics.median(sql_times),
            "status": sorted(statuses),
        }
    print(json.dumps({"pages": results, "missing": missing, "explain": explain_samples(only)}))


# ---------------------------------------------------------------- report


def report(small_scale, small, large_scale, large):
    print()
    header = (
        f"{'page':<46} {'p50 S':>7} {'p95 S':>7} {'sql S':>6} {'q S':>4} "
        f"{'p50 L':>7} {'p95 L':>7} {'sql L':>6} {'q L':>4} {'L/S':>5}  verdict"
    )
    print(f"S = {small_scale:,} accounts, L = {large_scale:,} accounts; times in ms; sql = median ms in the database")
    print(header)
    print("-" * len(header))
    failures = 0
    for label, s in small["pages"].items():
        big = large["pages"].get(label)
        if big is None:
            continue
        ratio = big["p95"] / s["p95"] if s["p95"] else float("inf")
        ok = ratio <= TARGET_RATIO and big["p95"] < TARGET_P95_MS and big["status"] == [200] and s["status"] == [200]
        failures += not ok
        verdict = "ok" if ok else f"SLOW (status {big['status']})" if big["status"] != [200] else "SLOW"
        print(
            f"{label[:46]:<46} {s['median']:7.1f} {s['p95']:7.1f} {s['sql']:6.1f} {s['queries']:4d} "
            f"{big['median']:7.1f} {big['p95']:7.1f} {big['sql']:6.1f} {big['queries']:4d} {ratio:5.2f}  {verdict}"
        )
    if large["missing"]:
        print(f"\nNot in this build (URL name missing): {', '.join(large['missing'])}")
    for title, plan in large["explain"].items():
        print(f"\nEXPLAIN ANALYZE at {large_scale:,} accounts, {title}:\n{plan}")
    print(
        f"\n{failures} page(s) off target (p95 at the large scale within {TARGET_RATIO}x and under {TARGET_P95_MS} ms)"
    )
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-prefix", default="postgres://postgres@127.0.0.1:5432/crm_bench")
    parser.add_argument("--scales", default="10000,1000000", help="Two account counts, small then large.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per page.")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SUBSTRING",
        help="Measure only the pages whose label contains SUBSTRING (repeatable), e.g. --only search.",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    if options.measure:
        measure(options.repeat, options.only)
        return 0
    small_scale, large_scale = (int(value) for value in options.scales.split(","))
    measured = {}
    for scale in (small_scale, large_scale):
        url = database_url(options.database_prefix, scale)
        print(f"== {scale:,} accounts in {url}")
        seconds = prepare(url, scale)
        if seconds:
            print(f"  seeded in {seconds:.0f} s")
        measured[scale] = measure_in_subprocess(url, options.repeat, options.only)
    failures = report(small_scale, measured[small_scale], large_scale, measured[large_scale])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
