"""Everything a real run writes — warehouse, Dagster run storage and event log (asset metadata included), compute
logs, exports, the terminal output — holds no clear ID number and no unmasked name of the raw ledgers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE, TEST_KEY
from corpus.cases import CASES, build
from eldercare.privacy_scan import Known, Scanner, known_from_raw


def test_a_run_writes_no_clear_id_number_or_name_anywhere(tmp_path: Path):
    raw, home, exports = tmp_path / "raw", tmp_path / "dagster_home", tmp_path / "exports"
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copytree(SAMPLE, raw)
    # hostile rows (bad IDs, duplicates, refused files and regions); not those that fail a step until fixed
    build(raw, [c for c in CASES if not c.ingestion and not c.known])
    home.mkdir()
    shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "ELDERCARE_DATA_RAW": str(raw),
           "ELDERCARE_WAREHOUSE": str(warehouse), "ELDERCARE_ID_HASH_KEY": TEST_KEY,
           "ELDERCARE_EXPORTS": str(exports)}
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--month", "2022-07"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    # every step ran (the refused corpus files fail their files_readable checks, as they should)
    assert "\nrun " in run.stdout and "Traceback" not in run.stdout + run.stderr, run.stdout[-3000:] + run.stderr[-3000:]
    known = known_from_raw(raw)
    # looked for: the names and numbers of the sample's 272 elders and of the corpus's ~100, read from the raw files
    assert len(known.names) > 350 and len(known.ids) > 350
    scanner = Scanner(known)
    stored = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    assert any(p.endswith(".db") for p in stored), stored  # the run and event-log storage was written and scanned
    # asset metadata is among what is scanned: the event log's materialisations carry it
    sentinel = Scanner(Known(frozenset({"dagster/row_count"}), frozenset())).paths([home])
    assert any("event" in f.where for f in sentinel), [str(f) for f in sentinel]
    findings = scanner.paths([warehouse, home, exports])
    findings += scanner.text(run.stdout + run.stderr, "terminal output")
    assert [str(f) for f in findings] == []
