"""The import_data command: same code path, final counts line, failed-rows file, exit codes 0, 1 and 2."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from accounts.models import Account
from contacts.models import Contact
from crm.imports.models import ImportJob
from tests.imports.conftest import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_every_row_imported_exits_0(tmp_path, sales_manager):
    path = write(tmp_path, "conturi.csv", csv_bytes([["Account Name", "Account Number"], ["Dacia", "A-1"]]))
    code, out, _err = run("accounts", path, "--user", sales_manager.username)
    assert code == 0
    assert out.strip().splitlines()[-1] == "created 1, updated 0, skipped 0, failed 0"
    assert ImportJob.objects.get().source == "command"


def test_some_rows_failed_exits_1_and_writes_errors_only_where_asked(tmp_path, sales_manager):
    data = xlsx_bytes([["Account Name", "Email"], ["Dacia", "office@dacia.ro"], ["Rău", "nu"]])
    path = write(tmp_path, "conturi.bin", data)
    errors = tmp_path / "erori.xlsx"
    code, out, _err = run("accounts", path, "--user", sales_manager.username, "--errors", str(errors))
    assert code == 1 and out.strip().endswith("created 1, updated 0, skipped 0, failed 1")
    sheet = openpyxl.load_workbook(errors).active
    assert [cell.value for cell in sheet[1]] == ["Account Name", "Email", "Error"]
    assert [cell.value for cell in sheet[2]][:2] == ["Rău", "nu"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conturi.bin", "erori.xlsx"]


def test_refused_file_exits_2_and_writes_nothing(tmp_path, sales_manager):
    path = write(tmp_path, "gol.csv", b"Account Name\r\n")
    code, _out, err = run("accounts", path, "--user", sales_manager.username)
    assert code == 2 and "header row but no data rows" in err
    code, _out, err = run("accounts", str(tmp_path / "lipsa.csv"), "--user", sales_manager.username)
    assert code == 2
    assert not Account.objects.exists()


def test_options_all_or_nothing_dry_run_mode_and_create_missing_accounts(tmp_path, sales_manager):
    rows = [["First Name", "Last Name", "Company Name"], ["Ion", "Pop", "Nouă SRL"], ["Ana", "Ene", "Nouă SRL"]]
    path = write(tmp_path, "persoane.csv", csv_bytes(rows))
    assert run("contacts", path, "--user", sales_manager.username)[0] == 1
    assert run("contacts", path, "--user", sales_manager.username, "--create-missing-accounts", "--dry-run")[0] == 0
    assert not Contact.objects.exists() and not Account.objects.exists()
    code, out, _err = run("contacts", path, "--user", sales_manager.username, "--create-missing-accounts",
                          "--all-or-nothing", "--mode", "create")
    assert code == 0 and "created 2" in out
    assert Account.objects.get().contacts.count() == 2


def test_a_salesperson_may_not_import(tmp_path, salesperson):
    from django.core.management.base import CommandError

    path = write(tmp_path, "conturi.csv", csv_bytes([["Account Name"], ["Dacia"]]))
    with pytest.raises(CommandError) as error:
        call_command("import_data", "accounts", path, "--user", salesperson.username)
    assert error.value.returncode == 2


def test_help_documents_the_exit_codes():
    from crm.management.commands.import_data import Command

    parser = Command().create_parser("manage.py", "import_data")
    text = parser.format_help()
    assert "--all-or-nothing" in text and "--create-missing-accounts" in text and "--resume JOB" in text
    for code in ("0  every row", "1  the import finished", "2  nothing was written", "3  the import stopped part-way"):
        assert code in text
