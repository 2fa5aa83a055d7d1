# PartnerHub: `make demo` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint bench worker serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The demo's links and e-mails name the address it serves on (make demo PORT=8100).
DEMO_ENV := PARTNERHUB_DEBUG=1 PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=1 PARTNERHUB_BASE_URL=http://$(HOST):$(PORT)

demo: $(STAMP)
	mkdir -p var
	$(DEMO_ENV) $(BIN)/partnerhub migrate --no-input -v0
	$(DEMO_ENV) $(BIN)/partnerhub demo_seed
	@echo "Serving on http://$(HOST):$(PORT)/ with the worker; Ctrl+C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	$(DEMO_ENV) $(BIN)/partnerhub worker --verbosity 0 & \
	$(DEMO_ENV) $(BIN)/partnerhub runserver $(HOST):$(PORT) --noreload

# The suite runs on every CPU (pytest-xdist). Each worker takes its tests in pytest-django's
# order, the tests that empty the database last (``--dist load``; a worker stealing tests from
# another's end would run a test that needs the migrations' rows after one that emptied them).
# `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto --dist load

test: $(STAMP)
	$(BIN)/ruff check partnerhub bench
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check partnerhub bench
	$(BIN)/ruff format --check partnerhub bench

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

worker: $(STAMP)
	$(BIN)/partnerhub worker

clean:
	rm -rf $(VENV) var staticfiles
