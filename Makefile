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
export DAGSTER_HOME := $(CURDIR)/var/dagster

.PHONY: install run test ui sample lock bench clean

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

ui: install
	$(VENV)/bin/dagster dev

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
