# Two commands do everything on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: build test tools venv golden lint clean

$(BIN)/odg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/odg
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# serdi (serd, C): an independent strict Turtle/N-Triples parser the tests use as a judge of the dumps.
tools:
	@command -v serdi >/dev/null || (apt-get install -y -q serdi >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null && apt-get install -y -q serdi >/dev/null)) || \
	  (echo "could not install serdi (Debian package serdi); the tests need it" >&2; exit 1)

venv: $(BIN)/odg

## build: create .venv, install, build the release from data/ into dist/
build: $(BIN)/odg
	$(BIN)/odg build

## test: create .venv with test extras and run the whole suite (pytest exit 5 = no tests also fails)
test: $(VENV)/.test-deps tools
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
