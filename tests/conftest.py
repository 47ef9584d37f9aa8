"""Shared fixtures: the bundled sample region copied to a temporary raw folder, materialised into a temp warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.compliance import COMPLIANCE_ASSETS
from assets.programme_metrics import PROGRAMME_METRIC_ASSETS
from assets.scores import SCORE_ASSETS
from assets.validated import LEDGER_ASSETS, regions, visits
from resources import IdHashKey, RawFolder, Warehouse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_raw"
SAMPLE_CODE = "370399"
SAMPLE_MONTHS = ["2022-06-01", "2022-07-01", "2022-08-01", "2022-09-01", "2022-10-01", "2022-11-01", "2022-12-01"]
TEST_KEY = "test-key-not-secret"
ALL_ASSETS = [regions, *LEDGER_ASSETS, visits]  # the validated layer
EVERYTHING = [*ALL_ASSETS, *COMPLIANCE_ASSETS, *PROGRAMME_METRIC_ASSETS, *SCORE_ASSETS]


def resources_for(raw: Path, warehouse: Path) -> dict:
    return {"raw_folder": RawFolder(path=str(raw)), "warehouse": Warehouse(path=str(warehouse)),
            "id_hash_key": IdHashKey(key=TEST_KEY)}


def materialize_range(raw: Path, warehouse: Path, first: str, last: str | None = None,
                      selection=None, as_of: str | None = None) -> dg.ExecuteInProcessResult:
    """Dagster's own `materialize` of the assets (default: all) over a month range, as one run; every asset runs its
    checks in its own step."""
    return dg.materialize(
        selection or EVERYTHING,
        resources=resources_for(raw, warehouse),
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last or first,
              **({"eldercare/as_of": as_of} if as_of else {})},
        raise_on_error=False,
    )


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the bundled raw folder."""
    dest = tmp_path / "raw"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[Path, Path, dg.ExecuteInProcessResult]:
    """The whole sample region materialised once (all months), shared read-only by many tests."""
    base = tmp_path_factory.mktemp("sample")
    raw = base / "raw"
    shutil.copytree(SAMPLE, raw)
    warehouse = base / "warehouse.duckdb"
    result = materialize_range(raw, warehouse, SAMPLE_MONTHS[0], SAMPLE_MONTHS[-1])
    return raw, warehouse, result
