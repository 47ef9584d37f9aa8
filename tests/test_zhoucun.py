"""The evaluator's worked example (期颐堂, June–September 2022) under the rules the evaluation states.

The evaluator published 59 household-months below 15 visits. Applied as written, the rules give 58: the 55
June household-months include Q23, who died on 2022-06-05, and the evaluation's own rule excludes the month
of death ("服务不满1个月，故不作为不达标情况"). The pipeline lists Q23's June as died_this_month.
"""

import datetime as dt

import pytest

from conftest import materialize_range, query
from tests.zhoucun_fixture import build, read_table

WINDOW = ("2022-06", "2022-07", "2022-08", "2022-09")


def expected_below_15() -> set[tuple[str, str]]:
    """The written rules, applied here by hand to the evaluator's table (not by the code under test)."""
    below = set()
    for r in read_table():
        if r["month"] not in WINDOW or r["event"] == "not_recipient" or r["visits"] == "":
            continue
        if r["event"] in ("died", "paused") and r["event_date"][:7] <= r["month"]:
            continue  # the month of death or pause, and every month after it, is out of scope
        if int(r["visits"]) < 15:
            below.add((r["elder"], r["month"]))
    return below


@pytest.fixture(scope="module")
def zhoucun(tmp_path_factory):
    root = tmp_path_factory.mktemp("zhoucun")
    build(root / "raw")
    warehouse = root / "w.duckdb"
    result = materialize_range(root / "raw", warehouse, "2022-06-01", "2022-12-01")
    assert result.success
    return warehouse


def test_the_written_rule_gives_58_not_the_published_59(zhoucun):
    got = {(e, m) for e, m in query(zhoucun, "select elder_id, strftime(month, '%Y-%m') from metrics.elder_months "
                                             "where below_visits")}
    assert got == expected_below_15()
    assert len(got) == 58
    june = {e for e, m in got if m == "2022-06"}
    assert len(june) == 54 and "Q23" not in june
    assert {(e, m) for e, m in got if m != "2022-06"} == {("Q10", "2022-07"), ("Q34", "2022-07"), ("Q35", "2022-07"),
                                                         ("Q35", "2022-09")}


def test_the_person_month_the_evaluator_counted_is_listed_with_its_reason(zhoucun):
    listing = dict(((e, m), (scope, note)) for e, m, scope, note in query(
        zhoucun, "select elder_id, strftime(month, '%Y-%m'), scope, scope_note from metrics.elder_months"))
    assert listing[("Q23", "2022-06")] == ("died_this_month", "died 2022-06-05")
    assert listing[("Q10", "2022-09")] == ("paused", "paused 2022-09-20")
    assert listing[("Q06", "2022-07")] == ("died_this_month", "died 2022-07-02")
    assert listing[("Q58", "2022-07")][0] == "not_home_service_recipient"  # 2 visits punched by mistake
    assert ("Q58", "2022-06") not in listing  # a bed-only elder without visits is not a home-service person-month
    assert listing[("Q01", "2022-10")][0] == "outside_window"


def test_shortfall_table_and_person_times(zhoucun):
    per_month = dict(query(zhoucun, "select strftime(month, '%Y-%m'), person_months_below from metrics.visit_shortfalls "
                                    "where metric = 'visits' and month <= '2022-09-01'"))
    assert per_month == {"2022-06": 54, "2022-07": 3, "2022-08": 0, "2022-09": 1}
    # 人次: recipients with at least 30 visits over June–December, counted by hand from the table.
    totals: dict[str, int] = {}
    for r in read_table():
        if r["event"] != "not_recipient" and r["visits"]:
            totals[r["elder"]] = totals.get(r["elder"], 0) + int(r["visits"])
    expected = sum(1 for v in totals.values() if v >= 30)
    assert query(zhoucun, "select value from metrics.figures where metric = 'person_times_per_person' "
                          "and institution_id is null") == [(expected,)]


def test_hours_and_medical_minimums_follow_the_same_scope(zhoucun):
    rows = query(zhoucun, "select count(*) filter (where below_minutes), count(*) filter (where below_visits) "
                          "from metrics.elder_months")
    assert rows == [(58, 58)]  # every fixture visit lasts one hour, so hours mirror visits
    assert dt.date(2022, 6, 1) in [m for (m,) in query(zhoucun, "select distinct month from metrics.elder_months")]
