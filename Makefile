# Two commands on a fresh machine: `make run` shows Duban working, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make run` installs what running needs; `make test` and `make lint` add the development tools.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install run test lint bench docs lock clean

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

# Pages of what an office receives, rendered from the demo's real output: the dispatch notice's first page
# and the first page of its annex, and the ledger's first page, as PNG in docs/ (shown in the README).
# Needs LibreOffice (headless) and pdftoppm: `apt-get install libreoffice-writer-nogui libreoffice-calc-nogui
# poppler-utils`. The fonts the documents name stand in as docs/fonts.conf.in says.
DOCS_WORK := data/docs
docs: $(RUN_STAMP)
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || \
		{ echo "make docs needs soffice (LibreOffice) and pdftoppm (poppler-utils)"; exit 2; }
	rm -rf $(DOCS_WORK) && mkdir -p $(DOCS_WORK)
	$(BIN)/python -m bot demo --out $(DOCS_WORK)/demo > /dev/null
	sed -e "s|@FONTS@|$$($(BIN)/python -c 'import mplfonts, pathlib; print(pathlib.Path(mplfonts.__file__).parent / "fonts")')|" \
		-e "s|@CACHE@|$(CURDIR)/$(DOCS_WORK)/fontcache|" docs/fonts.conf.in > $(DOCS_WORK)/fonts.conf
	cp $(DOCS_WORK)/demo/dispatch-*.docx $(DOCS_WORK)/notice.docx && cp $(DOCS_WORK)/demo/ledger.xlsx $(DOCS_WORK)/ledger.xlsx
	FONTCONFIG_FILE=$(CURDIR)/$(DOCS_WORK)/fonts.conf soffice --headless -env:UserInstallation=file://$(CURDIR)/$(DOCS_WORK)/lo \
		--convert-to pdf --outdir $(DOCS_WORK) $(DOCS_WORK)/notice.docx $(DOCS_WORK)/ledger.xlsx > /dev/null
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile $(DOCS_WORK)/notice.pdf docs/notice-page-1
	annex=$$(pdfinfo -f 1 -l 999 $(DOCS_WORK)/notice.pdf | awk '/^Page +[0-9]+ size:/ && $$4 > $$6 {print $$2; exit}'); \
		pdftoppm -png -r 80 -f $$annex -l $$annex -singlefile $(DOCS_WORK)/notice.pdf docs/notice-annex
	pdftoppm -png -r 100 -f 1 -l 1 -singlefile $(DOCS_WORK)/ledger.pdf docs/ledger-page-1
	@echo "docs/notice-page-1.png docs/notice-annex.png docs/ledger-page-1.png"

# Refresh the lock after changing pyproject.toml.
lock: $(DEV_STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^duban' > constraints.txt

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
