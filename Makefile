# Two commands do everything on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: build test tools venv golden lint clean bench bench-serve bench-push bench-validate bench-site bench-bounds bench-floor fuzz vendor-editor

$(BIN)/odg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/odg
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# axe-core, the accessibility engine the browser tests run in Chromium (tests/test_browser.py), from the npm
# registry at a pinned version, checked against the registry's published integrity hash.
AXE_VERSION := 4.14.1
$(VENV)/axe-core/axe.min.js:
	@command -v npm >/dev/null || { echo "npm is needed to fetch axe-core $(AXE_VERSION) for the browser tests" >&2; exit 1; }
	rm -rf $(VENV)/axe-core && mkdir -p $(VENV)/axe-core
	cd $(VENV)/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  expected=$$(npm view axe-core@$(AXE_VERSION) dist.integrity) && \
	  actual="sha512-$$(openssl dgst -sha512 -binary axe-core-$(AXE_VERSION).tgz | openssl base64 -A)" && \
	  [ "$$expected" = "$$actual" ] || { echo "axe-core $(AXE_VERSION): integrity mismatch" >&2; exit 1; }
	cd $(VENV)/axe-core && tar xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js && mv package/axe.min.js . && rmdir package

# The SPARQL editor of the query page (YASQE), vendored into the package: src/opendata_graph/web/static/ with
# VENDORED.json (version, the registry's integrity hash, each file's sha256, which tests/test_serve.py checks).
# Not part of build or test: `make vendor-editor EDITOR_VERSION=x.y.z` refreshes it from the npm registry.
EDITOR_VERSION ?= 4.6.2
vendor-editor:
	rm -rf $(VENV)/yasqe && mkdir -p $(VENV)/yasqe
	cd $(VENV)/yasqe && npm pack --silent @zazuko/yasqe@$(EDITOR_VERSION) >/dev/null && \
	  expected=$$(npm view @zazuko/yasqe@$(EDITOR_VERSION) dist.integrity) && \
	  actual="sha512-$$(openssl dgst -sha512 -binary zazuko-yasqe-$(EDITOR_VERSION).tgz | openssl base64 -A)" && \
	  [ "$$expected" = "$$actual" ] || { echo "@zazuko/yasqe $(EDITOR_VERSION): integrity mismatch" >&2; exit 1; }
	cd $(VENV)/yasqe && tar xzf zazuko-yasqe-$(EDITOR_VERSION).tgz package/build/yasqe.min.js package/build/yasqe.min.css
	cp $(VENV)/yasqe/package/build/yasqe.min.js $(VENV)/yasqe/package/build/yasqe.min.css src/opendata_graph/web/static/
	$(PYTHON) -c 'import hashlib, json, pathlib, subprocess; d = pathlib.Path("src/opendata_graph/web/static"); \
	  v = json.loads((d / "VENDORED.json").read_text()); v["version"] = "$(EDITOR_VERSION)"; \
	  v["integrity"] = subprocess.check_output(["npm", "view", "@zazuko/yasqe@$(EDITOR_VERSION)", "dist.integrity"], text=True).strip(); \
	  v["sha256"] = {n: hashlib.sha256((d / n).read_bytes()).hexdigest() for n in ("yasqe.min.js", "yasqe.min.css")}; \
	  (d / "VENDORED.json").write_text(json.dumps(v, indent=2) + "\n")'

# Debian packages the tests need: serdi (serd, C), an independent strict Turtle/N-Triples parser that judges
# the dumps; chromium + chromium-driver for the browser tests (driven by selenium with explicit paths);
# virtuoso-opensource, a second real triple store for the push tests (Graph Store Protocol with digest auth);
# apache2-bin and nginx, the two web servers the static site's generated rules are tested behind (tests/test_deploy.py);
# libowlapi-java (the OWL API 5) and a JDK, whose OWL 2 DL profile checker judges the ontology (tests/owl/OwlProfile.java,
# compiled by tests/test_ontology.py).
TOOLS := serdi chromium chromedriver virtuoso-t apache2 nginx javac java
PACKAGES := serdi chromium chromium-driver virtuoso-opensource apache2-bin nginx default-jdk-headless libowlapi-java
tools:
	@missing=""; for t in $(TOOLS); do command -v $$t >/dev/null || missing=1; done; \
	[ -f /usr/share/java/owlapi-distribution.jar ] || missing=1; \
	if [ -n "$$missing" ]; then \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PACKAGES) >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PACKAGES) >/dev/null)) || \
	  { echo "could not install $(PACKAGES) (Debian packages); the tests need them" >&2; exit 1; }; \
	fi

venv: $(BIN)/odg

## build: create .venv, install, build the release from data/ into dist/
build: $(BIN)/odg
	$(BIN)/odg build

## test: create .venv with test extras, check style and types (ruff, mypy --strict), run the whole suite
## (pytest's exit 5 = no tests collected fails too: make stops on any non-zero code). The suite runs on every
## core (pytest-xdist; `make test JOBS=0` runs it in one process), each test module in one worker, so a module's
## servers, browser and release are started once; on this 2-core machine that halves its time.
JOBS ?= auto
test: $(VENV)/.test-deps $(VENV)/axe-core/axe.min.js tools
	$(BIN)/ruff check src tests setup.py benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope

## golden: regenerate the expected query results in queries/expected/ from the current data
golden: $(BIN)/odg
	$(BIN)/odg build
	$(BIN)/odg query --all --write-expected

## bench-serve: load benchmark of `odg serve` next to oxigraph's server (seed release and a ~1M-triple registry)
bench-serve: $(VENV)/.test-deps
	$(BIN)/pip install --quiet 'oxigraph>=0.5.13,<0.6'
	$(BIN)/odg build
	$(BIN)/python benchmarks/ask_under_load.py
	$(BIN)/python benchmarks/serve_bench.py
	$(BIN)/python benchmarks/analysts_bench.py --large-organisations 1800

## bench-push: `odg push` of a ~1M-triple release next to `oxigraph load` and a plain curl PUT
bench-push: $(VENV)/.test-deps
	$(BIN)/python benchmarks/push_bench.py

## bench: odg at ~10k, 100k and 1M triples next to the naive rdflib + pyshacl pipeline, Morph-KGC and LinkML
## (peers in their own virtual environments); prints the table and writes BENCHMARKS.md. Not part of `make test`.
## BENCH_ARGS="--sizes 20,185" picks other sizes (organisations; ~540 triples each).
BENCH_ARGS ?=
bench: $(VENV)/.test-deps
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

## bench-site: `odg site` of a ~1M-triple release, cold, median of 3 (targets: <= 60 s, <= 10 files per entity)
bench-site: $(VENV)/.test-deps
	$(BIN)/python benchmarks/site_bench.py

## bench-bounds: loading a bulk file at each of the loader's limits, and refusing one past it (median of 3)
bench-bounds: $(VENV)/.test-deps
	$(BIN)/python benchmarks/bounds_bench.py

## bench-validate: validation at ~1M triples, the default SHACL engine next to pyshacl (median of 3, one run)
bench-validate: $(VENV)/.test-deps
	$(BIN)/python benchmarks/validate_bench.py

## bench-floor: odg build/validate --no-cache at ~1M triples against their floors (pyoxigraph bulk-load, the shacl
## engine alone), rebuild/validate after one edit; medians, ratios (issue 28). BENCH_ARGS="--other SRC" adds an A/B.
bench-floor: $(VENV)/.test-deps
	$(BIN)/python benchmarks/floor_bench.py $(BENCH_ARGS)

## fuzz: ten minutes of seeded mutations of the real data files (tests/fuzz.py); make test runs seconds of it
fuzz: $(VENV)/.test-deps
	$(BIN)/python -m tests.fuzz --seconds 600

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests setup.py benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf dist $(VENV)
