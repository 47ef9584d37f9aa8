"""Monthly partitions: a re-run replaces exactly its month; column order and extra columns do not matter;
a refused file or region is recorded and the rest still loads; a failed write leaves the old month intact."""

import csv
import random

import pandas as pd
import pytest

from conftest import ALL_ASSETS, materialize_range, query
from pipeline.summary import print_summary
from resources.warehouse import Warehouse, replace_slice

MONTH_TABLES = {
    "validated.visits": "month", "metrics.elder_months": "month", "metrics.visit_shortfalls": "month",
    "metrics.visit_findings": "month", "quarantine.rows": "month", "audit.ingest_files": "month",
}


def _snapshot(warehouse, month: str) -> dict:
    return {t: sorted(map(repr, query(warehouse, f"select * from {t} where {c} = ?", [month])))
            for t, c in MONTH_TABLES.items()}


def test_rerunning_a_month_is_idempotent_and_leaves_other_months_alone(raw_copy, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    assert materialize_range(raw_copy, warehouse, "2022-06-01").success
    june = _snapshot(warehouse, "2022-06-01")
    assert len(june["validated.visits"]) > 2900 and len(june["metrics.elder_months"]) > 150
    assert materialize_range(raw_copy, warehouse, "2022-06-01").success
    assert _snapshot(warehouse, "2022-06-01") == june
    assert materialize_range(raw_copy, warehouse, "2022-07-01").success
    assert _snapshot(warehouse, "2022-06-01") == june
    assert len(_snapshot(warehouse, "2022-07-01")["validated.visits"]) > 3000


def _rewrite_csv(path, order_seed: int, extra: bool) -> None:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    order = list(range(len(rows[0])))
    random.Random(order_seed).shuffle(order)
    out = [[r[i] if i < len(r) else "" for i in order] + (["备注" if n == 0 else "x"] if extra else [])
           for n, r in enumerate(rows)]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(out)


@pytest.mark.parametrize("extra", [False, True])
def test_a_visit_file_with_columns_in_another_order_loads_the_same_rows(raw_copy, tmp_path, extra):
    original = tmp_path / "original.duckdb"
    assert materialize_range(raw_copy, original, "2022-11-01").success
    _rewrite_csv(raw_copy / "370399" / "visits" / "2022-11.csv", order_seed=7, extra=extra)
    shuffled = tmp_path / "shuffled.duckdb"
    assert materialize_range(raw_copy, shuffled, "2022-11-01").success
    sql = "select * exclude (source_file) from validated.visits order by source_row"
    assert query(shuffled, sql) == query(original, sql)
    unknown = query(shuffled, "select unknown_columns from audit.ingest_files where ledger = 'visits'")
    assert unknown == [("备注",)] if extra else [(None,)]


def test_a_refused_file_is_recorded_and_everything_else_loads(raw_copy, tmp_path, capsys):
    (raw_copy / "370399" / "visits" / "2022-12.csv").write_bytes(b"")
    (raw_copy / "370399" / "survey.xlsx").write_bytes(b"not a workbook")
    bad_region = raw_copy / "370398"
    bad_region.mkdir()
    (bad_region / "region.yaml").write_text("region_code: '370398'\nname: x\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = materialize_range(raw_copy, warehouse, "2022-11-01", "2022-12-01")
    assert result.success  # refusals are reported by (non-blocking) checks, never a crash
    refused = query(warehouse, "select ledger, source_file, reason from quarantine.refused_files order by 1")
    assert refused == [
        ("region", "370398/region.yaml", "region.yaml key 'project_year' is missing"),  # names the file at fault
        ("survey", "370399/survey.xlsx", "not a readable xlsx workbook (BadZipFile)"),
        ("visits", "370399/visits/2022-12.csv", "the file is empty"),
    ]
    failed = {(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {("validated/regions", "regions_accepted"), ("validated/survey", "files_readable"),
                      ("validated/visits", "files_readable"),
                      # no survey, no satisfaction: its indicator is not scored (a WARN), never scored 0
                      ("scores/indicator_scores", "all_indicators_scored")}
    assert query(warehouse, "select count(*) from validated.visits where month = '2022-11-01'")[0][0] > 2900
    # The run's last lines (read first at the terminal) name each refused file or region and why.
    checks = [(e.asset_key.to_user_string(), e.check_name, e.passed, e.severity.value)
              for e in result.get_asset_check_evaluations()]
    print_summary(Warehouse(path=str(warehouse)), checks, run_id="r", success=result.success)
    last = capsys.readouterr().out.rstrip().splitlines()[-3:]
    assert last == ["  REFUSED 370398/region.yaml: region.yaml key 'project_year' is missing",
                    "  REFUSED 370399/survey.xlsx: not a readable xlsx workbook (BadZipFile)",
                    "  REFUSED 370399/visits/2022-12.csv: the file is empty"]


def test_a_failed_write_leaves_the_previous_month_intact(tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.transaction() as con:
        con.execute("create table validated.t (month date, v bigint)")
        replace_slice(con, "validated.t", pd.DataFrame({"v": [1, 2], "month": pd.to_datetime(["2022-06-01"] * 2)}),
                      "month = ?", ["2022-06-01"])
    with pytest.raises(Exception):
        with warehouse.transaction() as con:
            replace_slice(con, "validated.t", pd.DataFrame({"month": ["2022-06-01"], "v": ["not a number"]}),
                          "month = ?", ["2022-06-01"])
    with warehouse.connect() as con:
        assert con.execute("select v from validated.t order by v").fetchall() == [(1,), (2,)]


def test_only_selected_assets_can_run_alone(raw_copy, tmp_path):
    """A data engineer can re-run the validated layer without the metrics (lineage still resolves)."""
    result = materialize_range(raw_copy, tmp_path / "w.duckdb", "2022-06-01", selection=ALL_ASSETS)
    assert result.success
