# Two commands do everything on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: build test venv venv-test golden lint clean

$(BIN)/odg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/odg
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/odg

## build: create .venv, install, build the release from data/ into dist/
build: $(BIN)/odg
	$(BIN)/odg build

## test: create .venv with test extras and run the whole suite (pytest exit 5 = no tests also fails)
test: $(VENV)/.test-deps
	$(BIN)/python -m pytest

## golden: regenerate the expected query results in queries/expected/ from the current data
golden: $(BIN)/odg
	$(BIN)/odg build
	$(BIN)/odg query --all --write-expected

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf dist $(VENV)
