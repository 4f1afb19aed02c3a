# Newsline: `make run` serves the seeded API on :8000, `make test` runs every check.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# A development token so the README's curl examples work; set your own in production.
export NEWSLINE_TOKENS ?= dev-editor-token:dev:editor,dev-reader-token:guest:reader,dev-admin-token:dev-admin:admin
EXTERNAL_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test

SIZE ?= 20000

.PHONY: install run test lint typecheck pytest test-external faults bench screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/newsline serve --seed --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy domain projections adapters api newsline entrypoints bench

pytest: install
	$(BIN)/pytest --ignore=tests/faults

# A test run must leave the checkout as it found it (no caches or files outside .gitignore).
test: lint typecheck
	@git status --porcelain --untracked-files=all > $(VENV)/.status-before 2>/dev/null || true
	$(MAKE) pytest
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git status --porcelain --untracked-files=all | diff $(VENV)/.status-before - \
	    || { echo "the test run changed the checkout (above); keep its files out or in .gitignore"; exit 1; }; \
	fi

# The integration and API tests again, against an external PostgreSQL server.
test-external: install
	NEWSLINE_TEST_DATABASE_URL=$(EXTERNAL_TEST_DATABASE_URL) $(BIN)/pytest tests/integration tests/api

# Fault tests: kill workers and servers, restart a PostgreSQL of their own, race 50 editors.
faults: install
	$(BIN)/pytest tests/faults

# Figures beside baselines of the same run (not a test): make bench SIZE=1000000
bench: install
	$(BIN)/python -m bench --size $(SIZE)

# Refresh the README's pictures of the desk: docs/desk-axis.png, docs/desk-drafts.png (needs Debian's chromium).
screenshot: install
	NEWSLINE_SCREENSHOTS=docs $(BIN)/pytest tests/e2e/test_explorer.py

clean:
	rm -rf $(VENV) .newsline .pytest_cache .mypy_cache .ruff_cache
