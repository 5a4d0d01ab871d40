# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := portal:create_app

.PHONY: run test test-slow lint serve clean messages bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# constraints.txt pins every transitive package too (docs/dependencies.md).
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## venv, install, migrate, demo data, serve on http://127.0.0.1:5000 (PORT=…)
	$(BIN)/caseloop db upgrade
	$(BIN)/caseloop demo-data --url http://127.0.0.1:$(PORT)
	CASELOOP_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

serve: $(STAMP)  ## the production setup locally: nginx, sync pages, gevent streams, Redis (docs/deploy.md)
	@mkdir -p instance
	@test -s instance/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key
	$(BIN)/caseloop db upgrade
	CASELOOP_ENV=production SECRET_KEY=$$(cat instance/secret_key) SESSION_COOKIE_SECURE=0 \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} BIND=$${BIND:-127.0.0.1:8000} TRUSTED_PROXIES=1 \
	$(BIN)/python serve.py portal.wsgi:app

test: $(STAMP)  ## venv, install, lint, the suite (under 10 minutes; the slow tests apart)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r portal admin
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)  ## the slow tests: thousands of concurrent replies, axe on every page
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

bench: $(STAMP)  ## server CPU per page as a multiple of a bare page (SQLite 10k, seeded once)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks.cpu $(BENCH_ARGS)

messages: $(STAMP)  ## collect the marked strings into portal/translations/messages.pot
	@mkdir -p portal/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r portal admin

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
