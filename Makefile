# Pingan front door. Every target sets up its own environment on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo test lint typecheck unit bench serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: build the embedded demo (SQLite, real Zhejiang divisions, 绍兴市 units) and serve it
demo: $(STAMP)
	$(BIN)/pingan demo --port $(PORT)

## test: lint, types and the full test suite (SQLite always; PostgreSQL when PINGAN_TEST_DATABASE_URL is set)
test: lint typecheck
	bash scripts/ensure_browser.sh
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

## bench: run the benchmarks; results land in bench/results/
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

serve: $(STAMP)
	$(BIN)/pingan serve --port $(PORT)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
