# The two commands: `make run` and `make test`. Everything else is a helper.
VENV   ?= .venv
BIN     = $(VENV)/bin
PYTHON ?= python3
STAMP   = $(VENV)/.installed-stamp
MO      = translations/vi/LC_MESSAGES/messages.mo
export FLASK_APP = wsgi

.PHONY: run test cluster-test test-pg test-deep mutants mutants-report bench install lint format translations extract-messages clean

run: install  ## serve the demo shop on http://127.0.0.1:5000 (SQLite in instance/)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

TEST_WORKERS ?= 2

test: install  ## the whole suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set), one process per core
	$(BIN)/pytest --ignore=tests/cluster -n $(TEST_WORKERS) --dist loadfile

cluster-test: install  ## nginx, two app servers and a worker on PostgreSQL and Redis (deploy/)
	$(BIN)/pytest tests/cluster -p no:cacheprovider

test-pg: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest --ignore=tests/cluster -n $(TEST_WORKERS) --dist loadfile

test-deep: install  ## the money state machine with many more random sequences
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest tests/services/test_money_machine.py -p no:cacheprovider

MUTANTS ?=

mutants: install  ## mutation testing of shop/services and the edge rules (hours); MUTANTS='pattern ...' runs a part
	rm -rf mutants
	HYPOTHESIS_PROFILE=mutants $(BIN)/mutmut run --max-children 2 $(MUTANTS)

mutants-report: install
	$(BIN)/mutmut results

BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench

bench: install  ## a day's mixed traffic, one or two servers behind nginx, single pages (wrk), labels, checkout
	$(BIN)/python bench/mix.py --postgres $(BENCH_PG)
	$(BIN)/python bench/servers.py --postgres $(BENCH_PG)
	$(BIN)/python bench/run.py --postgres $(BENCH_PG)
	$(BIN)/python bench/labels.py
	$(BIN)/python bench/checkout.py

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(MO): translations/vi/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations

translations: $(MO)

extract-messages: $(STAMP)  ## refresh translations/messages.pot and merge into the .po
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* .venv" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache

.PHONY: screenshots
screenshots: install  ## phone and desktop screenshots of the main pages into docs/ui/ (a scratch demo shop on :5077)
	$(BIN)/python tools/screenshots.py --serve --port $${SCREENSHOT_PORT:-5077}
