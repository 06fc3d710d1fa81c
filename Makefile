# socialgov — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test bench lint check migrate seed clean messages compilemessages

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

## Start web + Celery worker + beat with demo data on SQLite (or DATABASE_URL / REDIS_URL when set); the web
## server on 127.0.0.1 unless HOST is set (HOST=0.0.0.0 for every interface). The banner comes last.
run: export DEBUG ?= 1
run: export SITE_URL ?= http://localhost:$(PORT)
run: export PATH := $(CURDIR)/$(BIN):$(PATH)
run: $(BIN)/.installed compilemessages
	python manage.py migrate --noinput
	@mkdir -p var
	python manage.py seed_demo > var/demo-logins.txt  # printed by the banner, once everything is up
	python manage.py seed_registry
	python manage.py seed_policies
	@# honcho numbers PORT per process; WEB_PORT is the web server's. Ctrl-C (130) is how it ends.
	WEB_PORT=$(PORT) honcho -f Procfile.dev start || [ $$? -eq 130 ]

# The identity providers the SSO tests sign in through (testidp/): oidc-provider from npm, by its lock file.
testidp/node_modules/.package-lock.json: testidp/package-lock.json
	npm ci --prefix testidp --no-audit --no-fund --loglevel=error

# What the browser tests load into the pages they open (testtools/): axe-core from npm, by its lock file.
testtools/node_modules/.package-lock.json: testtools/package-lock.json
	npm ci --prefix testtools --no-audit --no-fund --loglevel=error

## Run the whole test suite (browser tests need /usr/bin/chromium, and npm for axe-core; the SSO tests node, npm and xmlsec1:
## apt-get install -y chromium nodejs npm xmlsec1).
test: export SECRET_KEY ?= make-test-only-$(shell od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
test: check compilemessages testidp/node_modules/.package-lock.json testtools/node_modules/.package-lock.json
	$(BIN)/pytest $(PYTEST_ARGS)

## The quick checks `make test` starts with: Django's system checks, migrations, the OpenAPI schema, ruff, and
## the import contracts (.importlinter: the kit imports no app; no app imports the benchmarks).
check: export SECRET_KEY ?= make-check-only-$(shell od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
check: $(BIN)/.installed
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## The German and French catalogues (locale/*/LC_MESSAGES/django.po) compiled to the .mo files Django reads (not
## committed); msgfmt comes with GNU gettext (apt-get install -y gettext).
compilemessages: export SECRET_KEY ?= make-i18n-only-$(shell od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
compilemessages: $(BIN)/.installed
	$(BIN)/python manage.py compilemessages --verbosity 0

## After marking or changing strings: the catalogues updated from the code (the new messages then need translating).
messages: export SECRET_KEY ?= make-i18n-only-$(shell od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages --locale de --locale fr

## Benchmarks (PostgreSQL + Redis + wrk): `make bench` writes BENCHMARKS.md; BENCH=--small for a quick run.
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run $${BENCH:---full}

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrate: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput

seed: $(BIN)/.installed
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_registry
	$(BIN)/python manage.py seed_policies

clean:
	rm -rf var staticfiles .pytest_cache
