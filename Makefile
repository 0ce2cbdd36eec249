# The portal's everyday commands. A fresh machine needs only python3 (3.11):
#   make run    install, migrate, load the demo data, start web + worker + beat
#   make test   run the test suite (SQLite and the embedded broker unless
#               DATABASE_URL / CELERY_BROKER_URL say otherwise)
# `make help` lists the rest.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Re-install when a requirements file changes: the stamp is older than them.
STAMP := $(VENV)/.requirements-installed
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per CPU; TEST_WORKERS=0 runs the tests in this process.
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help venv run test lint format messages bench bench-imports clean

help:
	@echo "make run       install, migrate, load demo data, start web + worker + beat on http://127.0.0.1:$(PORT)/"
	@echo "make test      run the tests, one process per CPU (PYTEST_ARGS='-k resident -x' to narrow them, TEST_WORKERS=0 for one process)"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make messages  update locale/*.po from the code and compile them (needs GNU gettext)"
	@echo "make bench     fill a PostgreSQL database with a province of data and time the pages (BENCH_DISPUTES, BENCH_RESIDENTS, BENCH_LOGS)"
	@echo "make venv      create $(VENV) and install requirements-dev.txt"
	@echo "make clean     remove caches, collected static files and test artifacts (keeps var/ and $(VENV))"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@if ! $(BIN)/python -c "" 2>/dev/null; then \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

run: venv
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "  Governance centre portal: http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password portal-demo-2026, demo only; what each sees: README.md):"
	@echo "    admin district1 township1 village1 village2 grid1 police1 station1 dept1 unit1"
	@echo "  /admin/ asks admin for a code from an authenticator app: set it up on the first visit."
	@echo "  Ctrl-C stops web, worker and beat."
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $(PORT)

test: venv
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Translators' loop: extract strings, edit locale/zh_Hans/LC_MESSAGES/django.po,
# then compile. The .mo files are committed, so only this target needs gettext.
messages: venv
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext (Debian: apt-get install gettext)"; exit 1; }
	$(MANAGE) makemessages -l zh_Hans -l en --no-obsolete --ignore .venv --ignore 'static/vendor' --ignore var --ignore staticfiles
	$(MANAGE) compilemessages --ignore .venv --ignore var

# Benchmarks run against their own database, never the demo one: a province's ledger
# (1,000,000 disputes, 5,000,000 logs) by default on the local PostgreSQL. Filling it takes
# about 35 minutes the first time; later runs only time the pages.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/govcenter_bench
BENCH_DISPUTES ?= 1000000
BENCH_RESIDENTS ?= 500000
BENCH_LOGS ?= 5000000
BENCH_ENV = DATABASE_URL=$(BENCH_DATABASE_URL) VAR_DIR=$(CURDIR)/var/bench
bench: venv
	$(BENCH_ENV) $(BIN)/python -m bench.createdb
	$(BENCH_ENV) $(MANAGE) migrate --noinput -v0
	$(BENCH_ENV) $(MANAGE) seed_demo >/dev/null
	$(BENCH_ENV) $(BIN)/python -m bench.populate --disputes $(BENCH_DISPUTES) --residents $(BENCH_RESIDENTS) --logs $(BENCH_LOGS)
	$(BENCH_ENV) $(BIN)/python -m bench.run
	$(BENCH_ENV) $(BIN)/python -m bench.warnings
	$(BENCH_ENV) $(BIN)/python -m bench.sweeps
	$(BENCH_ENV) $(BIN)/python -m bench.exports
	$(BENCH_ENV) $(BIN)/python -m bench.imports --residents $(BENCH_IMPORT_RESIDENTS)

# The residents import alone, on SQLite (its own file under var/bench-sqlite) and on PostgreSQL.
BENCH_IMPORT_RESIDENTS ?= 100000
bench-imports: venv
	VAR_DIR=$(CURDIR)/var/bench-sqlite $(MANAGE) migrate --noinput -v0
	VAR_DIR=$(CURDIR)/var/bench-sqlite $(BIN)/python -m bench.imports --residents $(BENCH_IMPORT_RESIDENTS)
	$(BENCH_ENV) $(BIN)/python -m bench.createdb
	$(BENCH_ENV) $(MANAGE) migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python -m bench.imports --residents $(BENCH_IMPORT_RESIDENTS)

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles test-artifacts
