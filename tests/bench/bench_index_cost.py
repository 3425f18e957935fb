"""What the accounts table's indexes cost a write: COPY of bench_imports' account rows into it, rolled back, as the
table is and with its search indexes replaced.

    python tests/bench/bench_index_cost.py [--rows 100000] [--runs 3]

On a database of its own (``crm_index_cost``, made afresh and migrated), each case COPYs the same rows into
``accounts_account`` (bench_imports.copy_into_accounts_rate: its checks, keys and every index, rolled back) and
prints the best of ``--runs``:

- as the migrations leave it: five trigram indexes for the lists' substring search (name, account number,
  email, main phone, city), beside the sort, filter and unique B-tree indexes;
- without the trigram indexes: what the search costs every write;
- one trigram index over the five columns joined, instead of five: the combined search column the import
  issue proposes;
- one multicolumn trigram index over the five expressions.

(The two B-tree indexes other indexes covered, ``account_name_idx`` and the owner's own index, are dropped by
the migrations since 1 December 2026.)

It changes only its own database. A benchmark, not a test: figures depend on the machine and its load.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench_imports  # noqa: E402 (the path above)

DATABASE = "crm_index_cost"
TRIGRAM = ("account_name_trgm", "account_account_number_trgm", "account_email_trgm", "account_main_phone_trgm",
           "account_city_trgm")
COLUMNS = ("name", "account_number", "email", "main_phone", "city")


def main():
    import psycopg2

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    server = psycopg2.connect(f"{bench_imports.PG_SERVER}/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    url = f"{bench_imports.PG_SERVER}/{DATABASE}"
    owner = bench_imports.run_case(url, "setup")["user"]
    database = psycopg2.connect(url)
    database.autocommit = True
    cursor = database.cursor()
    with tempfile.TemporaryDirectory() as tmp:
        path = bench_imports.write_files(Path(tmp), options.rows, targets=("accounts",), xlsx=False)
        path = path[("accounts", "csv")]

        def measure(label):
            rate = max(bench_imports.copy_into_accounts_rate(url, path, owner) for _ in range(options.runs))
            print(f"{label:<64}{rate:>10,.0f} rows/s")

        print(f"COPY of {options.rows:,} account rows into accounts_account, best of {options.runs}")
        measure("as the migrations leave it (five trigram indexes)")
        for name in TRIGRAM:
            cursor.execute(f"DROP INDEX {name}")
        measure("without the trigram indexes")
        joined = " || ' ' || ".join(COLUMNS)
        cursor.execute(f"CREATE INDEX cost_joined ON accounts_account USING gin ((UPPER({joined})) gin_trgm_ops)")
        measure("one trigram index over the five columns joined")
        cursor.execute("DROP INDEX cost_joined")
        expressions = ", ".join(f"(UPPER({column}::text)) gin_trgm_ops" for column in COLUMNS)
        cursor.execute(f"CREATE INDEX cost_multicolumn ON accounts_account USING gin ({expressions})")
        measure("one multicolumn trigram index (five expressions)")
        cursor.execute("DROP INDEX cost_multicolumn")
    database.close()
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    server.close()


if __name__ == "__main__":
    main()
