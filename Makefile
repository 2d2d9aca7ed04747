# Two commands on a fresh machine: `make run` shows Duban working, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make run` installs what running needs; `make test` and `make lint` add the development tools.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install run test lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

# With DUBAN_TELEGRAM_TOKEN set this runs the bot; without it, the offline demo.
run: $(RUN_STAMP)
	@if [ -n "$$DUBAN_TELEGRAM_TOKEN" ]; then $(BIN)/duban db upgrade && exec $(BIN)/duban run; \
	else exec $(BIN)/duban demo; fi

# One pytest worker per core (pytest-xdist; `make test WORKERS=0` runs in one process): the tests share
# nothing but the PostgreSQL server, each in a schema of its own.
WORKERS ?= auto
test: $(DEV_STAMP)
	$(BIN)/python -m pytest --numprocesses=$(WORKERS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo --no-cache

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

# Refresh the lock after changing pyproject.toml.
lock: $(DEV_STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^duban' > constraints.txt

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
