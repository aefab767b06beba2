# The two commands: `make run` starts the whole system, `make test` runs the test suite.
# Both bootstrap the machine first (packages, services, database, virtualenv), idempotently.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bootstrap lint typecheck lock

run: bootstrap
	@scripts/run.sh

# Types first (a minute at most): reviewers read mypy's verdict as well as the tests'.
# ruff's check and format check run inside pytest (tests/test_code_quality.py).
# The slowest tests are listed at the end: the whole run must stay under 20 minutes. Two
# workers (pytest-xdist) by default: much of the suite waits on processes it started, so two
# share this machine's two cores; TEST_WORKERS=0 runs in one process (a debugger, a bisect).
TEST_WORKERS ?= 2
test: bootstrap
	$(VENV)/bin/mypy .
	$(PY) -m pytest -n $(TEST_WORKERS) --durations=15 $(PYTEST_ARGS)

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
