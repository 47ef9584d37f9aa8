"""The early warning materialised on the sample region's June and July, as of 10 July: tables, checks, call lists."""

import datetime as dt
import re

import dagster as dg
import openpyxl
import pytest

from assets.alerts import ALERT_ASSETS
from assets.compliance import COMPLIANCE_ASSETS
from conftest import ALL_ASSETS, query, resources_for
from resources.exports_folder import ExportsFolder

ELDER_MONTHS = [a for a in COMPLIANCE_ASSETS if a.key == dg.AssetKey(["metrics", "elder_months"])]


@pytest.fixture(scope="module")
def july(tmp_path_factory):
    import shutil

    from conftest import SAMPLE
    base = tmp_path_factory.mktemp("alerts")
    raw = base / "raw"
    shutil.copytree(SAMPLE, raw)
    for month in ("08", "09", "10", "11", "12"):  # a small raw folder: June and July only
        for path in (raw / "370399" / "visits").glob(f"2022-{month}.*"):
            path.unlink()
    warehouse, exports = base / "wh.duckdb", base / "exports"
    result = dg.materialize(
        [*ALL_ASSETS, *ELDER_MONTHS, *ALERT_ASSETS],
        resources={**resources_for(raw, warehouse), "exports_folder": ExportsFolder(path=str(exports))},
        tags={"dagster/asset_partition_range_start": "2022-06-01", "dagster/asset_partition_range_end": "2022-07-01",
              "eldercare/as_of": "2022-07-10"},
        raise_on_error=False)
    return warehouse, exports, result


def test_run_succeeds_and_the_warn_checks_show_counts(july):
    _, _, result = july
    assert result.success
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    for key in ("visit_pace", "person_times_risk", "person_times_outlook", "backtest"):
        assert evaluations[(f"alerts/{key}", "contract")].passed
    pace_check = evaluations[("alerts/visit_pace", "elders_at_risk")]
    assert pace_check.severity == dg.AssetCheckSeverity.WARN
    assert pace_check.metadata["elders_alerted"].value > 0


def test_visit_pace_is_the_open_month_as_of_the_tag(july):
    warehouse, _, _ = july
    assert query(warehouse, "select distinct month, as_of, days_elapsed, days_left from alerts.visit_pace") == \
        [(dt.date(2022, 7, 1), dt.date(2022, 7, 10), 10, 21)]
    # Punches after 10 July are not counted: nobody has more than 10 visits (at most one a day in the sample).
    assert query(warehouse, "select max(visits) from alerts.visit_pace")[0][0] <= 10
    # E0051 paused on 2 July: not alerted. E0259 dies on 20 July, unknown on the 10th: still assessed.
    elders = {e for (e,) in query(warehouse, "select elder_id from alerts.visit_pace")}
    assert "E0051" not in elders and "E0259" in elders


def test_backtest_replays_the_closed_month_on_days_10_15_20(july):
    warehouse, _, _ = july
    rows = query(warehouse, "select month, day, margin, shortfalls, caught + missed from alerts.backtest order by all")
    assert {(m, d) for m, d, *_ in rows} == {(dt.date(2022, 6, 1), d) for d in (10, 15, 20)}
    assert {m for _, _, m, _, _ in rows} == {0.8, 1.0, 1.2}
    # caught + missed = every final shortfall of June, on every day and margin
    june_short = query(warehouse, "select count(*) from metrics.elder_months where month = DATE '2022-06-01' and "
                                  "(below_visits or below_minutes or below_medical_visits)")[0][0]
    assert {(s, cm) for *_, s, cm in rows} == {(june_short, june_short)}


def test_one_call_list_per_institution_with_masked_names_most_urgent_first(july):
    warehouse, exports, _ = july
    files = sorted(p.name for p in (exports / "370399").iterdir())
    assert files == [f"预警名单_call_list_2022-07-10_JG00{i}.xlsx" for i in (1, 2, 3)]
    wb = openpyxl.load_workbook(exports / "370399" / files[0])
    assert wb.sheetnames == ["本月预警", "人次预警"]
    rows = list(wb["本月预警"].iter_rows(min_row=3, values_only=True))
    alerted = query(warehouse, "select count(*) from alerts.visit_pace where institution_id = 'JG001' "
                               "and risk_level <> 'on_track'")[0][0]
    assert len(rows) == alerted > 0
    assert [r[0] for r in rows] == list(range(1, alerted + 1))  # urgency 1, 2, 3 …
    for row in rows:
        assert re.fullmatch(r".\*.*", row[2]), row[2]  # 张*华: masked
    text = " ".join(str(c) for r in wb["本月预警"].iter_rows(values_only=True) for c in r if c is not None)
    assert not re.search(r"\d{17}[\dXx]", text)  # no ID number


def test_a_rerun_replays_only_its_months_and_keeps_the_others(july, tmp_path):
    """Re-running July (as of 31 August) replays July and the months never replayed, not the whole period again;
    June's rows, replayed by the first run, stay as they were."""
    import shutil
    warehouse, _, _ = july
    copy = tmp_path / "wh.duckdb"
    shutil.copy(warehouse, copy)
    before = query(copy, "select * from alerts.backtest where month = DATE '2022-06-01' order by all")
    raw = warehouse.parent / "raw"
    result = dg.materialize(
        [a for a in ALERT_ASSETS if a.key == dg.AssetKey(["alerts", "backtest"])],
        resources={**resources_for(raw, copy), "exports_folder": ExportsFolder(path=str(tmp_path / "x"))},
        tags={"dagster/partition": "2022-07-01", "eldercare/as_of": "2022-08-31"}, raise_on_error=False)
    assert result.success
    mat = result.get_asset_materialization_events()[0].materialization
    assert mat.metadata["months_replayed"].value == 1  # July, now closed; June was already replayed
    assert query(copy, "select * from alerts.backtest where month = DATE '2022-06-01' order by all") == before
    assert query(copy, "select distinct month from alerts.backtest order by 1") == \
        [(dt.date(2022, 6, 1),), (dt.date(2022, 7, 1),)]
