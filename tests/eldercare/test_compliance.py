"""Scope of a person-month and its shortfalls, under the Zhoucun rule (exclude partial months) and pro-rating."""

import datetime as dt

import polars as pl
import pytest

from eldercare.compliance import VisitPolicy, active_days, person_months, scope_of

D = dt.date
ZHOUCUN = VisitPolicy(D(2022, 6, 1), D(2022, 9, 1), D(2022, 6, 1), 15, 900, 2, "exclude")
PRORATE = VisitPolicy(D(2022, 6, 1), D(2022, 9, 1), D(2022, 6, 1), 15, 900, 2, "prorate")
JUNE, JULY, SEPT = D(2022, 6, 1), D(2022, 7, 1), D(2022, 9, 1)


@pytest.mark.parametrize("events, month, expected", [
    ([], JUNE, ("in_scope", None)),
    ([(D(2022, 6, 5), "died")], JUNE, ("died_this_month", "died 2022-06-05")),
    ([(D(2022, 6, 5), "died")], JULY, ("after_exit", "left the programme before the month")),
    ([(D(2022, 9, 20), "paused")], SEPT, ("paused", "paused 2022-09-20")),
    ([(D(2022, 6, 20), "paused")], JULY, ("paused", "paused before the month")),
    ([(D(2022, 6, 20), "paused"), (D(2022, 7, 10), "resumed")], JULY, ("paused", "paused before the month")),
    ([(D(2022, 6, 20), "paused"), (D(2022, 6, 30), "resumed")], JULY, ("in_scope", None)),
    ([(D(2022, 7, 3), "moved_away")], JULY, ("moved_away", "moved_away 2022-07-03")),
    ([(D(2022, 7, 3), "institutionalised")], JULY, ("institutionalised", "institutionalised 2022-07-03")),
    ([(D(2022, 7, 3), "paused"), (D(2022, 7, 9), "died")], JULY, ("died_this_month", "died 2022-07-09")),
])
def test_status_events_drive_scope_under_the_zhoucun_rule(events, month, expected):
    scope, note, *_ = scope_of("both", False, D(2022, 5, 1), events, month, ZHOUCUN)
    assert (scope, note) == expected


def test_service_type_self_funding_window_and_start_come_first():
    assert scope_of("bed_only", False, None, [], JUNE, ZHOUCUN)[0] == "not_home_service_recipient"
    assert scope_of("home_visits", True, None, [], JUNE, ZHOUCUN)[0] == "self_funded"
    assert scope_of("both", False, None, [], D(2022, 10, 1), ZHOUCUN)[0] == "outside_window"
    assert scope_of("both", False, D(2022, 7, 1), [], JUNE, ZHOUCUN)[:2] == ("before_service_start", "service started 2022-07-01")
    assert scope_of("both", False, D(2022, 6, 16), [], JUNE, ZHOUCUN)[:2] == ("before_service_start", "service started 2022-06-16")


def test_prorate_scales_the_minimums_by_days_in_service():
    scope, note, days, dim, share = scope_of("both", False, None, [(D(2022, 6, 11), "died")], JUNE, PRORATE)
    assert (scope, days, dim) == ("in_scope", 10, 30)
    assert share == pytest.approx(1 / 3)
    assert note == "prorated: died 2022-06-11"
    assert scope_of("both", False, None, [(D(2022, 5, 11), "died")], JUNE, PRORATE)[0] == "after_exit"


def test_active_days_count_pause_and_resumption():
    days, cut, _ = active_days(D(2022, 6, 1), [(D(2022, 6, 11), "paused"), (D(2022, 6, 21), "resumed")], JUNE)
    assert (days, cut) == (20, "paused")


def test_person_months_flags_each_minimum_and_keeps_unknown_time_apart():
    elders = pl.DataFrame({"region_code": ["370306"] * 4, "elder_id": ["A", "B", "C", "D"],
                           "institution_id": ["J1"] * 4, "name_masked": ["张*", "李*", "王*", "赵*"],
                           "service_type": ["both", "both", "bed_only", "both"], "self_funded": [False] * 4,
                           "enrolled_on": [D(2022, 5, 1)] * 4})
    events = pl.DataFrame({"region_code": ["370306"], "elder_id": ["D"], "event": ["died"],
                           "event_date": [D(2022, 6, 5)]})
    totals = pl.DataFrame({"region_code": ["370306"] * 3, "elder_id": ["A", "B", "C"], "visits": [15, 14, 3],
                           "minutes": [900.0, 1200.0, 90.0], "unrecorded_visits": [0, 2, 0],
                           "medical_visits": [1, 2, 0], "quarantined_rows": [0, 1, 0]})
    out = person_months(JUNE, elders, events, totals, {"370306": ZHOUCUN})
    got = {r["elder_id"]: (r["scope"], r["below_visits"], r["below_minutes"], r["below_medical_visits"],
                           r["unrecorded_visits"], r["quarantined_rows"]) for r in out.iter_rows(named=True)}
    assert got == {
        "A": ("in_scope", False, False, True, 0, 0),
        "B": ("in_scope", True, False, False, 2, 1),
        "C": ("not_home_service_recipient", None, None, None, 0, 0),
        "D": ("died_this_month", None, None, None, 0, 0),
    }


def test_a_termination_inside_a_month_is_labelled_as_such():
    """Issue 10 point 12: terminated on 2022-07-15 is 'terminated_this_month' in July, 'after_exit' in September."""
    events = [(D(2022, 7, 15), "terminated")]
    assert scope_of("both", False, D(2022, 5, 1), events, JULY, ZHOUCUN)[:2] == (
        "terminated_this_month", "terminated 2022-07-15")
    assert scope_of("both", False, D(2022, 5, 1), events, SEPT, ZHOUCUN)[:2] == (
        "after_exit", "left the programme before the month")
    # pro-rated: 14 of July's 31 days in service (1–14 July)
    scope, note, days, dim, share = scope_of("both", False, D(2022, 5, 1), events, JULY, PRORATE)
    assert (scope, days, dim) == ("in_scope", 14, 31) and note == "prorated: terminated 2022-07-15"


def test_unrecorded_time_zero_counts_the_month_short_undetermined_leaves_it_open():
    """Issue 10 point 6: E has 16 visits, 14 of them timed at 60 min = 840 < 900, 2 without time. Under `zero`
    (default) the month is short; under `undetermined` the verdict is open (None). F has 1,000 timed minutes and 1
    unrecorded visit: not short either way, so its verdict does not hang on the missing time."""
    elders = pl.DataFrame({"region_code": ["370306"] * 2, "elder_id": ["E", "F"], "institution_id": ["J1"] * 2,
                           "name_masked": ["张*", "李*"], "service_type": ["both"] * 2, "self_funded": [False] * 2,
                           "enrolled_on": [D(2022, 5, 1)] * 2})
    events = pl.DataFrame(schema={"region_code": pl.Utf8, "elder_id": pl.Utf8, "event": pl.Utf8,
                                  "event_date": pl.Date})
    totals = pl.DataFrame({"region_code": ["370306"] * 2, "elder_id": ["E", "F"], "visits": [16, 16],
                           "minutes": [840.0, 1000.0], "unrecorded_visits": [2, 1], "medical_visits": [2, 2],
                           "quarantined_rows": [0, 0]})
    undetermined = VisitPolicy(D(2022, 6, 1), D(2022, 9, 1), D(2022, 6, 1), 15, 900, 2, "exclude", "undetermined")
    for policy, short in ((ZHOUCUN, True), (undetermined, None)):
        out = {r["elder_id"]: r for r in person_months(JUNE, elders, events, totals, {"370306": policy}).to_dicts()}
        assert out["E"]["below_minutes"] is short and out["E"]["minutes_verdict_on_unrecorded_time"] is True
        assert out["F"]["below_minutes"] is False and out["F"]["minutes_verdict_on_unrecorded_time"] is False
