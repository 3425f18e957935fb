"""Export benchmark: a background export of N accounts to XLSX and CSV on PostgreSQL, rows/s and peak memory.

    python tests/bench/bench_exports.py [--rows 100000,1000000] [--formats xlsx,csv]
        [--database-prefix postgres://postgres@127.0.0.1:5432/crm_bench] [--accounts-only]

For each N the database ``<prefix>_<N>`` is created, migrated and filled with
``seed_scale`` once, as tests/bench/pages.py does (the same names, so the page
benchmark's databases are reused). ``--accounts-only`` fills
``<prefix>_accounts_<N>`` instead with N accounts and nothing else, by one
INSERT ... SELECT (a minute for a million, where seed_scale also writes their
contacts, opportunities and invoices). Each format is then exported in its own
process, so the peak memory is its own: an export job of the whole accounts
list, asked for by a salesperson, run directly through
crm.exports.services.export_job_run (what the task worker runs), DEBUG off and
the production statement timeout (DB_STATEMENT_TIMEOUT_MS, 30 s unless set).
Printed: rows, seconds, rows/s, file size and the process's VmHWM (peak
resident memory) after Django starts and after the export; flat memory means
the same peak at 1,000,000 rows as at 100,000. A benchmark, not a test.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))

from tests.bench.pages import database_url, ensure_database, prepare  # noqa: E402


def vmhwm_mb():
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(file_format):
    """Run one export job of every account in ``file_format``; print its figures as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from crm import roles
    from crm.exports.models import ExportJob, ExportState
    from crm.exports.services import export_job_run

    user = get_user_model().objects.filter(groups__name=roles.SALESPERSON, is_active=True).order_by("pk").first()
    job = ExportJob.objects.create(
        target="accounts", file_format=file_format, query=f"format={file_format}", created_by=user
    )
    before = vmhwm_mb()
    started = time.monotonic()
    export_job_run(job=job)
    seconds = time.monotonic() - started
    job.refresh_from_db()
    if job.state != ExportState.COMPLETED:
        raise SystemExit(f"export failed: {job.message}")
    figures = {
        "rows": job.processed_rows,
        "seconds": seconds,
        "rows_per_second": job.processed_rows / seconds,
        "file_mb": job.file_size / 1024 / 1024,
        "vmhwm_start_mb": before,
        "vmhwm_mb": vmhwm_mb(),
    }
    job.file.delete(save=False)
    job.delete()
    print(json.dumps(figures))


ACCOUNTS_SQL = """
INSERT INTO accounts_account (
    created_at, modified_at, name, account_number, relationship_type, industry, main_phone, email, website,
    street, city, county, postal_code, country, annual_revenue, currency, number_of_employees, description,
    status, owner_id
)
SELECT now(), now(), 'Compania ' || n || ' SRL', 'EX-' || lpad(n::text, 8, '0'),
       (ARRAY['customer', 'prospect', 'partner'])[n %% 3 + 1], (ARRAY['software', 'automotive', 'banking'])[n %% 3 + 1],
       '+40 21 ' || lpad((n %% 10000000)::text, 7, '0'), 'office' || n || '@compania' || n || '.ro',
       'https://compania' || n || '.ro', 'Str. Memorandumului ' || (n %% 200), 'Cluj-Napoca', 'Cluj', '400000',
       'România', (n * 13 %% 10000000) + 0.5, 'RON', n %% 5000, 'Client important',
       CASE WHEN n %% 10 = 0 THEN 'inactive' ELSE 'active' END, %s
FROM generate_series(%s, %s) AS n
"""  # %% is a literal % (modulo) beside the query's parameters


def seed_accounts():
    """Add accounts (and a salesperson owning them) up to --seed-accounts N: one INSERT ... SELECT."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import Account
    from crm import roles

    wanted = int(os.environ["BENCH_SEED_ACCOUNTS"])
    owner, _created = get_user_model().objects.get_or_create(username="bench.seller")
    owner.groups.add(Group.objects.get(name=roles.SALESPERSON))
    have = Account.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(ACCOUNTS_SQL, [owner.pk, have + 1, wanted])
        cursor.execute("VACUUM (ANALYZE) accounts_account")


def prepare_accounts_only(url, scale):
    """Create and migrate the database, then add accounts up to ``scale``; return the seconds spent seeding."""
    ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DB_STATEMENT_TIMEOUT_MS": "0", "BENCH_SEED_ACCOUNTS": str(scale)}
    env.pop("DATABASE_REPLICA_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env,
                   check=True)
    started = time.monotonic()
    subprocess.run([sys.executable, __file__, "--seed-accounts"], cwd=BASE_DIR, env=env, check=True)
    return time.monotonic() - started


def measure_in_subprocess(url, file_format, media_root):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "HTTPS_ONLY": "0", "ALLOWED_HOSTS": "localhost",
           "MEDIA_ROOT": str(media_root)}
    env.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    env.pop("DATABASE_REPLICA_URL", None)
    finished = subprocess.run(
        [sys.executable, __file__, "--measure", file_format], cwd=BASE_DIR, env=env, text=True, capture_output=True
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr)
        raise SystemExit(f"exporting {file_format} from {url} failed")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-prefix", default="postgres://postgres@127.0.0.1:5432/crm_bench")
    parser.add_argument("--rows", default="100000,1000000", help="Account counts, comma-separated.")
    parser.add_argument("--formats", default="xlsx,csv", help="Export formats, comma-separated (xlsx, csv, xml).")
    parser.add_argument("--accounts-only", action="store_true", help="Seed accounts alone, by one INSERT.")
    parser.add_argument("--measure", metavar="FORMAT", help=argparse.SUPPRESS)
    parser.add_argument("--seed-accounts", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    if options.measure:
        measure(options.measure)
        return 0
    if options.seed_accounts:
        seed_accounts()
        return 0
    print(f"{'rows':>10} {'format':>6} {'seconds':>8} {'rows/s':>8} {'file MB':>8} {'VmHWM start':>11} {'VmHWM':>8}")
    with tempfile.TemporaryDirectory() as media_root:
        for scale in (int(value) for value in options.rows.split(",")):
            if options.accounts_only:
                url = database_url(options.database_prefix, f"accounts_{scale}")
                seeded = prepare_accounts_only(url, scale)
            else:
                url = database_url(options.database_prefix, scale)
                seeded = prepare(url, scale)
            if seeded:
                print(f"  seeded {url} in {seeded:.0f} s")
            for file_format in options.formats.split(","):
                figures = measure_in_subprocess(url, file_format, media_root)
                print(
                    f"{figures['rows']:>10,} {file_format:>6} {figures['seconds']:>8.1f} "
                    f"{figures['rows_per_second']:>8,.0f} {figures['file_mb']:>8.1f} "
                    f"{figures['vmhwm_start_mb']:>8.0f} MB {figures['vmhwm_mb']:>5.0f} MB",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
