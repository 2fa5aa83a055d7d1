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

demo: $(STAMP)
	mkdir -p var
	PARTNERHUB_DEBUG=1 $(BIN)/partnerhub migrate --no-input -v0
	PARTNERHUB_DEBUG=1 $(BIN)/partnerhub demo_seed
	@echo "Serving on http://$(HOST):$(PORT)/ with the worker; Ctrl+C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	PARTNERHUB_DEBUG=1 PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=1 $(BIN)/partnerhub worker --verbosity 0 & \
	PARTNERHUB_DEBUG=1 PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=1 $(BIN)/partnerhub runserver $(HOST):$(PORT) --noreload

test: $(STAMP)
	$(BIN)/ruff check partnerhub bench
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check partnerhub bench
	$(BIN)/ruff format --check partnerhub bench

bench: $(STAMP)
	$(BIN)/python -m bench

worker: $(STAMP)
	$(BIN)/partnerhub worker

clean:
	rm -rf $(VENV) var staticfiles
