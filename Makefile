# The two commands: `make run` starts the whole system, `make test` runs the test suite.
# Both bootstrap the machine first (packages, services, database, virtualenv), idempotently.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bootstrap lint typecheck lock

run: bootstrap
	@scripts/run.sh

test: bootstrap
	$(PY) -m pytest $(PYTEST_ARGS)

bootstrap:
	@scripts/bootstrap.sh

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: bootstrap
	$(VENV)/bin/mypy .

# Re-pin the whole dependency tree after changing pyproject.toml.
lock:
	$(VENV)/bin/pip install -q -e '.[dev]' && $(VENV)/bin/pip freeze --exclude-editable > requirements.lock
