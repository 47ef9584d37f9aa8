# Two commands do everything on a fresh machine: `make run` (the pipeline on the bundled sample) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_RAW ?= data_raw
WAREHOUSE ?= var/warehouse.duckdb
EXPORTS ?= var/exports

export ELDERCARE_DATA_RAW := $(DATA_RAW)
export ELDERCARE_WAREHOUSE := $(WAREHOUSE)
export ELDERCARE_EXPORTS := $(EXPORTS)
# Development key only: production exports its own secret ELDERCARE_ID_HASH_KEY before calling make.
export ELDERCARE_ID_HASH_KEY ?= dev-only-not-secret
# One warehouse, one history: the Dagster instance (runs, event log) lives beside the warehouse it describes,
# <warehouse without .duckdb>.dagster/ (var/warehouse.duckdb -> var/warehouse.dagster/), unless DAGSTER_HOME is set.
DAGSTER_HOME ?= $(basename $(WAREHOUSE)).dagster
override DAGSTER_HOME := $(abspath $(DAGSTER_HOME))
export DAGSTER_HOME

.PHONY: install run test ui sample lock bench clean whatif scan where

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e ".[dev]"
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
		ELDERCARE_EXPORTS=$(abspath $(EXPORTS)) \
		$(abspath $(VENV))/bin/dagster dev -m pipeline.definitions -d $(CURDIR)

# Which warehouse and which run history `make run` / `make ui` use with these settings.
where:
	@echo "warehouse: $(WAREHOUSE)"
	@echo "DAGSTER_HOME: $(DAGSTER_HOME)"

# Personal data in clear anywhere a run wrote (warehouse, run history and logs, exports): exit 1 if any is found.
scan: install
	$(PY) -m eldercare.privacy_scan --raw $(DATA_RAW) $(WAREHOUSE) $(DAGSTER_HOME) $(EXPORTS)

sample: install
	$(PY) -m synth.sample --out data_raw > /dev/null

# National-scale benchmark, not part of `make test`: ~3M visit rows a month generated under /tmp (BENCH_DATA),
# one month through the pipeline against one DuckDB query, a 12-month backfill; prints a table (bench/out/).
# BENCH_ARGS passes options through, e.g. BENCH_ARGS=--quick (one minute) or "--regions 42 --elders 210000".
bench: install
	$(PY) bench/national.py $(BENCH_ARGS)
	$(PY) bench/whatif.py

# VARIANT=min_visits_12 (a name in config/variants/ or a file path): one policy variant re-scored from the stored
# person-months, side by side with the policy in force; writes only compare.whatif_* (official tables untouched).
whatif: install
	$(PY) -m pipeline.whatif $(VARIANT)

# Re-solve the direct pins of pyproject.toml in a throw-away venv, so the lock holds exactly what they need.
lock:
	rm -rf var/lockvenv && $(PYTHON) -m venv var/lockvenv
	var/lockvenv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
	var/lockvenv/bin/pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e' > requirements.lock
	rm -rf var/lockvenv

clean:
	rm -rf var
