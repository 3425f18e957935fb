"""Import benchmark: the real import path against django-import-export's default ModelResource, beside ceilings.

    python tests/bench/bench_imports.py [--rows 100000] [--baseline-rows 5000] [--databases sqlite,postgres]

Generates account and contact files (CSV and XLSX; contacts name their account
by number, so every contact row looks its account up), and opportunity and
invoice-line files (CSV; each row names its account by number, three lines make
an invoice), then for each database:
imports them through the real code path (crm.imports: parsing, full validation,
duplicate matching, job records), each in its own process so its peak memory
(max RSS) is its own; imports the account CSV through a default ModelResource
(what the admin gives out of the box: row by row) as the baseline; and prints
the ceilings: reading each file alone (csv module, openpyxl read-only) and, on
PostgreSQL, COPY of the account CSV into a bare table and into the accounts
table itself (its indexes, checks and foreign keys; rolled back). It is a benchmark, not a test: figures
depend on the machine and its load. Each case also prints the CPU time a row took in
the importing process (all its threads) and, when the PostgreSQL server runs on this machine,
in the server's processes (from /proc), and for accounts from CSV the rate those two allow on
two cores, where Python's threads share one core. --memory-rows N also imports an N-row
account CSV into SQLite to compare peak memory with the --rows run.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_DATABASE", "crm_imports_bench")

ACCOUNT_HEADER = ["Account Name", "Account Number", "Relationship Type", "Industry", "Main Phone", "Email", "Website",
                  "Street", "City", "County", "Postal code", "Country", "Annual Revenue", "Currency",
                  "Number of Employees", "Description"]
CONTACT_HEADER = ["First Name", "Last Name", "Job Title", "Account Number", "Email", "Business Phone", "Mobile Phone",
                  "City", "Country"]
OPPORTUNITY_HEADER = ["Topic", "Account Number", "Estimated revenue", "Currency", "Estimated close date", "Probability",
                      "Sales stage", "Description"]
INVOICE_HEADER = ["Invoice Number", "Account Number", "Invoice Date", "Due Date", "Product", "Quantity", "Unit Price",
                  "Tax Rate"]
STAGES = ["Qualify", "Develop", "Propose", "Close"]
LINES_PER_INVOICE = 3
FIRST = ["Ion", "Maria", "Andrei", "Elena", "Mihai", "Ioana", "Ștefan", "Ana"]
CITIES = ["Cluj-Napoca", "București", "Iași", "Timișoara", "Brașov", "Constanța", "Sibiu", "Oradea"]


def account_row(index):
    return [f"Compania {index} SRL", f"AC-{index:07d}", "Customer", "Software and IT",
            f"+40 21 {index // 10000 % 1000:03d} {index % 10000:04d}", f"office{index}@compania{index}.ro",
            f"https://compania{index}.ro", f"Str. Mihai Eminescu {index % 200}", CITIES[index % 8], "Cluj", "400001",
            "România", f"{index * 13 % 10000000},50", "RON", str(index % 5000), "Client important"]


def contact_row(index, accounts):
    return [FIRST[index % 8], f"Popescu{index}", "Director vânzări", f"AC-{index % accounts:07d}",
            f"persoana{index}@exemplu.ro", f"+40 31 {index // 10000 % 1000:03d} {index % 10000:04d}",
            f"+40 7{index % 100000000:08d}",
            CITIES[index % 8], "România"]


def opportunity_row(index, accounts):
    return [f"Licențe {index}", f"AC-{index % accounts:07d}", f"{index % 100000},00", "RON",
            f"2027-{index % 12 + 1:02d}-15", str(index % 10 * 10), STAGES[index % 4], "Ofertă trimisă"]


def invoice_row(index, accounts):
    invoice = index // LINES_PER_INVOICE
    return [f"FCT-B-{invoice:07d}", f"AC-{invoice % accounts:07d}", "2026-11-30", "2026-12-30",
            f"Serviciu {index % LINES_PER_INVOICE + 1}", str(index % 5 + 1), f"{index % 900 + 100},50", "21"]


# Every target, in the order a run imports them (opportunities and invoices name accounts by number).
TARGETS = ("accounts", "contacts", "opportunities", "invoices")
CSV_ONLY = ("opportunities", "invoices")


def write_files(directory, rows, *, targets=TARGETS, xlsx=True):
    import openpyxl

    files = {}
    for target, header, make in (("accounts", ACCOUNT_HEADER, account_row),
                                 ("contacts", CONTACT_HEADER, lambda i: contact_row(i, rows)),
                                 ("opportunities", OPPORTUNITY_HEADER, lambda i: opportunity_row(i, rows)),
                                 ("invoices", INVOICE_HEADER, lambda i: invoice_row(i, rows))):
        if target not in targets:
            continue
        path = directory / f"{target}-{rows}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(make(index) for index in range(rows))
        files[(target, "csv")] = path
        if not xlsx or target in CSV_ONLY:
            continue
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for index in range(rows):
            sheet.append(make(index))
        path = directory / f"{target}-{rows}.xlsx"
        workbook.save(path)
        files[(target, "xlsx")] = path
    return files


def baseline_file(directory, rows, owner_id):
    path = directory / f"baseline-{rows}.csv"
    names = ["name", "account_number", "relationship_type", "industry", "main_phone", "email", "website", "street",
             "city", "county", "postal_code", "country", "annual_revenue", "currency", "number_of_employees",
             "description", "owner"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for index in range(rows):
            row = account_row(index)
            row[2], row[3] = "customer", "software"
            row[12] = row[12].replace(",", ".")
            writer.writerow([*row, owner_id])
    return path


# Ceilings ---------------------------------------------------------------------------------------


def read_csv_rate(path):
    start = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        count = sum(1 for _row in csv.reader(handle)) - 1
    return count / (time.perf_counter() - start)


def read_xlsx_rate(path):
    import openpyxl

    start = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return count / (time.perf_counter() - start)


def copy_rate(url, path):
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            columns = ", ".join(f"c{index} text" for index in range(len(ACCOUNT_HEADER)))
            cursor.execute(f"CREATE TEMP TABLE copy_ceiling ({columns})")
            start = time.perf_counter()
            with open(path, encoding="utf-8") as handle:
                cursor.copy_expert("COPY copy_ceiling FROM STDIN WITH (FORMAT csv, HEADER)", handle)
            seconds = time.perf_counter() - start
            cursor.execute("SELECT count(*) FROM copy_ceiling")
            count = cursor.fetchone()[0]
        connection.rollback()
    finally:
        connection.close()
    return count / seconds


def copy_into_accounts_rate(url, path, owner_id):
    """COPY of the account rows, as the import would write them, into the real accounts table, rolled back.

    The table's indexes (the trigram search indexes among them), check constraints and foreign keys (checked
    before the rollback) all work as on an import: the database's own ceiling for writing the accounts, before
    the job's links and the change history are written beside them.
    """
    import psycopg2

    columns = ["name", "account_number", "relationship_type", "industry", "main_phone", "email", "website", "street",
               "city", "county", "postal_code", "country", "annual_revenue", "currency", "number_of_employees",
               "description", "status", "owner_id", "created_by_id", "modified_by_id", "created_at", "modified_at"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        next(rows)
        for row in rows:
            row[2], row[3], row[12] = "customer", "software", row[12].replace(",", ".")
            stamp = "2026-01-01 00:00:00+00"
            writer.writerow([*row, "active", owner_id, owner_id, owner_id, stamp, stamp])
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            buffer.seek(0)
            start = time.perf_counter()
            cursor.copy_expert(f"COPY accounts_account ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)
            seconds = time.perf_counter() - start
            count = cursor.rowcount
        connection.rollback()
    finally:
        connection.close()
    return count / seconds


# Cases, each in its own process -----------------------------------------------------------------


def postgres_cpu_seconds():
    """CPU seconds the local PostgreSQL server's processes have used (its exited backends' through the
    postmaster's children times), from /proc; None when the server is not on this machine or not readable."""
    total, found = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if name.startswith("postgres"):
            found = True
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK") if found else None


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def peak_memory_mb():
    """This process's peak resident memory. Linux's VmHWM, because ru_maxrss keeps the peak of the parent
    that started it (the benchmark, after writing the files) across fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(url, *args):
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "1",
                   # A 1,000,000-row CSV is over 200 MB: past the upload limit, which is for the web page.
                   "CRM_IMPORT_MAX_UPLOAD_SIZE": str(2 ** 31)}
    result = subprocess.run([sys.executable, __file__, "--case", *args], env=environment, cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"case {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def case(argv):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    kind = argv[0]
    if kind == "setup":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        user, _created = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
        user.is_superuser = True
        user.save()
        print(json.dumps({"user": user.pk}))
        return
    if kind == "reset":
        tables = ("crm_importrowissue", "crm_importjobrecord", "history_changeevent", "crm_importjob",
                  "invoices_invoiceline", "invoices_invoice", "opportunities_opportunity", "contacts_contact",
                  "accounts_account")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Every case starts from empty tables and indexes, not ones holding the last case's dead rows
                # (autovacuum is off on some servers).
                # The change history refuses TRUNCATE (a trigger keeps it append-only); the benchmark's own
                # throwaway database sets triggers aside for this one statement.
                cursor.execute("SET session_replication_role = replica")
                cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")
        print(json.dumps({}))
        return
    user = get_user_model().objects.get(username="bench")
    path = argv[1]
    server_cpu = postgres_cpu_seconds() if connection.vendor == "postgresql" else None
    own_cpu = own_cpu_seconds()
    start = time.perf_counter()
    if kind == "baseline":
        import tablib
        from import_export.resources import modelresource_factory

        from accounts.models import Account

        with open(path, encoding="utf-8") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="csv")
        start = time.perf_counter()
        result = modelresource_factory(Account)().import_data(dataset, dry_run=False, raise_errors=False)
        rows = len(dataset)
        assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows[:3]
        summary = dict(result.totals)
    else:
        from crm.imports.engine import ImportOptions
        from crm.imports.models import ImportJob
        from crm.imports.readers import open_table
        from crm.imports.services import import_job_run

        with open(path, "rb") as handle:
            table = open_table(handle)
            job = ImportJob.objects.create(target=kind, file_name=Path(path).name, created_by=user,
                                           total_rows=table.total, mode="upsert")
            outcome = import_job_run(job=job, table=table)
        job.refresh_from_db()
        rows = job.processed_rows  # for invoices, lines: created counts the invoices
        expected = -(-rows // LINES_PER_INVOICE) if kind == "invoices" else rows
        assert outcome.failed == 0 and outcome.created == expected, (outcome.summary(), outcome.issues[:3])
        summary = outcome.summary()
        del ImportOptions
    seconds = time.perf_counter() - start
    own_cpu = own_cpu_seconds() - own_cpu
    if server_cpu is not None and (server_now := postgres_cpu_seconds()) is not None:
        server_cpu = server_now - server_cpu
    peak = peak_memory_mb()
    print(json.dumps({"rows": rows, "seconds": seconds, "rate": rows / seconds, "peak_mb": peak, "summary": summary,
                      "python_us": 1e6 * own_cpu / rows,
                      "postgres_us": None if server_cpu is None else 1e6 * server_cpu / rows}))


def database_url(name, directory):
    if name == "sqlite":
        return f"sqlite:///{directory / 'bench.sqlite3'}"
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        cursor.execute(f'CREATE DATABASE "{PG_NAME}"')
    connection.close()
    return f"{PG_SERVER}/{PG_NAME}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--memory-rows", type=int, default=0)
    options = parser.parse_args()
    formats = options.formats.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = write_files(directory, options.rows)
        print(f"Import benchmark: {options.rows:,} rows per file; baseline on {options.baseline_rows:,} rows")
        print(f"{'ceiling':<44}{'rows/s':>12}")
        ceilings = {}
        for (target, file_format), path in sorted(files.items()):
            if file_format not in formats:
                continue
            rate = read_csv_rate(path) if file_format == "csv" else read_xlsx_rate(path)
            ceilings[(target, file_format)] = rate
            reader = "csv module" if file_format == "csv" else "openpyxl read-only"
            print(f"{f'read {target} {file_format} ({reader})':<44}{rate:>12,.0f}")
        for database in filter(None, options.databases.split(",")):
            url = database_url(database, directory)
            owner = run_case(url, "setup")["user"]
            accounts_cpu = copy_ceiling = None
            if database == "postgres":
                rate = copy_rate(url, files[("accounts", "csv")])
                print(f"{'PostgreSQL COPY of the accounts CSV':<44}{rate:>12,.0f}")
                run_case(url, "reset")
                rate = copy_ceiling = copy_into_accounts_rate(url, files[("accounts", "csv")], owner)
                print(f"{'  the same into the accounts table':<44}{rate:>12,.0f}   (its indexes, checks and keys)")
            print(f"\n{database}: {'case':<38}{'rows/s':>10}{'x baseline':>12}{'% of read':>11}{'peak MB':>10}"
                  f"{'CPU µs/row: Python':>20}{'PostgreSQL':>12}")
            run_case(url, "reset")
            baseline = run_case(url, "baseline", str(baseline_file(directory, options.baseline_rows, owner)))
            print(f"{'':10}{'accounts csv, default ModelResource':<38}{baseline['rate']:>10,.0f}{1:>12.1f}"
                  f"{'':>11}{baseline['peak_mb']:>10.0f}")
            for file_format in formats:
                run_case(url, "reset")
                for target in TARGETS:
                    if (target, file_format) not in files:
                        continue
                    result = run_case(url, target, str(files[(target, file_format)]))
                    share = 100 * result["rate"] / ceilings[(target, file_format)]
                    label = "invoice lines" if target == "invoices" else target
                    server = "" if result["postgres_us"] is None else f"{result['postgres_us']:>12.0f}"
                    print(f"{'':10}{f'{label} {file_format}, real path':<38}{result['rate']:>10,.0f}"
                          f"{result['rate'] / baseline['rate']:>12.1f}{share:>10.0f}%{result['peak_mb']:>10.0f}"
                          f"{result['python_us']:>20.0f}{server}")
                    if database == "postgres" and target == "accounts" and file_format == "csv":
                        accounts_cpu = result
            if database == "postgres" and "csv" in formats and accounts_cpu["postgres_us"] is not None:
                python_us, server_us = accounts_cpu["python_us"], accounts_cpu["postgres_us"]
                # Python's threads share one core (the GIL); the server has the other; both share the two.
                bound = 1e6 / max(python_us, server_us, (python_us + server_us) / 2)
                print(f"\n  accounts csv: {python_us:.0f} µs of Python and {server_us:.0f} µs of PostgreSQL CPU a row; "
                      f"on 2 cores at most {bound:,.0f} rows/s ({100 * bound / copy_ceiling:.0f}% of the COPY into "
                      f"the accounts table), against {accounts_cpu['rate']:,.0f} measured "
                      f"({100 * accounts_cpu['rate'] / copy_ceiling:.0f}%)")
        if options.memory_rows:
            url = database_url("sqlite", directory)
            run_case(url, "setup")
            run_case(url, "reset")
            small = run_case(url, "accounts", str(files[("accounts", "csv")]))
            big = write_files(directory, options.memory_rows, targets=("accounts",), xlsx=False)[("accounts", "csv")]
            run_case(url, "reset")
            large = run_case(url, "accounts", str(big))
            print(f"\npeak memory, accounts csv into SQLite: {options.rows:,} rows {small['peak_mb']:.0f} MB, "
                  f"{options.memory_rows:,} rows {large['peak_mb']:.0f} MB "
                  f"(ratio {large['peak_mb'] / small['peak_mb']:.2f}), {large['rate']:,.0f} rows/s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        case(sys.argv[2:])
    else:
        main()
