# socialgov — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test bench lint check migrate seed clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

## Start web + Celery worker + beat with demo data on SQLite (or DATABASE_URL / REDIS_URL when set).
run: export DEBUG ?= 1
run: export SITE_URL ?= http://localhost:$(PORT)
run: export PATH := $(CURDIR)/$(BIN):$(PATH)
run: $(BIN)/.installed
	python manage.py migrate --noinput
	python manage.py seed_demo
	python manage.py seed_registry
	python manage.py seed_policies
	@echo ""
	@echo "socialgov is starting at $$SITE_URL/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	PORT=$(PORT) honcho -f Procfile.dev start

# The identity providers the SSO tests sign in through (testidp/): oidc-provider from npm, by its lock file.
testidp/node_modules/.package-lock.json: testidp/package-lock.json
	npm ci --prefix testidp --no-audit --no-fund --loglevel=error

## Run the whole test suite (browser tests need /usr/bin/chromium, the SSO tests node, npm and xmlsec1:
## apt-get install -y chromium nodejs npm xmlsec1).
test: $(BIN)/.installed testidp/node_modules/.package-lock.json
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks (PostgreSQL + Redis + wrk): `make bench` writes BENCHMARKS.md; BENCH=--small for a quick run.
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run $${BENCH:---full}

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrate: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput

seed: $(BIN)/.installed
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_registry
	$(BIN)/python manage.py seed_policies

clean:
	rm -rf var staticfiles .pytest_cache
