"""A 200 MB month file of visits goes through the validated layer in bounded memory (marked slow: not in make test).

Run it alone: `.venv/bin/python -m pytest -q -m slow tests/test_big_visit_file.py -s` (prints the peak RSS).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from conftest import ROOT, TEST_KEY
from corpus.cases import ELDER_HEADER, INSTITUTION_HEADER, Corpus, id18, region_yaml

TARGET_BYTES = 200 * 1024 * 1024
ELDERS = 5000
PEAK_RSS_LIMIT = 3 * 1024**3  # the national month (3M rows, ~300 MB) peaks at 1.9 GiB (README, Scale)

MATERIALISE = """
import sys
sys.path.insert(0, "tests")
import dagster as dg
from conftest import ALL_ASSETS, materialize_range
from pathlib import Path
result = materialize_range(Path(sys.argv[1]), Path(sys.argv[2]), "2022-07-01", selection=ALL_ASSETS)
sys.exit(0 if result.success else 1)
"""


def write_big_region(root: Path) -> tuple[Path, int]:
    """Region 510900: one institution, ELDERS elders, and a July visit file of about 200 MB (rows counted)."""
    folder = root / "510900"
    corpus = Corpus(root)
    corpus.text(folder, "region.yaml", region_yaml("510900"))
    corpus.csv(folder, "institutions.csv", INSTITUTION_HEADER, [["JG1", "示范养老服务中心", "10000", "10"]])
    corpus.csv(folder, "elders.csv", ELDER_HEADER,
               [[f"E{i}", id18(f"3703061945{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"), f"长者{i}", "男", "低保",
                 "轻度失能", "JG1", "两者", "2022-05-10"] for i in range(ELDERS)])
    # ~82 bytes a row: V0000001,E123,JG1,HG12,生活照料,2022-07-05 08:00:00,2022-07-05 09:00:00,60分钟
    rows = TARGET_BYTES // 82
    n = pl.int_range(0, rows, eager=True)
    start = pl.datetime(2022, 7, 1) + pl.duration(minutes=(pl.col("n") * 7) % (30 * 24 * 60 - 120))
    frame = pl.DataFrame({"n": n}).select(
        ("V" + pl.col("n").cast(pl.Utf8).str.zfill(8)).alias("服务记录编号"),
        ("E" + (pl.col("n") % ELDERS).cast(pl.Utf8)).alias("服务对象编号"),
        pl.lit("JG1").alias("服务机构"),
        ("HG" + (pl.col("n") % 97).cast(pl.Utf8)).alias("护理员编号"),
        pl.lit("生活照料").alias("服务项目"),
        start.dt.strftime("%Y-%m-%d %H:%M:%S").alias("签到时间"),
        (start + pl.duration(minutes=60)).dt.strftime("%Y-%m-%d %H:%M:%S").alias("签退时间"),
        pl.lit("60分钟").alias("服务时长"),
    )
    path = folder / "visits" / "2022-07.csv"
    path.parent.mkdir(parents=True)
    frame.write_csv(path)
    return path, rows


@pytest.mark.slow
def test_a_200_mb_visit_file_loads_in_bounded_memory(tmp_path: Path):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    path, rows = write_big_region(raw)
    size = path.stat().st_size
    assert size > 190 * 1024 * 1024
    env = {**os.environ, "ELDERCARE_ID_HASH_KEY": TEST_KEY}
    proc = subprocess.run([sys.executable, "-c", MATERIALISE, str(raw), str(warehouse)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux reports KiB
    import duckdb
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        valid = con.execute("select count(*) from validated.visits").fetchone()[0]
        bad = con.execute("select count(distinct source_row) from quarantine.rows where ledger = 'visits'").fetchone()[0]
    finally:
        con.close()
    print(f"\n200 MB visit file: {size / 1024**2:.0f} MiB, {rows} rows in / {valid} valid / {bad} quarantined / "
          f"lost = {rows - valid - bad}; peak RSS {peak / 1024**3:.2f} GiB")
    assert valid + bad == rows
    assert peak < PEAK_RSS_LIMIT
