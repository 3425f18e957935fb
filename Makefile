# Set-up, demo server and tests. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/crm
HOST ?= 127.0.0.1
PORT ?= 8000
# make serve: production mode. HTTPS_ONLY=0 to try it on plain http://127.0.0.1:8000.
HTTPS_ONLY ?= 1
TASK_WORKERS ?= 1
# make bench: the page benchmark's databases are $(BENCH_DB)_10000 and $(BENCH_DB)_1000000.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/crm_bench
# make load: the database gunicorn serves (the large benchmark one by default); LOAD_IMPORT_COMMAND runs beside it.
LOAD_DB ?= $(BENCH_DB)_1000000

.PHONY: install run serve test test-postgres test-browser check bench bench-imports bench-pages bench-duplicates load lock messages clean

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

# Production mode: DEBUG off, the SECRET_KEY given or generated once into .secret_key, hashed static
# files, migrations, gunicorn (crm/gunicorn_conf.py) and TASK_WORKERS task workers; Ctrl+C stops all.
serve: install
	@test -n "$$SECRET_KEY" || test -s .secret_key || \
		$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key
	@export DEBUG=0 HTTPS_ONLY=$(HTTPS_ONLY) SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" \
		ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost}" BIND="$${BIND:-$(HOST):$(PORT)}"; \
	$(BIN)/python manage.py collectstatic --no-input -v 0 && \
	DB_STATEMENT_TIMEOUT_MS=0 $(BIN)/python manage.py migrate --no-input -v 0 && \
	echo "Serving http://$$BIND/ with gunicorn and $(TASK_WORKERS) task worker(s); Ctrl+C stops all" && \
	trap 'kill 0' INT TERM EXIT; \
	for _ in $$(seq 1 $(TASK_WORKERS)); do $(BIN)/python manage.py db_worker --queue-name '*' & done; \
	$(BIN)/gunicorn -c crm/gunicorn_conf.py crm.wsgi

test: install
	$(BIN)/pytest

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

test-browser: install
	$(BIN)/pytest -m browser

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .

# Every benchmark, printing its figures.
bench: bench-imports bench-pages bench-duplicates

# Imports: 100,000 accounts and contacts from CSV and XLSX into SQLite and PostgreSQL, against the baseline;
# then 100,000 accounts re-imported into 1,000,000 (PostgreSQL), against the same file into an empty table.
bench-imports: install
	$(BIN)/python tests/bench/bench_imports.py --rows $${BENCH_ROWS:-100000}
	$(BIN)/python tests/bench/bench_reimport.py --rows $${BENCH_ROWS:-100000}

# Page times at 10,000 and 1,000,000 accounts on PostgreSQL (seeds each database once, then reuses it).
bench-pages: install
	$(BIN)/python tests/bench/pages.py --database-prefix $(BENCH_DB)

# Duplicate detection on the 1,000,000-account database bench-pages seeds: the check before a save, the
# scan of all accounts and contacts, and the recall on seed_scale's planted duplicates.
bench-duplicates: install
	DATABASE_URL=$(BENCH_DB)_1000000 DB_STATEMENT_TIMEOUT_MS=0 $(BIN)/python tests/bench/bench_duplicates.py

# 20 signed-in users for 60 s against gunicorn on 127.0.0.1, with a background import running.
load: install
	$(BIN)/python tests/load/run.py --database-url $(LOAD_DB)

lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .secret_key
