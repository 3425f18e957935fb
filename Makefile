# Set-up, demo server and tests. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/crm
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres test-browser check bench bench-imports lock messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12) and "Python 3.12 or newer is needed" or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

run: install
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/ (task worker running beside it; Ctrl+C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py db_worker --queue-name '*' & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

test-browser: install
	$(BIN)/pytest -m browser

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .

# Imports: 100,000 accounts and contacts from CSV and XLSX into SQLite and PostgreSQL, against the baseline.
bench-imports: install
	$(BIN)/python tests/bench/bench_imports.py --rows $${BENCH_ROWS:-100000}

lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
