# KetaCare: `make run` serves the demo clinic; `make test` runs the whole suite
# on SQLite and on a throwaway PostgreSQL, with the browser tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test test-sqlite test-postgres install lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $@

$(VENV)/.installed-lint: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[lint]"
	@touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	@KETACARE_DEMO_MODE=true $(VENV)/bin/ketacare migrate --noinput -v0
	@KETACARE_DEMO_MODE=true $(VENV)/bin/ketacare seed-demo
	@echo "Serving the demo clinic on http://127.0.0.1:$(PORT)/  (Ctrl-C stops)"
	@KETACARE_DEMO_MODE=true $(VENV)/bin/ketacare serve --port $(PORT)

test: $(VENV)/.installed-test
	@scripts/ensure-browser.sh
	@scripts/test.sh

test-sqlite: $(VENV)/.installed-test
	@scripts/test.sh sqlite

test-postgres: $(VENV)/.installed-test
	@scripts/test.sh postgres

# The gate (ARCHITECTURE.md): style, types on the pure layers, and the floors between apps.
lint: $(VENV)/.installed-lint
	$(VENV)/bin/ruff check ketacare bench scripts
	$(VENV)/bin/ruff format --check ketacare bench scripts
	$(VENV)/bin/mypy ketacare/lib $$(ls -d ketacare/*/domain)
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var
