# One entry point. `make run` sets up and serves the app on the embedded default
# (SQLite, in-process tasks); `make test` sets up and runs every check and test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run setup test lint fmt check-deploy worker beat clean

$(STAMP): requirements/lock.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_registry
	$(BIN)/python manage.py demo_users
	$(BIN)/python manage.py ingest samples/articles

run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: $(STAMP)
	DJANGO_ENV=production SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=conflictdesk.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

worker: $(STAMP)
	$(BIN)/celery -A conflictdesk worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A conflictdesk beat --loglevel=INFO

clean:
	rm -rf $(VENV) var
