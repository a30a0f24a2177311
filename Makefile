# Cohort: two commands do everything on a fresh clone.
#   make run   install, migrate, seed demo data, serve on http://127.0.0.1:5000 with the worker
#   make test  install and run the whole test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := cohort

.PHONY: run test coverage e2e lint lock bench install frontend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change. The system libraries WeasyPrint
# needs (Pango, HarfBuzz, Fontconfig) are checked first, with the Debian command that adds them.
# constraints.txt holds the exact versions of everything installed, so a fresh clone gets what
# was tested; `make lock` rewrites it from .venv after a deliberate change to pyproject.toml.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PYTHON) scripts/check_system.py
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

lock: | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^cohort'; } > constraints.tmp
	mv constraints.tmp constraints.txt

frontend: $(VENV)/.installed
	$(BIN)/python scripts/fetch_frontend.py

install: $(VENV)/.installed frontend

# The web server and the background worker (e-mail, reminders, report PDFs) run side by side
# under honcho (Procfile.dev); Ctrl+C stops both.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Cohort is running on http://127.0.0.1:5000 with its worker (Ctrl+C stops both)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

# The suite runs on every core (pytest-xdist); each worker has its own database (see
# tests/conftest.py). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -m "not e2e" -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The suite with line coverage of cohort/, ending with the total. Not part of `make test`:
# on Python 3.11 measuring coverage makes the suite about 45 % slower.
coverage: install
	$(BIN)/pytest -m "not e2e" -n $(PYTEST_WORKERS) --cov=cohort --cov-report= $(PYTEST_ARGS)
	@$(BIN)/coverage report --skip-covered --sort=cover | tail -n 15
	@echo "Line coverage of cohort/: $$($(BIN)/coverage report --format=total) %"

e2e: install
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# Every benchmark (benchmarks/run_all.py): start-up against a bare Flask app; page timings and
# queries per page; a 5,000-row nominations import; the attendance pages; one cohort from 10 to
# 200 participants; reports on 10,000 participants against a hand-written SQL aggregate; page
# throughput through gunicorn against a bare endpoint; concurrent writes, on SQLite and
# PostgreSQL. Each prints its figures and verdicts; all run even when one misses, and the
# target fails at the end if any did. Each is runnable alone: python benchmarks/<name>.py.
bench: install
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# mypy reads its settings (cohort/, per-package import rules) from pyproject.toml.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules cohort/static/govuk
