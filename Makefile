# procsimp: two commands set everything up.
#   make demo   install and run the whole flow on the bundled event_logs/ into outputs/
#   make test   install and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS := tests/js
# COMMAND=DEBIAN-PACKAGES pairs for scripts/ensure-system-deps: only a missing command gets its
# packages, so a Node.js from a vendor repository (which bundles npm) is left as it is.
SYSTEM_DEPS := dot=graphviz,fonts-noto-core,fonts-dejavu-core
TEST_SYSTEM_DEPS := chromium=chromium node=nodejs npm=npm
JAVA_SYSTEM_DEPS := java=default-jre-headless
SPARK_STAMP := $(VENV)/.spark-installed

.PHONY: demo test test-slow fuzz install spark system-deps test-system-deps js-deps lint bench clean

demo: install
	$(BIN)/procsimp demo --out outputs

test: install spark test-system-deps js-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

# The slow cases (model alignments on the large real logs, minutes each), left out of `make test`.
test-slow: install test-system-deps js-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -m slow

# Hypothesis fuzzing of every public entry point with many more examples than `make test` tries
# (FUZZ_EXAMPLES per property; bad input must end in a procsimp error, never anything else).
FUZZ_EXAMPLES ?= 2000
fuzz: install
	PROCSIMP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider -q tests/test_fuzz.py

install: system-deps $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null \
	  || scripts/ensure-system-deps python3-venv=python3-venv,python3-pip
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# The Spark backend of the engine (pyspark, about 500 MB, and a Java runtime): tested by
# `make test`, not needed by `make demo`.
spark: install $(SPARK_STAMP)
	@scripts/ensure-system-deps $(JAVA_SYSTEM_DEPS)

$(SPARK_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	@touch $@

# Graphviz (dot) and fonts with Vietnamese diacritics. Installed with apt-get when run as root;
# otherwise the exact command to run is printed.
system-deps:
	@scripts/ensure-system-deps $(SYSTEM_DEPS)

# Headless Chromium (HTML report, bpmn-js) and node/npm (bpmn-moddle) for the tests.
test-system-deps: system-deps
	@scripts/ensure-system-deps $(TEST_SYSTEM_DEPS)

js-deps: $(JS)/node_modules/.installed

$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: install
	$(BIN)/ruff check procsimp tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(JS)/node_modules .pytest_cache .hypothesis
