# Two commands on a fresh machine:
#   make run    set up, create the SQLite database under instance/, load demo data, start the server
#   make test   set up and run the whole test suite (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: setup run test test-fast bench clean translations

$(BIN)/activate: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

# The browser editor's bpmn-js comes from the npm registry, exactly as pinned in package-lock.json
# (served from node_modules/ by /vendor/; nothing of it is committed).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(BIN)/activate node_modules/.installed

# The scheduler (timers, deadline scans) runs beside the server; both stop together (Ctrl-C, SIGTERM to make,
# or the server exiting).
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	trap 'kill $$server $$scheduler 2>/dev/null; wait' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/flask scheduler run & scheduler=$$!; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) & server=$$!; \
	wait $$server

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Everything but the browser and multi-process tests: the quick loop while working.
test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not multiprocess"

bench: setup
	$(BIN)/python bench/lifecycle.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache node_modules

# After changing UI strings: re-extract, merge into the English catalogue, then translate the new entries.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext --no-location -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-location
