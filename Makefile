# ChequeCloud: `make run` serves the portal; `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP_OS := var/.os-deps
STAMP_PY := $(VENV)/.requirements-installed
STAMP_TRAIN := $(VENV)/.train-requirements-installed
STAMP_JS := frontend/node_modules/.package-lock.json
STAMP_OIDC := tests/e2e/oidc/node_modules/.package-lock.json
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on both cores (pytest-xdist); PYTEST_ARGS="-n 0 -k ..." runs a part in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run test install install-browser lint format migrate demo worker bench clean help

help:
	@echo "make run   - install what is missing, migrate, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test  - install what is missing and run lint, migration check and the whole test suite"
	@echo "make bench - run the benchmarks in benchmarks/"

$(STAMP_OS): scripts/os-deps.sh
	@scripts/os-deps.sh
	@mkdir -p var && touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_PY): $(STAMP_OS) $(VENV)/bin/python requirements/base.txt requirements/local.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/local.txt
	@touch $@

# The suite also checks the MICR reader's training code, which needs PyTorch (requirements/train.txt).
$(STAMP_TRAIN): $(STAMP_PY) requirements/train.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/train.txt
	@touch $@

$(STAMP_JS): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

# The browser tests' local OpenID Connect provider (single sign-on end to end).
$(STAMP_OIDC): tests/e2e/oidc/package.json tests/e2e/oidc/package-lock.json
	cd tests/e2e/oidc && npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP_PY) $(STAMP_JS)

install-browser:
	@scripts/os-deps.sh --browser

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@scripts/serve-local.sh $(HOST) $(PORT)

worker: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-chequecloud.settings.local} \
	  $(VENV)/bin/celery -A chequecloud worker -l INFO -Q default,ocr,ml,pdf

# Lint, format, and the import contract: apps depend one way (pyproject.toml, docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install install-browser $(STAMP_TRAIN) $(STAMP_OIDC) lint
	DJANGO_SETTINGS_MODULE=chequecloud.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=chequecloud.settings.test $(PY) manage.py check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/run.py
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/api_latency.py
	$(PY) benchmarks/model_quality.py
	$(PY) benchmarks/cases.py
	$(PY) benchmarks/compliance.py
	$(PY) benchmarks/reporting.py
	$(PY) benchmarks/cheques.py
	$(PY) benchmarks/micr.py

clean:
	rm -rf $(VENV) frontend/node_modules var/.os-deps
