# LISA — two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CSS := static/build/lisa.css
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrations-check setup db demo worker e2e clean-db stop-db

run: setup
	$(PY) manage.py load_demo
	$(PY) manage.py print_demo_users --url http://$(HOST):$(PORT)
	@# Seal the audit trail now; the worker then seals it every minute (audit/tasks.py).
	$(PY) manage.py seal_audit
	@# The background worker (emails and other tasks) runs beside the web server and stops with it.
	$(PY) manage.py db_worker --reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Two application servers on one database, as behind a load balancer (README, "Running more
# than one server"): gunicorn on ports 8001 and 8002, each with its own task worker. They share
# sessions, the cache, the rate limits and the task queue. Ctrl-C stops all four.
.PHONY: two-servers
two-servers: setup
	$(PY) manage.py load_demo
	$(PY) manage.py print_demo_users --url http://$(HOST):8001
	$(PY) manage.py seal_audit
	$(PY) manage.py db_worker --no-reload --worker-id two-servers-1 & w1=$$!; \
	$(PY) manage.py db_worker --no-reload --worker-id two-servers-2 & w2=$$!; \
	$(PY) -m gunicorn lisa.wsgi --bind $(HOST):8001 --workers 2 & s1=$$!; \
	trap 'kill $$w1 $$w2 $$s1 2>/dev/null' EXIT INT TERM; \
	$(PY) -m gunicorn lisa.wsgi --bind $(HOST):8002 --workers 2

# Property-based fuzzing of every form and query string, with enough inputs for well over
# 10,000 in all; it ends by printing "fuzz: N inputs, M server errors" (docs/fuzzing.md).
.PHONY: fuzz
fuzz: setup
	LISA_FUZZ_EXAMPLES=$${LISA_FUZZ_EXAMPLES:-150} $(PY) -m pytest tests/fuzz $(PYTEST_ARGS)

# Load test (docs/performance.md, "Load test"): gunicorn and a worker on 127.0.0.1 under a mixed
# workload of 30 simulated people for 120 s, against a database of its own (100,000 children,
# 1,000,000 audit events; built the first time, then kept). It stops by itself and prints
# requests/s and p50/p95/p99 per page; it fails on any error. LOADTEST_ARGS="--users 60" etc.;
# LOADTEST_ARGS=--alone measures each page on its own beside /health/.
.PHONY: loadtest
loadtest: setup
	LISA_DB_ROLE=superuser $(PY) manage.py loadtest $(LOADTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

setup: $(STAMP) $(CSS) db
	@# Migrations run as the role that owns the tables; everything else as the application's role.
	LISA_DB_ROLE=owner $(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0

db: $(STAMP)
	$(PY) -m lisa.embedded_db start

stop-db: $(STAMP)
	$(PY) -m lisa.embedded_db stop

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(CSS): $(NODE_STAMP) static/scss/lisa.scss
	npm run --silent build

clean-db: stop-db
	rm -rf var/postgres
