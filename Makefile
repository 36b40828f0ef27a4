# Two commands on a fresh machine:
#   make run    set up, create the SQLite database under instance/ (or migrate DATABASE_URL), load demo data,
#               start gunicorn and the scheduler under one supervisor (app/serve/supervise.py)
#   make test   set up and run the whole test suite (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
# and for development: make dev (Flask's development server with the reloader, beside the scheduler).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: setup run dev test test-fast bench bench-http clean translations

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

# The scheduler (timers, deadline scans) runs beside the server under one supervisor, which restarts it if
# it dies; both stop together (Ctrl-C, SIGTERM, or the server exiting). PORT, HOST and DATABASE_URL apply.
# exec: a SIGTERM to make reaches the supervisor, not only the shell in between.
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	PORT=$(PORT) exec $(BIN)/python -m app.serve.supervise

dev: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	PORT=$(PORT) exec $(BIN)/python -m app.serve.supervise --dev

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Everything but the browser, multi-process and fuzz tests: the quick loop while working.
test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not multiprocess and not fuzz"

bench: setup
	$(BIN)/python bench/lifecycle.py

# HTTP load on the server as `make run` starts it: BENCH_DATABASE_URL names a scratch PostgreSQL database
# (its schema public is dropped and rebuilt).
bench-http: setup
	$(BIN)/python bench/http_load.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache node_modules

# After changing UI strings: re-extract, merge into the English catalogue, then translate the new entries.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 \
		--no-location -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
