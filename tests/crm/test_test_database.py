"""The tests' own database: a file on SQLite, so the live server's request threads each get a connection."""

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="About the SQLite test database.")
def test_sqlite_tests_run_on_a_database_file_not_in_memory():
    assert not connection.is_in_memory_db()
    assert connection.settings_dict["NAME"].endswith(".sqlite3")
