"""The shipped variants re-score a small hand-built table of person-month facts; expected counts worked by hand."""

import datetime as dt
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from eldercare.compare import VARIANTS_DIR
from eldercare.compare.rescore import in_force_mismatches, rescore
from eldercare.compare.variants import load_variants, rules_for
from eldercare.policy import policy_for

SETTINGS = {"policy": {"visits": {"partial_month": "exclude"}}}
REGION = SimpleNamespace(code="370301", settings=SETTINGS, policy=policy_for(SETTINGS),
                         minimums={"visits_per_month": 15, "minutes_per_month": 900, "medical_visits_per_month": 2})
JUNE, JULY = dt.date(2022, 6, 1), dt.date(2022, 7, 1)
# elder, month, scope, days in service / in month, visits, recorded minutes, visits without time, medical visits
FACTS = [
    ("A", JUNE, "in_scope", 30, 30, 13, 800, 0, 2),     # below visits and hours
    ("A", JULY, "in_scope", 31, 31, 20, 1200, 0, 2),    # meets all; A's 33 visits make one 人次
    ("B", JUNE, "in_scope", 30, 30, 16, 850, 1, 1),     # below hours (1 visit without time), below medical
    ("C", JUNE, "in_scope", 30, 30, 11, 950, 0, 3),     # below visits (also below 12)
    ("D", JUNE, "died_this_month", 12, 30, 5, 300, 0, 1),   # died on the 13th
    ("E", JUNE, "paused", 20, 30, 12, 700, 0, 2),       # paused on the 21st
    ("F", JUNE, "not_home_service_recipient", 0, 30, 2, 120, 0, 0),
    ("G", JUNE, "after_exit", 0, 30, 0, 0, 0, 0),
    ("H", JUNE, "in_scope", 30, 30, 12, 400, 3, 0),     # below visits, hours (3 visits without time), medical
]


@pytest.fixture(scope="module")
def result():
    con = duckdb.connect()
    rows = []
    for elder, month, scope, days, dim, visits, minutes, unrecorded, medical in FACTS:
        in_scope = scope == "in_scope"
        flag = lambda value, minimum: (value < minimum) if in_scope else None  # noqa: E731
        rows.append({"region_code": "370301", "month": month, "institution_id": "J1", "elder_id": elder,
                     "name_masked": f"{elder}*", "service_type": "both", "scope": scope, "in_scope": in_scope,
                     "scope_note": None if in_scope else f"{scope} {month}", "days_in_service": days,
                     "days_in_month": dim, "partial_month_rule": "exclude", "visits": visits,
                     "minutes": float(minutes), "unrecorded_visits": unrecorded, "medical_visits": medical,
                     "below_visits": flag(visits, 15), "below_minutes": flag(minutes, 900),
                     "below_medical_visits": flag(medical, 2)})
    con.register("facts", pl.DataFrame(rows))
    con.execute("create schema metrics; create table metrics.elder_months as select * from facts")
    variants = {v.name: v for v in load_variants(VARIANTS_DIR)}
    rules = rules_for([REGION], [variants[n] for n in ("prorate_partial_months", "unrecorded_time_undetermined",
                                                       "min_visits_12")])
    summary, changes = rescore(con, rules)
    return con, rules, summary, changes


def _region(summary: pl.DataFrame, variant: str) -> dict[str, tuple]:
    rows = summary.filter(pl.col("institution_id").is_null() & (pl.col("variant") == variant))
    return {r["measure"]: (r["in_force"], r["under_variant"], r["person_months_changed"]) for r in rows.iter_rows(named=True)}


def test_policy_in_force_is_reproduced(result):
    con, rules, summary, _ = result
    assert in_force_mismatches(con, rules).is_empty()
    got = _region(summary, "min_visits_12")
    # in scope: A Jun, A Jul, B, C, H = 5; short visits A(13) C(11) H(12) = 3; hours A(800) B(850) H(400) = 3;
    # medical B(1) H(0) = 2; 人次: only A reaches 30 visits (13 + 20 = 33)
    assert {m: v[0] for m, v in got.items()} == {"in_scope_person_months": 5, "short_visits": 3, "short_hours": 3,
                                                "short_medical_visits": 2, "undetermined_hours": 0, "person_times": 1}


def test_min_visits_12(result):
    _, _, summary, changes = result
    got = _region(summary, "min_visits_12")
    # below 12: only C (11); A (13) and H (12) now meet it: 2 person-months change, hours and medical untouched
    assert got["short_visits"] == (3, 1, 2)
    assert got["short_hours"] == (3, 3, 0) and got["short_medical_visits"] == (2, 2, 0)
    assert sorted(changes.filter(pl.col("variant") == "min_visits_12")["elder_id"]) == ["A", "H"]


def test_unrecorded_time_undetermined(result):
    _, _, summary, changes = result
    got = _region(summary, "unrecorded_time_undetermined")
    # B (850 recorded + 1 untimed visit) and H (400 + 3 untimed) can no longer be called below 900: only A stays
    assert got["short_hours"] == (3, 1, 2)
    assert got["undetermined_hours"] == (0, 2, None)  # the changes are counted on short_hours
    assert got["short_visits"] == (3, 3, 0)
    moved = changes.filter(pl.col("variant") == "unrecorded_time_undetermined")
    assert set(zip(moved["elder_id"], moved["verdict_in_force"], moved["verdict_variant"])) == {
        ("B", "below", "undetermined"), ("H", "below", "undetermined")}


def test_prorate_partial_months(result):
    _, _, summary, changes = result
    got = _region(summary, "prorate_partial_months")
    # D (12 of 30 days): minimums 15 × 0.4 = 6 visits, 360 minutes, 0.8 medical -> 5 < 6 and 300 < 360 below,
    #   1 medical meets; E (20 of 30 days): 10 visits, 600 minutes, 1.33 medical -> 12, 700, 2 all meet.
    # F (bed-only) and G (after exit) have no days in service and stay out.
    assert got["in_scope_person_months"] == (5, 7, None)
    assert got["short_visits"] == (3, 4, 2)   # D and E change verdict (excluded -> below / meets)
    assert got["short_hours"] == (3, 4, 2)
    assert got["short_medical_visits"] == (2, 2, 2)
    d = changes.filter((pl.col("variant") == "prorate_partial_months") & (pl.col("elder_id") == "D")
                       & (pl.col("metric") == "visits")).row(0, named=True)
    assert (d["verdict_in_force"], d["verdict_variant"]) == ("excluded", "below")
    assert "minimum — → 6.0" in d["evidence"] and "in service 12 of 30 days" in d["evidence"]


def test_institution_rows_sum_to_the_region(result):
    _, _, summary, _ = result
    inst = summary.filter(pl.col("institution_id") == "J1")
    region = summary.filter(pl.col("institution_id").is_null())
    assert inst.select("variant", "measure", "under_variant").sort("variant", "measure").equals(
        region.select("variant", "measure", "under_variant").sort("variant", "measure"))
