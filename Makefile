# zhangzhou_ip — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-dev messages translations lint schema clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(PY) manage.py compiletranslations

## make run: install, migrate SQLite (var/db.sqlite3), load the demo data, collect static
## files and serve on http://127.0.0.1:$(PORT)
run: install translations
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  zhangzhou_ip is running on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: lint, format check, migrations check, OpenAPI schema (warnings are errors),
## translations, and the pytest suite on two workers (SQLite, or DATABASE_URL when set)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py compiletranslations --check
	$(PY) manage.py makemigrations --check --dry-run
	mkdir -p var
	$(PY) manage.py spectacular --file var/schema.yml --validate --fail-on-warn
	$(PY) scripts/vendor_static.py --check
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## make messages: refresh the Chinese catalogue after changing translatable strings
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=var

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles var/schema.yml
