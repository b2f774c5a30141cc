# Soko: `make run` serves the marketplace with demo data, `make test` runs the whole suite,
# `make lint` checks the code (ruff) and the import contracts (import-linter).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint install install-test migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-test.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Soko on http://$(HOST):$(PORT)/  (demo accounts: see README; password soko-demo-123)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) site_config.asgi:application

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) db.sqlite3* huey.sqlite3* .test-db.sqlite3* staticfiles .pytest_cache
