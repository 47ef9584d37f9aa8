"""Hand-worked paces and risk levels on a five-elder June (30 days), including a death and a pause mid-month.

Region: minimums 15 visits, 900 minutes, 2 medical visits a month; alerts margin 1.0, at most 1 visit, 120
minutes and 1 medical visit a day. Every visit lasts 60 minutes.
  A  visits on days 1–16 (medical on days 1 and 2)          final: 16 visits, 960 min, 2 medical — not short
  B  visits on days 1, 3, 5, 7 and 12, none medical          final: short
  C  no visit                                                final: short
  D  visits on days 1–3, died on 5 June                      final: out of scope (died this month)
  E  visits on days 1–7, paused on 8 June                    final: out of scope (paused)
"""

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from eldercare.alerts.backtest import backtest, format_backtest
from eldercare.alerts.pace import pace_table, person_months_known_on
from eldercare.alerts.rules import AlertRules, AlertRulesError, alert_rules, rules_frame
from eldercare.compliance import VisitPolicy, person_months
from eldercare.policy import policy_for
from eldercare.region import load_region
from eldercare.visit_sql import visit_totals

CODE = "990001"
JUNE = dt.date(2022, 6, 1)
REGION_YAML = f"""region_code: "{CODE}"
name: 测试区
project_year: 2022
service_start: "2022-06-01"
evaluation_window: ["2022-06", "2022-12"]
minimums: {{visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}}
targets: {{service_person_times: 3}}
"""
RULES = {"margin": 1.0, "max_per_day": {"visits": 1, "minutes": 120, "medical_visits": 1},
         "backtest_days": [3, 10], "backtest_margins": [0.2, 1.0]}
DAYS = {"A": range(1, 17), "B": [1, 3, 5, 7, 12], "C": [], "D": [1, 2, 3], "E": range(1, 8)}
MEDICAL = {("A", 1), ("A", 2)}


@pytest.fixture
def june(tmp_path: Path):
    """A warehouse holding the five elders' June punches and status events, and the region's rules."""
    folder = tmp_path / CODE
    folder.mkdir()
    (folder / "region.yaml").write_text(REGION_YAML, encoding="utf-8")
    region = load_region(folder)
    policy = policy_for(region.settings)
    policies = {CODE: VisitPolicy.from_region(region, policy)}
    visit_rules = {CODE: policy["visits"]}
    visits = pl.DataFrame([{
        "region_code": CODE, "month": JUNE, "visit_id": f"{e}{d}", "elder_id": e, "institution_id": "JG1",
        "caregiver_id": "H1", "service_item": "医疗护理" if (e, d) in MEDICAL else "生活照料",
        "checkin_at": dt.datetime(2022, 6, d, 9), "checkout_at": dt.datetime(2022, 6, d, 10), "duration_min": 60.0,
        "duration_recorded": True, "source_file": f"{CODE}/visits/2022-06.csv", "source_row": d}
        for e, days in DAYS.items() for d in days])
    elders = pl.DataFrame([{"region_code": CODE, "elder_id": e, "institution_id": "JG1", "name_masked": f"张*{e}",
                            "service_type": "home_visits", "self_funded": False, "enrolled_on": dt.date(2022, 5, 1)}
                           for e in DAYS])
    events = pl.DataFrame([{"region_code": CODE, "elder_id": "D", "event": "died", "event_date": dt.date(2022, 6, 5)},
                           {"region_code": CODE, "elder_id": "E", "event": "paused", "event_date": dt.date(2022, 6, 8)}])
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    for schema in ("validated", "quarantine", "metrics"):
        con.execute(f"create schema {schema}")
    con.execute("create table validated.visits as select * from visits")
    con.execute("create table validated.status_events as select * from events")
    con.execute("create table quarantine.rows (region_code varchar, ledger varchar, month date, source_file varchar, "
                "source_row bigint, elder_id varchar, rule varchar, value varchar, reason varchar)")
    rules = {CODE: AlertRules.model_validate(RULES)}
    yield con, elders, events, policies, visit_rules, rules
    con.close()


def _pace(june, as_of: dt.date) -> dict[str, dict]:
    con, elders, events, policies, visit_rules, rules = june
    known = person_months_known_on(con, as_of, elders, events, policies, visit_rules)
    table = pace_table(con, known, as_of, rules_frame(rules))
    return {r["elder_id"]: r for r in table.iter_rows(named=True)}


def test_day_10_paces_and_levels(june):
    pace = _pace(june, dt.date(2022, 6, 10))
    # D died on the 5th and E paused on the 8th: out of scope, not alerted.
    assert sorted(pace) == ["A", "B", "C"]
    a, b, c = pace["A"], pace["B"], pace["C"]
    assert (a["days_elapsed"], a["days_left"]) == (10, 20)
    # A: 10 visits, 600 min, 2 medical; needs 5 and 300: pace 1/day × 20 days = 20 ≥ 5, 60 × 20 = 1200 ≥ 300.
    assert (a["visits"], a["minutes"], a["medical_visits"]) == (10, 600.0, 2)
    assert (a["need_visits"], a["need_minutes"], a["need_medical_visits"]) == (5, 300, 0)
    assert (a["visits_level"], a["minutes_level"], a["medical_level"], a["risk_level"]) == \
        ("on_track", "on_track", "met", "on_track")
    assert a["urgency"] is None
    # B: 4 visits (days 1, 3, 5, 7): needs 11 > 20 × 0.4 = 8 → at risk; 11 ≤ 20 × 1 → still reachable.
    # minutes: needs 660 > 20 × 24 = 480 → at risk; medical: needs 2 > 20 × 0 → at risk.
    assert (b["visits"], b["need_visits"], b["need_minutes"]) == (4, 11, 660)
    assert b["visits_per_day_needed"] == pytest.approx(11 / 20)
    assert (b["visits_level"], b["minutes_level"], b["medical_level"], b["risk_level"]) == \
        ("at_risk", "at_risk", "at_risk", "at_risk")
    # C: nothing yet: needs 15 ≤ 20 → at risk, not out of reach.
    assert (c["visits"], c["need_visits"], c["risk_level"]) == (0, 15, "at_risk")
    # Call order: C needs 15/20 = 0.75 of the daily ceiling, B 11/20 = 0.55.
    assert (c["urgency"], b["urgency"]) == (1, 2)


def test_day_20_cannot_reach_and_boundary(june):
    pace = _pace(june, dt.date(2022, 6, 20))
    assert sorted(pace) == ["A", "B", "C"]
    assert pace["A"]["risk_level"] == "on_track"  # 16 visits, 960 minutes, 2 medical: all met
    assert pace["A"]["visits_level"] == "met"
    # C: 15 still needed in 10 days at most 1 a day → cannot reach.
    assert (pace["C"]["days_left"], pace["C"]["visits_level"], pace["C"]["risk_level"]) == (10, "cannot_reach", "cannot_reach")
    # B: 5 visits (day 12 counted now): needs 10 = 10 days × 1 → reachable; 10 > 10 × 5/20 = 2.5 → at risk.
    assert (pace["B"]["visits"], pace["B"]["need_visits"], pace["B"]["risk_level"]) == (5, 10, "at_risk")
    assert (pace["C"]["urgency"], pace["B"]["urgency"]) == (1, 2)  # cannot reach first


def test_a_death_is_alerted_only_until_it_is_known(june):
    # On day 3 D's death (5 June) is not yet known: D is in scope, and with no medical visit (needs 2 > 27 × 0) at risk.
    day3 = _pace(june, dt.date(2022, 6, 3))
    assert sorted(day3) == ["A", "B", "C", "D", "E"]
    assert (day3["D"]["visits"], day3["D"]["medical_level"], day3["D"]["risk_level"]) == (3, "at_risk", "at_risk")
    # Punches after the as-of date are not counted: E has 3 (days 1–3) of its 7.
    assert day3["E"]["visits"] == 3
    assert "D" not in _pace(june, dt.date(2022, 6, 5))  # died on the 5th: out from that day


def test_pace_equal_to_need_is_on_track_on_the_boundary(june):
    # Margin 1, day 10 again but A alone: needs 5, can give 20 × 1 = 20; at margin 0.2 it can give 4 < 5 → at risk.
    con, elders, events, policies, visit_rules, rules = june
    as_of = dt.date(2022, 6, 10)
    known = person_months_known_on(con, as_of, elders, events, policies, visit_rules)
    strict = rules_frame(rules, {CODE: [0.2, 0.25]})
    table = pace_table(con, known.filter(pl.col("elder_id") == "A"), as_of, strict)
    levels = {r["margin"]: r["visits_level"] for r in table.iter_rows(named=True)}
    assert levels == {0.2: "at_risk", 0.25: "on_track"}  # 20 × 0.25 = 5, not more than needed: on track


def test_backtest_against_final_verdicts(june):
    con, elders, events, policies, visit_rules, rules = june
    final = person_months(JUNE, elders, events, visit_totals(con, JUNE, visit_rules), policies)
    con.execute("create table metrics.elder_months as select * from final")
    table = backtest(con, [JUNE], elders, events, policies, visit_rules, rules)
    got = {(r["day"], r["margin"]): (r["shortfalls"], r["alerts"], r["caught"], r["missed"], r["false_alarms"],
                                     r["alerted_then_excluded"]) for r in table.iter_rows(named=True)}
    # Final: B and C short; A not; D (died) and E (paused) out of scope.
    # Day 3, margin 1: B (no medical yet), C, D, E alerted → caught B, C; D and E left scope later.
    # Day 10, margin 1: B, C alerted → both caught. Margin 0.2: A too (needs 5 > 20 × 1 × 0.2) → a false alarm.
    assert got[(3, 1.0)] == (2, 4, 2, 0, 0, 2)
    assert got[(10, 1.0)] == (2, 2, 2, 0, 0, 0)
    assert got[(10, 0.2)] == (2, 3, 2, 0, 1, 0)
    text = format_backtest(table)
    assert "1.00*" in text and "recall" in text


def test_alert_rules_are_validated_naming_the_key():
    with pytest.raises(AlertRulesError, match="alerts.max_per_day"):
        alert_rules({"alerts": {**RULES, "max_per_day": {"visits": 1}}}, "990001/region.yaml")
    with pytest.raises(AlertRulesError, match="alerts.margn"):
        alert_rules({"alerts": {**RULES, "margn": 1}}, "990001/region.yaml")
    with pytest.raises(AlertRulesError, match="day 31"):
        alert_rules({"alerts": {**RULES, "backtest_days": [10, 31]}}, "990001/region.yaml")
