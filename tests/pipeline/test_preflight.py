"""Before a CLI run: the hash key and the warehouse are checked, each failure one line (no run is launched)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.preflight import preflight


def test_a_usable_setup_passes_and_creates_the_warehouse(tmp_path: Path):
    env = {"ELDERCARE_WAREHOUSE": str(tmp_path / "w.duckdb"), "ELDERCARE_ID_HASH_KEY": "k"}
    assert preflight(env) is None
    assert (tmp_path / "w.duckdb").exists()


def test_the_development_key_in_production_is_refused_before_the_warehouse_is_touched(tmp_path: Path):
    env = {"ELDERCARE_WAREHOUSE": str(tmp_path / "w.duckdb"), "ELDERCARE_ID_HASH_KEY": "dev-only-not-secret",
           "ELDERCARE_ENV": "production"}
    line = preflight(env)
    assert line.startswith("refused: ELDERCARE_ENV=production") and "\n" not in line
    assert not (tmp_path / "w.duckdb").exists()


def test_a_file_that_is_not_a_warehouse_is_refused_in_one_line(tmp_path: Path):
    (tmp_path / "w.duckdb").write_text("not a database\n" * 100)
    line = preflight({"ELDERCARE_WAREHOUSE": str(tmp_path / "w.duckdb"), "ELDERCARE_ID_HASH_KEY": "k"})
    assert line.startswith(f"refused: warehouse {tmp_path / 'w.duckdb'} is not a readable DuckDB database")
    assert "\n" not in line


def test_an_existing_warehouse_is_left_as_it_was(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table t as select 42 as answer")
    con.close()
    assert preflight({"ELDERCARE_WAREHOUSE": str(tmp_path / "w.duckdb"), "ELDERCARE_ID_HASH_KEY": "k"}) is None
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("select answer from t").fetchall() == [(42,)]
    con.close()
