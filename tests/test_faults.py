"""Faults: a run killed mid-write loses nothing, a locked, damaged or refused setup says so in one line, re-runs
are byte-identical."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ALL_ASSETS, EVERYTHING, ROOT, SAMPLE, SAMPLE_CODE, TEST_KEY, materialize_range, query

JULY = "2022-07-01"

# The CLI run of July, with the visits write held open (deleted and re-inserted, not committed) until it is killed.
HELD_RUN = """
import os, pathlib, sys, time
import assets.validated as validated
write = validated.replace_slice
def held(con, table, frame, where="true", params=None):
    n = write(con, table, frame, where, params)
    if table == "validated.visits":
        pathlib.Path(os.environ["HELD_MARKER"]).write_text(str(n))
        time.sleep(600)
    return n
validated.replace_slice = held
from pipeline.cli import main
sys.exit(main(["run", "--month", "2022-07"]))
"""


def month_digest(warehouse: Path, month: str) -> dict[str, tuple]:
    """Row count and hash of the ordered rows of one month in every monthly table the visits step writes."""
    out = {}
    for table, where in (("validated.visits", "month = ?"), ("quarantine.rows", "ledger = 'visits' and month = ?"),
                         ("audit.ingest_files", "ledger = 'visits' and month = ?")):
        out[table] = query(warehouse, "select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
                                      f"from (select t::varchar as r from {table} t where {where})", [month])[0]
    return out


def table_digests(warehouse: Path) -> dict[str, tuple]:
    """Every table of the warehouse: (row count, md5 of its rows rendered as text, in sorted order)."""
    tables = query(warehouse, "select schema_name, table_name from duckdb_tables() order by all")
    return {f"{s}.{t}": query(warehouse, "select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
                                         f'from (select x::varchar as r from "{s}"."{t}" x)')[0] for s, t in tables}


def cli_env(tmp_path: Path, raw: Path, warehouse: Path, **extra) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "ELDERCARE_DATA_RAW": str(raw),
            "ELDERCARE_WAREHOUSE": str(warehouse), "ELDERCARE_ID_HASH_KEY": TEST_KEY, **extra}


def test_sigkill_in_the_middle_of_a_month_write_leaves_that_month_intact(tmp_path: Path, raw_copy: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    assert materialize_range(raw_copy, warehouse, JULY, selection=ALL_ASSETS).success
    before = month_digest(warehouse, JULY)
    assert before["validated.visits"][0] > 2000
    # An institution re-submits July with its last 500 records missing; the re-run is killed while writing it.
    july = raw_copy / SAMPLE_CODE / "visits" / "2022-07.csv"
    lines = july.read_bytes().split(b"\n")
    july.write_bytes(b"\n".join(lines[:-501] + [b""]))
    marker = tmp_path / "held"
    env = cli_env(tmp_path, raw_copy, warehouse, HELD_MARKER=str(marker))
    proc = subprocess.Popen([sys.executable, "-c", HELD_RUN], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), f"the run never reached the July write (exit {proc.poll()})"
        written = int(marker.read_text())
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # The killed transaction held the new, shorter July; the file still holds the previous one, row for row.
    assert written < before["validated.visits"][0]
    assert month_digest(warehouse, JULY) == before


def _cli(env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--month", "2022-07"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _one_line(proc: subprocess.CompletedProcess) -> str:
    out = (proc.stdout + proc.stderr).strip()
    assert "Traceback" not in out, out
    lines = out.splitlines()
    assert len(lines) == 1, out
    return lines[0]


def test_a_locked_warehouse_gives_one_clear_line(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; con = duckdb.connect({str(warehouse)!r}); "
                               "print('holding', flush=True); time.sleep(300)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        proc = _cli(cli_env(tmp_path, SAMPLE, warehouse, ELDERCARE_LOCK_WAIT_SECONDS="1"))
    finally:
        holder.kill()
        holder.wait(timeout=30)
    line = _one_line(proc)
    assert proc.returncode == 2
    assert f"warehouse {warehouse} is locked by process {holder.pid}" in line, line


@pytest.mark.parametrize("damage", ["not_duckdb", "truncated"])
def test_a_damaged_warehouse_gives_one_clear_line(tmp_path: Path, damage: str):
    warehouse = tmp_path / "warehouse.duckdb"
    if damage == "not_duckdb":
        warehouse.write_bytes(b"this is a spreadsheet, saved over the warehouse by mistake\n" * 200)
    else:
        import duckdb
        con = duckdb.connect(str(warehouse))
        con.execute("create table t as select range as i from range(100000)")
        con.close()
        data = warehouse.read_bytes()
        warehouse.write_bytes(data[: len(data) // 3])
    proc = _cli(cli_env(tmp_path, SAMPLE, warehouse))
    line = _one_line(proc)
    assert proc.returncode == 2
    assert line.startswith(f"refused: warehouse {warehouse} ") and "restore it from a backup" in line, line


def test_production_refuses_the_development_key_in_one_line(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    proc = _cli(cli_env(tmp_path, SAMPLE, warehouse, ELDERCARE_ENV="production",
                        ELDERCARE_ID_HASH_KEY="dev-only-not-secret"))
    line = _one_line(proc)
    assert proc.returncode == 2
    assert "ELDERCARE_ENV=production" in line and "development key" in line, line
    assert not warehouse.exists()  # nothing was written


def test_rerunning_a_month_three_times_gives_byte_identical_tables(tmp_path: Path, raw_copy: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    digests = []
    for _ in range(3):
        assert materialize_range(raw_copy, warehouse, "2022-09-01", selection=EVERYTHING).success
        digests.append(table_digests(warehouse))
    assert digests[0]["validated.visits"][0] > 2000 and len(digests[0]) > 15
    assert digests[1] == digests[0]
    assert digests[2] == digests[0]
