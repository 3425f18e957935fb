"""Record picker benchmark: form pages and picker searches on PostgreSQL at a chosen number of accounts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_pickers \\
        python tests/bench/bench_pickers.py [--accounts 1000000] [--runs 15]

Migrates the database named by DATABASE_URL (use a scratch one), tops it up with SQL to the given
number of accounts and twice as many contacts, adds the trigram indexes the search relies on when
they are missing (the names the search-index migration gives them), then requests form pages and
picker searches through Django's full stack (test client, signed in as a salesperson) and prints
the median and 95th-percentile times, the number of queries and the response size. It is a
benchmark, not a test: figures depend on the machine and its load.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

TRIGRAM_INDEXES = [
    ("accounts_account", "name", "account_name_trgm"),
    ("accounts_account", "account_number", "account_account_number_trgm"),
    ("accounts_account", "email", "account_email_trgm"),
    ("contacts_contact", "first_name", "contact_first_name_trgm"),
    ("contacts_contact", "last_name", "contact_last_name_trgm"),
    ("contacts_contact", "email", "contact_email_trgm"),
]

SEED_ACCOUNTS = """
INSERT INTO accounts_account (created_at, modified_at, street, city, county, postal_code, country, name,
  account_number, relationship_type, industry, main_phone, email, website, currency, description, status, owner_id)
SELECT now(), now(), '', (ARRAY['Brașov','Cluj','Iași','Timișoara','București'])[1 + g %% 5], '', '', 'RO',
  (ARRAY['Carpați','Dunărea','Tech','Agro','Construct','Logistic','Soft','Media','Energ','Farm'])[1 + g %% 10]
    || ' ' || md5(g::text)::varchar(6) || ' ' || (ARRAY['SRL','SA','Group'])[1 + g %% 3],
  'AC-' || g, 'customer', '', '', 'office' || g || '@firma' || (g %% 997) || '.ro', '', 'RON', '', 'active', %s
FROM generate_series(%s, %s) g
"""

SEED_CONTACTS = """
INSERT INTO contacts_contact (created_at, modified_at, street, city, county, postal_code, country, first_name,
  last_name, job_title, email, business_phone, mobile_phone, preferred_contact_method, description, status,
  account_id, owner_id)
SELECT now(), now(), '', '', '', '', '', (ARRAY['Ana','Mihai','Elena','Ioan','Maria','Radu'])[1 + g %% 6],
  (ARRAY['Popescu','Ionescu','Vasilescu','Marin','Stan','Dumitru'])[1 + (g / 6) %% 6] || md5(g::text)::varchar(4),
  '', 'c' || g || '@mail.ro', '', '', 'any', '', 'active', %s + (g %% %s), %s
FROM generate_series(%s, %s) g
"""


def count(cursor, table):
    cursor.execute(f"SELECT count(*), coalesce(min(id), 0) FROM {table}")
    return cursor.fetchone()


def seed(accounts, owner):
    from django.db import connection

    with connection.cursor() as cursor:
        have, _first = count(cursor, "accounts_account")
        if have < accounts:
            started = time.perf_counter()
            cursor.execute(SEED_ACCOUNTS, [owner.pk, have + 1, accounts])
            print(f"added {accounts - have} accounts in {time.perf_counter() - started:.0f} s", flush=True)
        total, first = count(cursor, "accounts_account")
        contacts, _ = count(cursor, "contacts_contact")
        if contacts < 2 * total:
            started = time.perf_counter()
            cursor.execute(SEED_CONTACTS, [first, total, owner.pk, contacts + 1, 2 * total])
            print(f"added {2 * total - contacts} contacts in {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column, name in TRIGRAM_INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )
        cursor.execute("ANALYZE accounts_account")
        cursor.execute("ANALYZE contacts_contact")
        return total, first, count(cursor, "contacts_contact")[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SalespersonFactory

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    call_command("migrate", verbosity=0)
    user = SalespersonFactory(username="bench.picker")
    accounts, first, contacts = seed(args.accounts, user)
    print(f"{accounts} accounts, {contacts} contacts; {args.runs} runs each")

    client = Client()
    client.force_login(user)

    def measure(label, url, params, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        client.get(url, params, headers=headers)
        times = []
        for _run in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p95 = times[max(0, round(len(times) * 0.95) - 1)]
        print(
            f"{label:44} median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
            f"{len(queries)} queries  {len(response.content) / 1024:5.1f} KB"
        )

    measure("new contact form, account prefilled", "/contacts/new/", {"account": first})
    measure("new opportunity form, account prefilled", "/opportunities/new/", {"account": first})
    measure("new invoice form, account prefilled", "/invoices/new/", {"account": first})
    measure("edit account form", f"/accounts/{first}/edit/", {})
    for query in ["carp", "tech soft", "carpați 1a", "office12345@", "AC-99", "zzzq"]:
        measure(f"pick accounts {query!r}", "/pick/accounts/", {"q": query}, htmx=True)
    for query in ["elena", "vasil", "maria ione", "c12345@"]:
        measure(f"pick contacts {query!r}", "/pick/contacts/", {"q": query}, htmx=True)
    measure("pick contacts of one account 'a'", "/pick/contacts/", {"q": "a", "account": first}, htmx=True)


if __name__ == "__main__":
    main()
