"""The national-scale generator: deterministic, in the contract's formats, readable by the pipeline (CSV and Parquet)."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest

from eldercare.visit_loader import parse_month_frame
from eldercare.ledgers import ELDERS, INSTITUTIONS, STATUS_EVENTS
from eldercare.readers import read_ledger
from eldercare.region import discover_regions
from synth import national
from eldercare.visit_reader import TEXT_COLUMNS, read_visit_file

MONTHS = ["2022-01", "2022-02"]


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    out = {}
    for fmt in ("csv", "parquet"):
        root = tmp_path_factory.mktemp(f"national_{fmt}")
        out[fmt] = (root, national.generate(root, regions=2, elders_per_region=40, months=MONTHS, visits_format=fmt,
                                            seed=7))
    return out


def test_same_seed_same_bytes_other_seed_other_visits(tiny, tmp_path):
    root, _ = tiny["parquet"]
    again = tmp_path / "again"
    national.generate(again, regions=2, elders_per_region=40, months=MONTHS, visits_format="parquet", seed=7)
    assert _digest(again) == _digest(root)
    other = tmp_path / "other"
    national.generate(other, regions=2, elders_per_region=40, months=MONTHS, visits_format="parquet", seed=8)
    code = national.region_code(0)
    assert (other / code / "visits" / "2022-01.parquet").read_bytes() != (root / code / "visits" / "2022-01.parquet").read_bytes()


def test_regions_and_ledgers_follow_the_contract(tiny):
    root, manifest = tiny["csv"]
    regions, refused = discover_regions(root)
    assert refused == []
    assert [r.code for r in regions] == sorted(manifest["region_codes"]) and len(regions) == 2
    assert regions[0].window_start == dt.date(2022, 1, 1) and regions[0].window_end == dt.date(2022, 2, 1)
    folder = regions[0].folder
    elders = read_ledger(folder / "elders.csv", ELDERS, "elders.csv")
    assert len(elders.records) == 40 and not elders.unknown_columns
    assert set(elders.headers) == {c.name for c in ELDERS.columns}
    assert read_ledger(folder / "institutions.xlsx", INSTITUTIONS, "institutions.xlsx").records
    read_ledger(folder / "status_events.csv", STATUS_EVENTS, "status_events.csv")  # readable, possibly empty
    ids = [cells["id_number"] for _, cells in elders.records]
    assert len(set(ids)) == len(ids) and all(len(i) == 18 for i in ids)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_visit_reader_accepts_the_month_files(tiny, fmt):
    root, manifest = tiny[fmt]
    code = manifest["region_codes"][0]
    vf = read_visit_file(root / code / "visits" / f"2022-01.{fmt}", f"{code}/visits/2022-01.{fmt}")
    assert set(vf.headers) == set(TEXT_COLUMNS) and vf.unknown_columns == []
    rows, issues, blank = parse_month_frame(vf.frame, vf.headers)
    assert issues.is_empty() and blank == 0 and rows.height == vf.frame.height
    assert rows["checkin_at"].dt.strftime("%Y-%m").unique().to_list() == ["2022-01"]
    assert rows.filter(pl.col("checkout_at").is_not_null())["duration_min"].min() >= 30


def test_csv_and_parquet_hold_the_same_visits(tiny):
    code = tiny["csv"][1]["region_codes"][1]
    parsed = {}
    for fmt, (root, _) in tiny.items():
        vf = read_visit_file(root / code / "visits" / f"2022-02.{fmt}", f"2022-02.{fmt}")
        parsed[fmt] = parse_month_frame(vf.frame, vf.headers)[0]
    # the same rows, numbered as a person sees them: line 2 onwards under a CSV header, row 1 onwards in Parquet
    assert parsed["csv"].drop("source_row").equals(parsed["parquet"].drop("source_row"))
    assert (parsed["csv"]["source_row"] - 1).equals(parsed["parquet"]["source_row"])


def test_every_month_file_carries_each_kind_of_defect(tmp_path):
    manifest = national.generate(tmp_path, regions=1, elders_per_region=120, months=["2022-03"], seed=1)
    assert all(n >= 1 for n in manifest["defects"]["2022-03"].values())
    code = manifest["region_codes"][0]
    visits = pl.read_csv(tmp_path / code / "visits" / "2022-03.csv", infer_schema=False)
    elders = set(pl.read_csv(tmp_path / code / "elders.csv", infer_schema=False)["服务对象编号"])
    assert visits.height == manifest["visit_rows"]["2022-03"]
    assert visits["服务记录编号"].is_duplicated().sum() == 2 * manifest["defects"]["2022-03"]["duplicate_punch"]
    assert (~visits["服务对象编号"].is_in(list(elders))).sum() == manifest["defects"]["2022-03"]["unknown_elder"]
    assert (visits["签退时间"] < visits["签到时间"]).sum() == manifest["defects"]["2022-03"]["checkout_before_checkin"]
    assert visits["签退时间"].null_count() == manifest["defects"]["2022-03"]["open_punch"]


def _bench_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_national", Path(__file__).resolve().parents[2] / "bench" / "national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pipeline_loads_a_parquet_month_and_agrees_with_the_bench_query(tiny, tmp_path):
    import dagster as dg
    import duckdb

    from assets.compliance import elder_months, visit_shortfalls
    from assets.validated import LEDGER_ASSETS, regions, visits
    from tests.conftest import resources_for

    from bench.national_ledgers import add_ledgers

    source, manifest = tiny["parquet"]
    root = tmp_path / "raw"
    shutil.copytree(source, root)
    add_ledgers(root, seed=7)  # beds, items, funds and survey: B reads every ledger, as the pipeline does
    warehouse = tmp_path / "w.duckdb"
    targets = [regions, *LEDGER_ASSETS, visits, elder_months, visit_shortfalls]
    result = dg.materialize(
        targets, resources=resources_for(root, warehouse),
        selection=dg.AssetSelection.assets(*targets) | dg.AssetSelection.checks_for_assets(*targets),
        tags={"dagster/asset_partition_range_start": "2022-01-01", "dagster/asset_partition_range_end": "2022-01-01"},
        raise_on_error=False)
    assert result.success
    assert [e.check_name for e in result.get_asset_check_evaluations() if not e.passed] == []
    bench = _bench_module()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rules = dict(con.execute("select rule, count(*) from quarantine.rows where ledger = 'visits' group by 1").fetchall())
        a_counts = con.execute(bench.A_COUNTS_SQL.format(first="2022-01-01")).fetchall()
        stored = con.execute("select count(*) from validated.visits").fetchone()[0]
    finally:
        con.close()
    defects = manifest["defects"]["2022-01"]
    assert rules == {k: v for k, v in {"unknown_reference": defects["unknown_elder"],
                                       "duplicate_punch": defects["duplicate_punch"],
                                       "checkout_not_before_checkin": defects["checkout_before_checkin"]}.items() if v}
    assert stored == manifest["visit_rows"]["2022-01"] - sum(rules.values())
    b_counts = bench.child_b(str(root), "2022-01", "parquet", str(tmp_path / "b.duckdb"))["counts"]
    assert [tuple(r) for r in a_counts] == [tuple(r) for r in b_counts]


def test_writing_some_months_gives_those_months_the_same_rows(tiny, tmp_path):
    root, _ = tiny["parquet"]
    manifest = national.generate(tmp_path, regions=2, elders_per_region=40, months=MONTHS, visits_format="parquet",
                                 seed=7, visit_months=["2022-02"])
    assert list(manifest["visit_rows"]) == ["2022-02"] and manifest["months"] == MONTHS
    code = national.region_code(1)
    assert not (tmp_path / code / "visits" / "2022-01.parquet").exists()
    assert (tmp_path / code / "visits" / "2022-02.parquet").read_bytes() == \
        (root / code / "visits" / "2022-02.parquet").read_bytes()
    assert (tmp_path / code / "region.yaml").read_bytes() == (root / code / "region.yaml").read_bytes()
