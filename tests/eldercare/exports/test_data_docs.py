"""Data docs: the aggregates are computed in DuckDB, and GX flags the institution-months and window months that
break the configured thresholds, writing a Data Docs site."""

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from eldercare.exports.data_docs import aggregates, read_summaries, run_suite
from eldercare.exports.settings import load_settings


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema validated")
    con.execute("create table validated.visits (region_code varchar, month date, elder_id varchar, "
                "institution_id varchar, checkout_at timestamp, duration_min double, duration_recorded boolean)")
    t = dt.datetime(2022, 7, 5, 9)
    rows = [("e1", t, 60.0, True), ("e1", t, 30.0, True), ("e2", None, None, False), ("e2", t, 3.0, True)]
    con.executemany("insert into validated.visits values ('370306', DATE '2022-07-01', ?, 'QYT', ?, ?, ?)", rows)
    yield con
    con.close()


REGIONS = pd.DataFrame([{"region_code": "370306", "window_start": dt.date(2022, 6, 1),
                         "window_end": dt.date(2022, 8, 1), "short_visit_minutes": 5.0}])


def test_aggregates_per_institution_month_and_window_month(con):
    frames = aggregates(con, REGIONS)
    row = frames["institution_months"].iloc[0].to_dict()
    # 4 visits of 2 elders; 1 open punch (also unrecorded); recorded 60, 30, 3 → median 30; 3 < 5 min → 1 of 4
    assert (row["visits"], row["elders"], row["visits_per_elder_month"]) == (4, 2, 2.0)
    assert (row["open_punch_share"], row["unrecorded_time_share"], row["short_visit_share"]) == (0.25, 0.25, 0.25)
    assert row["median_visit_minutes"] == 30.0
    assert frames["window_months"][["month", "visits"]].values.tolist() == [["2022-06", 0], ["2022-07", 4],
                                                                           ["2022-08", 0]]


def test_suite_flags_what_breaks_the_thresholds_and_writes_data_docs(con, tmp_path, monkeypatch):
    frames = aggregates(con, REGIONS)
    monkeypatch.chdir(tmp_path)  # the exports folder is relative by default (var/exports)
    docs = tmp_path / "docs"
    (docs / "validations" / "old").mkdir(parents=True)  # a previous run's pages
    per_region = run_suite(frames, load_settings().data_docs, Path("docs"), ["370306", "370399"])
    outcomes = per_region["370306"]
    assert all(o.success is None for o in per_region["370399"].values())  # a region without rows: not evaluated
    verdicts = {name: o.success for name, o in outcomes.items()}
    # thresholds: open punches ≤ 5 %, unrecorded ≤ 5 %, short ≤ 5 %, median 20–180 min, 1–62 visits per elder-month
    assert verdicts == {"duration_distribution": True, "short_visit_share": False, "open_punch_share": False,
                        "unrecorded_time_share": False, "visits_per_elder_month": True, "month_coverage": False}
    assert outcomes["open_punch_share"].failing == ["370306 QYT 2022-07: open_punch_share=0.25"]
    assert sorted(outcomes["month_coverage"].failing) == ["370306 2022-06: visits=0", "370306 2022-08: visits=0"]
    assert (docs / "index.html").is_file() and not (docs / "validations" / "old").exists()
    summary = {q["name"]: (q["success"], q["unexpected"], q["evaluated"]) for q in read_summaries(docs)["370306"]}
    assert summary["month_coverage"] == (False, 2, 3) and summary["duration_distribution"] == (True, 0, 1)
