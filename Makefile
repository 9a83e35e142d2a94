# Tracker: `make run` serves the demo, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# reinstalled only when the package definition changes
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000

.PHONY: run test bench lint clean venv

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Local use: debug settings (cookies over plain HTTP) unless a secret key is given; without one the
# app signs with a key generated into instance/secret_key. Links in mail point at the port served
# (TRACKER_BASE_URL, unless set); mail goes to instance/mail/ (TRACKER_MAIL_URL, unless set). The
# embedded worker starts with the server, not with the one-off commands.
run: $(STAMP)
	@set -e; \
	if [ -z "$${TRACKER_SECRET_KEY:-}" ]; then export TRACKER_DEBUG=1; fi; \
	export TRACKER_DEFAULT_SUPERVISOR=$${TRACKER_DEFAULT_SUPERVISOR-440000}; \
	export TRACKER_SINGLE_PROCESS=$${TRACKER_SINGLE_PROCESS-1}; \
	export TRACKER_BASE_URL=$${TRACKER_BASE_URL-http://127.0.0.1:$(PORT)}; \
	TRACKER_EMBEDDED_WORKER=0 $(BIN)/tracker db upgrade; \
	TRACKER_EMBEDDED_WORKER=0 $(BIN)/tracker demo; \
	echo "Mail (links to $$TRACKER_BASE_URL) is written to $${TRACKER_MAIL_URL:-instance/mail/, one .eml file per message}"; \
	echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"; \
	exec $(BIN)/tracker run --host 127.0.0.1 --port $(PORT) --no-reload --no-debugger

# SQLite first; then PostgreSQL when TRACKER_TEST_DATABASE_URL is set. Any failing pass fails the
# target; pytest's exit code 5 (no tests collected) is non-zero, so it fails too.
test: $(STAMP)
	@status=0; \
	echo "== pytest on SQLite"; \
	$(BIN)/python -m pytest || { rc=$$?; echo "pytest on SQLite failed (exit $$rc)"; status=1; }; \
	if [ -n "$${TRACKER_TEST_DATABASE_URL:-}" ]; then \
	  echo "== pytest on PostgreSQL"; \
	  $(BIN)/python -m pytest --db=postgresql -m "not browser" \
	    || { rc=$$?; echo "pytest on PostgreSQL failed (exit $$rc)"; status=1; }; \
	else \
	  echo "TRACKER_TEST_DATABASE_URL is not set: PostgreSQL pass skipped"; \
	fi; \
	exit $$status

# the national benchmark on PostgreSQL (TRACKER_BENCH_DATABASE_URL); BENCH_ARGS="--only report" etc.
bench: $(STAMP)
	$(BIN)/python -m tests.bench national $(BENCH_ARGS)

# ruff reads its settings from pyproject.toml, import-linter its layers from setup.cfg
lint: $(STAMP)
	$(BIN)/ruff check tracker tests migrations/env.py
	$(BIN)/lint-imports

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis .coverage htmlcov \
	  test-artifacts bench-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
