# Two commands for a newcomer: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///$(CURDIR)/var/demo.sqlite3
DEMO_ARGS ?=
SERVE_ADDR ?= 127.0.0.1:8000

.PHONY: install demo serve test check lint typecheck bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

# Compile the English catalogue (Chinese is the source language). Skipped with
# a note where GNU gettext is missing: the interface then stays in Chinese.
messages: | $(BIN)/python
	@if command -v msgfmt >/dev/null; then \
		DTGX_ENV=test $(BIN)/python manage.py compilemessages -v 0; \
	else echo "msgfmt not found: English translation not compiled"; fi

demo: install
	mkdir -p var
	DTGX_ENV=demo DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py migrate -v 0
	DTGX_ENV=demo DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py demo $(DEMO_ARGS)

serve: install
	DTGX_ENV=demo DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py runserver $(SERVE_ADDR)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	DTGX_ENV=test $(BIN)/mypy dtgx

check: lint typecheck test

bench: install
	DTGX_ENV=test $(BIN)/python -m dtgx.bench

clean:
	rm -rf $(VENV) var
