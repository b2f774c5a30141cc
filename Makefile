# Soko: `make run` serves the marketplace with demo data, `make test` runs the whole suite,
# `make lint` checks the code (ruff) and the import contracts (import-linter).
# `make messages` updates the translation catalogs (needs GNU gettext); `make compilemessages`
# compiles them with Babel (no system package), which `make run` and `make test` do first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

LANGUAGES := fr sw ur

.PHONY: run test lint install install-test migrate seed clean messages compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-web.txt requirements-worker.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-web.txt requirements-worker.txt requirements-test.txt shop/chain/node/package-lock.json tests/tools/ipfs/package-lock.json | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-test.txt
	npm ci --prefix shop/chain/node --no-audit --no-fund --loglevel=error
	npm ci --prefix tests/tools/ipfs --no-audit --no-fund --loglevel=error
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

compilemessages: install
	$(BIN)/python -m scripts.compilemessages

messages: install-test
	$(BIN)/python manage.py makemessages $(foreach l,$(LANGUAGES),-l $(l)) --no-obsolete --add-location=file -i ".venv/*" -i "node_modules/*" -i "staticfiles/*" -i "tests/*" -i "bench/*"
	$(BIN)/python manage.py makemessages -d djangojs $(foreach l,$(LANGUAGES),-l $(l)) --no-obsolete --add-location=file -i ".venv/*" -i "node_modules/*" -i "staticfiles/*" -i "static/vendor/*" -i "tests/*"
	$(BIN)/python -m scripts.compilemessages

migrate: install compilemessages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py catalog_changed

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Soko on http://$(HOST):$(PORT)/  (demo accounts: see README; password soko-demo-123)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 65536 --websocket-max-frame-size 65536 site_config.asgi:application

test: install-test compilemessages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m tests.architecture

clean:
	rm -rf $(VENV) db.sqlite3* huey.sqlite3* .test-db.sqlite3* staticfiles .pytest_cache
