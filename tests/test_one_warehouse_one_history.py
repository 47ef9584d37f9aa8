"""One warehouse, one history: the Dagster instance follows the warehouse (unless DAGSTER_HOME is set), so runs on
another warehouse never show in the default one's UI as materialisations of its assets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from conftest import ROOT, TEST_KEY
from corpus.cases import CASES, build


def make_where(tmp_path: Path, *assignments: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """What `make where` says the warehouse and DAGSTER_HOME are (no install, nothing run)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MAKEFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-s", "where", *assignments], cwd=ROOT, env={**env, **(environ or {})},
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def test_dagster_home_follows_the_warehouse_unless_set(tmp_path: Path):
    assert make_where(tmp_path)["DAGSTER_HOME"] == str(ROOT / "var" / "warehouse.dagster")
    assert make_where(tmp_path, f"WAREHOUSE={tmp_path}/a/w.duckdb")["DAGSTER_HOME"] == f"{tmp_path}/a/w.dagster"
    assert make_where(tmp_path, f"WAREHOUSE={tmp_path}/w.duckdb", f"DAGSTER_HOME={tmp_path}/h")["DAGSTER_HOME"] \
        == f"{tmp_path}/h"
    assert make_where(tmp_path, environ={"DAGSTER_HOME": f"{tmp_path}/env"})["DAGSTER_HOME"] == f"{tmp_path}/env"


def test_two_warehouses_keep_separate_histories(tmp_path: Path):
    raw = tmp_path / "raw"
    build(raw, [c for c in CASES if c.id == "visit_across_midnight"])  # one small region: 1 institution, 2 elders
    run_ids = {}
    for name in ("a", "b"):
        warehouse = tmp_path / name / "warehouse.duckdb"
        home = Path(make_where(tmp_path, f"WAREHOUSE={warehouse}")["DAGSTER_HOME"])
        assert home == tmp_path / name / "warehouse.dagster"
        home.mkdir(parents=True)
        shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")
        env = {**os.environ, "DAGSTER_HOME": str(home), "ELDERCARE_DATA_RAW": str(raw),
               "ELDERCARE_WAREHOUSE": str(warehouse), "ELDERCARE_ID_HASH_KEY": TEST_KEY}
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--month", "2022-07"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        assert "SUCCESS" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
        run_ids[name] = proc.stdout.split("\nrun ", 1)[1].split(":", 1)[0]
    for name, other in (("a", "b"), ("b", "a")):
        with dg.DagsterInstance.from_config(str(tmp_path / name / "warehouse.dagster")) as instance:
            assert [r.run_id for r in instance.get_runs()] == [run_ids[name]]
            latest = instance.get_latest_materialization_event(dg.AssetKey(["validated", "elders"]))
            assert latest.run_id == run_ids[name] != run_ids[other]


def test_make_ui_opens_the_history_of_the_warehouse_given(tmp_path: Path):
    """`make ui WAREHOUSE=…` starts `dagster dev` in that warehouse's instance, out of reach of the project's .env."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MAKEFLAGS", "MAKELEVEL")}
    recipe = subprocess.run(["make", "-n", "ui", f"WAREHOUSE={tmp_path}/w.duckdb"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    assert f"cd {tmp_path}/w.dagster && " in recipe
    assert f"ELDERCARE_WAREHOUSE={tmp_path}/w.duckdb" in recipe and f"-d {ROOT}" in recipe
