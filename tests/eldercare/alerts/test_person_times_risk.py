"""人次 at risk, worked by hand: threshold 30 visits over 1 June – 25 October 2022, as of 30 September.

Days served by 30 September: 1 June … 30 September = 122; days left: 1 … 25 October = 25; at most 1 visit a day.
"""

import datetime as dt

import duckdb
import polars as pl

from eldercare.alerts.person_times_risk import person_times_outlook, person_times_risk

CODE = "990001"
AS_OF = dt.date(2022, 9, 30)
MONTHS = [dt.date(2022, m, 1) for m in (6, 7, 8, 9)]
# elder -> visits in June, July, August, September, and the scope of September
ELDERS = {
    "P": ([10, 10, 10, 5], "in_scope"),          # 35 ≥ 30: secured
    "Q": ([7, 7, 7, 7], "in_scope"),             # 28: needs 2 ≤ 25 × 28/122 = 5.7 → likely
    "R": ([3, 3, 2, 2], "in_scope"),             # 10: needs 20 ≤ 25 (reachable) but > 25 × 10/122 = 2.0 → at risk
    "S": ([0, 0, 0, 0], "in_scope"),             # 0: needs 30 > 25 × 1 → cannot reach
    "V": ([3, 3, 3, 3], "died_this_month"),      # out of scope this month: not alerted
    "W": ([20, 20, 0, 0], "self_funded"),        # not a home-service recipient: not counted at all
}
RULES = pl.DataFrame([{"region_code": CODE, "threshold": 30, "period_start": dt.date(2022, 6, 1),
                       "period_end": dt.date(2022, 10, 25), "margin": 1.0, "max_visits_per_day": 1.0}])


def _frames():
    months = pl.DataFrame([{"region_code": CODE, "month": m, "institution_id": "JG1", "elder_id": e,
                            "name_masked": f"李*{e}", "scope": scope if m == MONTHS[-1] else
                            ("self_funded" if scope == "self_funded" else "in_scope"), "visits": n}
                           for e, (counts, scope) in ELDERS.items() for m, n in zip(MONTHS, counts)])
    elders = pl.DataFrame([{"region_code": CODE, "elder_id": e, "enrolled_on": dt.date(2022, 5, 1)} for e in ELDERS])
    return months, elders


def test_status_per_recipient():
    months, elders = _frames()
    con = duckdb.connect()
    risk = {r["elder_id"]: r for r in person_times_risk(con, months, elders, AS_OF, RULES).iter_rows(named=True)}
    assert sorted(risk) == ["P", "Q", "R", "S", "V"]  # W is self-funded
    assert {e: r["status"] for e, r in risk.items()} == {
        "P": "secured", "Q": "likely", "R": "at_risk", "S": "cannot_reach", "V": "not_assessed"}
    assert (risk["Q"]["visits"], risk["Q"]["need"], risk["Q"]["days_left"]) == (28, 2, 25)
    assert abs(risk["R"]["visits_per_day_so_far"] - 10 / 122) < 1e-12
    assert risk["S"]["visits_per_day_needed"] == 30 / 25


def test_outlook_against_the_target():
    months, elders = _frames()
    con = duckdb.connect()
    risk = person_times_risk(con, months, elders, AS_OF, RULES)
    rows = person_times_outlook(con, risk, {CODE: 3.0}, AS_OF).iter_rows(named=True)
    by = {r["institution_id"]: r for r in rows}
    inst, region = by["JG1"], by[None]
    assert (inst["recipients"], inst["secured"], inst["likely"], inst["at_risk"], inst["cannot_reach"],
            inst["not_assessed"], inst["target"]) == (5, 1, 1, 1, 1, 1, None)
    # target 3: secured 1 + likely 1 = 2 expected → short; still needed 3 − 1 = 2
    assert (region["expected"], region["target"], region["still_needed"], region["target_expected"]) == (2, 3.0, 2.0, False)


def test_unknown_target_is_not_computable_not_zero():
    months, elders = _frames()
    con = duckdb.connect()
    risk = person_times_risk(con, months, elders, AS_OF, RULES)
    region = [r for r in person_times_outlook(con, risk, {CODE: None}, AS_OF).iter_rows(named=True)
              if r["institution_id"] is None][0]
    assert (region["target"], region["still_needed"], region["target_expected"]) == (None, None, None)
