# The two commands: `make run` (demo platform on http://127.0.0.1:5000) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test translations messages db demo bench bench-quiz bench-reports e2e clean

run: install translations db demo
	@echo "Serving the LGA platform on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Compile the translation catalogues (.po -> .mo); the .mo files are build output.
translations: install
	$(BIN)/pybabel --quiet compile -d lga/translations

# Refresh the catalogues after changing user-facing strings, then translate the new entries.
messages: install
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -k _pl:1c,2 -k lazy_pgettext:1c,2 --ignore-dirs '.* __pycache__' -o lga/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel --quiet update -i lga/translations/messages.pot -d lga/translations --no-fuzzy-matching
	$(BIN)/python -m lga.tools.fill_english

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask lga load-modules

demo: install
	$(BIN)/flask lga demo

bench: install-test translations
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/run.py

# The outreach dashboard and the list of participants at scale (BENCH_REPORTS_ARGS="--database-url postgresql://…").
bench-reports: install-test translations
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/reports.py $(BENCH_REPORTS_ARGS)

# 200 trainees answer the pre-test and submit at the same moment (BENCH_QUIZ_ARGS="--database-url postgresql://…").
bench-quiz: install-test translations
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/quiz_load.py $(BENCH_QUIZ_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
