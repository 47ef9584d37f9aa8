# Two commands do everything on a fresh machine: `make run` (the pipeline on the bundled sample) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_RAW ?= data_raw
WAREHOUSE ?= var/warehouse.duckdb

export ELDERCARE_DATA_RAW := $(DATA_RAW)
export ELDERCARE_WAREHOUSE := $(WAREHOUSE)
# Development key only: production exports its own secret ELDERCARE_ID_HASH_KEY before calling make.
export ELDERCARE_ID_HASH_KEY ?= dev-only-not-secret
# One warehouse, one history: the Dagster instance (runs, event log) lives beside the warehouse it describes,
# <warehouse without .duckdb>.dagster/ (var/warehouse.duckdb -> var/warehouse.dagster/), unless DAGSTER_HOME is set.
DAGSTER_HOME ?= $(basename $(WAREHOUSE)).dagster
override DAGSTER_HOME := $(abspath $(DAGSTER_HOME))
export DAGSTER_HOME

.PHONY: install run test ui sample lock bench clean scan where

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: pipeline/dagster.yaml $(VENV)/.installed
	mkdir -p $(DAGSTER_HOME)
	cp $< $@
	# Create the instance's storage once, so two first runs started together do not race to create it.
	$(PY) -c "import dagster; dagster.DagsterInstance.get()"

# MONTH=2022-09 re-runs one month; MONTH="2022-06 2022-09" runs that range as one run.
run: install
	$(PY) -m pipeline.cli run $(foreach m,$(MONTH),--month $(m))

test: install
	$(PY) -m pytest -q

# `dagster dev` lets the .env file override the environment, so it is started outside the project folder (in the
# instance's own) with absolute paths: `make ui WAREHOUSE=…` shows that warehouse's runs and writes to it.
ui: install
	cd $(DAGSTER_HOME) && ELDERCARE_DATA_RAW=$(abspath $(DATA_RAW)) ELDERCARE_WAREHOUSE=$(abspath $(WAREHOUSE)) \
		$(abspath $(VENV))/bin/dagster dev -m pipeline.definitions -d $(CURDIR)

# Which warehouse and which run history `make run` / `make ui` use with these settings.
where:
	@echo "warehouse: $(WAREHOUSE)"
	@echo "DAGSTER_HOME: $(DAGSTER_HOME)"

# Personal data in clear anywhere a run wrote (warehouse, run history and logs, exports): exit 1 if any is found.
scan: install
	$(PY) -m eldercare.privacy_scan --raw $(DATA_RAW) $(WAREHOUSE) $(DAGSTER_HOME) $${ELDERCARE_EXPORTS:-var/exports}

sample: install
	$(PY) -m eldercare.synth.sample --out data_raw > /dev/null

# National-scale benchmark, not part of `make test`: ~3M visit rows a month generated under /tmp (BENCH_DATA),
# one month through the pipeline against one DuckDB query, a 12-month backfill; prints a table (bench/out/).
bench: install
	$(PY) bench/national.py

lock:
	$(PY) -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e' > requirements.lock

clean:
	rm -rf var
