"""The exports read each region's own rows: institution ids repeat across regions, so a region's slice of a
scores table must never hold another region's subject of the same id."""

import duckdb
import pandas as pd

from eldercare.exports import sources


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema scores")
    rows = pd.DataFrame({"region_code": ["370303", "370303", "110102"], "rubric": ["r", "r", "r"],
                         "subject": ["370303", "JG001", "JG001"], "depth": [0, 0, 0], "level": ["total"] * 3,
                         "points": [85.0, 70.0, 40.0], "max_points": [100.0] * 3, "not_scored": [0] * 3,
                         "grade": ["良好", "中", "差"], "veto": [False] * 3, "veto_reason": [None] * 3,
                         "why_not": [None] * 3})
    con.execute("create table scores.totals as select * from rows")
    con.execute("create table scores.departures as select region_code, rubric, subject, 'i' as indicator, "
                "1.0 as computed, 2.0 as final, 'why' as reason from rows")
    return con


def test_each_region_reads_only_its_own_subjects():
    con = _warehouse()
    have = sources.tables(con)
    for table in (sources.TOTALS, sources.DEPARTURES):
        split = sources.by_region(sources.read(con, table, have), ["370303", "110102"])
        assert sorted(split["370303"]["subject"]) == ["370303", "JG001"]
        assert list(split["110102"]["subject"]) == ["JG001"]
    totals = sources.by_region(sources.read(con, sources.TOTALS, have), ["370303", "110102"])
    assert list(totals["110102"]["points"]) == [40.0]  # not 370303's JG001 (70)
