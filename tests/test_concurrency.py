"""Two runs on different months, started together against one warehouse and one Dagster instance, both succeed.

DuckDB allows one writing process. The project's instance config (pipeline/dagster.yaml) gives every asset and
check the `duckdb` pool with one slot, and the Warehouse resource waits while another process holds the file's
lock; this is what `make run MONTH=2022-06` and `make run MONTH=2022-07` from two terminals do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import ROOT, SAMPLE, TEST_KEY


# What `dagster instance concurrency set duckdb 1` does, plus the run storage: every SQLite table created once.
INIT_INSTANCE = ("import dagster as dg; i = dg.DagsterInstance.get(); i.get_runs(limit=1); "
                 "i.event_log_storage.set_concurrency_slots('duckdb', 1); "
                 "i.schedule_storage and i.schedule_storage.all_instigator_state()")


def test_two_months_started_together_both_land(tmp_path: Path):
    raw, home, warehouse = tmp_path / "raw", tmp_path / "dagster_home", tmp_path / "warehouse.duckdb"
    shutil.copytree(SAMPLE, raw)
    home.mkdir()
    shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "ELDERCARE_DATA_RAW": str(raw),
           "ELDERCARE_WAREHOUSE": str(warehouse), "ELDERCARE_ID_HASH_KEY": TEST_KEY,
           "ELDERCARE_EXPORTS": str(tmp_path / "exports")}
    # An instance is set up once before runs share it (`make` copies dagster.yaml; the first run or `dagster dev`
    # creates its SQLite storage): two first-ever runs would race to create the same tables.
    subprocess.run([sys.executable, "-c", INIT_INSTANCE], cwd=ROOT, env=env, check=True, timeout=120)
    runs = {month: subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--month", month], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for month in ("2022-06", "2022-07")}
    outputs = {month: proc.communicate(timeout=300)[0] for month, proc in runs.items()}
    for month, proc in runs.items():
        assert proc.returncode == 0 and "SUCCESS" in outputs[month], f"run {month} failed:\n{outputs[month][-3000:]}"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        months = con.execute("select distinct strftime(month, '%Y-%m') from validated.visits order by 1").fetchall()
        person_months = con.execute("select distinct strftime(month, '%Y-%m') from metrics.elder_months order by 1").fetchall()
        accounted = con.execute("select count(*) from audit.ingest_files where ledger = 'visits'").fetchone()[0]
    finally:
        con.close()
    assert months == person_months == [("2022-06",), ("2022-07",)]
    assert accounted == 2  # one month file each, nothing written twice
