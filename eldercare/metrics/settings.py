"""The region settings and policy lists a figure needs, as small DuckDB tables (one row per region or list value).

Figures join these tables instead of looking a region up in Python, so a figure's cost grows with rows only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

import duckdb
import polars as pl

from eldercare.policy import load_defaults

BASELINE_KEY = "disabled_low_income_elders"


@dataclass(frozen=True)
class RegionSettings:
    """What figures need from a region's region.yaml: baseline, targets, cap, survey issued, period and policy."""

    code: str
    baseline: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)
    bed_subsidy_cap_yuan: float | None = None
    policy: Mapping = field(default_factory=dict)
    survey_issued: int | None = None
    period: tuple[dt.date, dt.date] | None = None  # 人次 accumulate over [start, end]

    @classmethod
    def from_region(cls, region, policy: Mapping | None = None) -> "RegionSettings":
        """From an eldercare.region.Region (its validated policy unless another is given, e.g. a variant)."""
        # the policy is kept, not copied: regions sharing one (region.yaml) share it here too, and `register`
        # expands it once
        return cls(code=region.code, baseline=dict(region.baseline), targets=dict(region.targets),
                   bed_subsidy_cap_yuan=region.bed_subsidy_cap_yuan,
                   policy=policy if policy is not None else (region.policy or load_defaults()),
                   survey_issued=getattr(region, "survey_issued", None),
                   period=getattr(region, "person_times_period", None))

    @property
    def rules(self) -> Mapping:
        return self.policy or load_defaults()


Settings = Mapping[str, RegionSettings]

SETTINGS_SCHEMA = {
    "region_code": pl.Utf8, "baseline_eligible": pl.Float64, "target_beds": pl.Float64,
    "target_person_times": pl.Float64, "target_budget_yuan": pl.Float64, "target_satisfaction": pl.Float64,
    "cap_yuan": pl.Float64, "survey_issued": pl.Int64, "period_start": pl.Date, "period_end": pl.Date,
    "min_age": pl.Int64, "recipients_rule": pl.Utf8, "person_times_unit": pl.Utf8, "person_times_min": pl.Int64,
    "open_punch_counts": pl.Boolean, "max_score": pl.Float64, "check_birth_date": pl.Boolean,
}
# policy lists joined by figures: list name -> path in the policy
LISTS = {
    "hardship": ("eligibility", "hardship"),
    "ineligible_level": ("eligibility", "ineligible_ability_levels"),
    "legacy_level": ("eligibility", "legacy_ability_levels"),
    "cap_category": ("beds", "cap_categories"),
    "double_category": ("beds", "double_renovation_categories"),
    "medical_item": ("visits", "medical_items"),
}


def _max_score(policy: Mapping) -> float:
    survey = policy["survey"]
    if survey.get("max_score"):
        return float(survey["max_score"])
    weights = survey["weights"]
    return sum(max((weights.get(q) or weights.get("default") or {"A": 0}).values()) for q in _QUESTIONS)


_QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6")


def _policy_rows(p: Mapping) -> tuple[dict, list[tuple], list[tuple], list[tuple]]:
    """What one policy puts in the registered tables: its fig_settings columns and its list (list, value), level
    (level, level_group) and weight (question, answer, points) rows, in the order `register` writes them."""
    fields = {"min_age": p["eligibility"]["min_age_at_enrolment"],
              "recipients_rule": p.get("home_service", {}).get("recipients", "registered"),
              "person_times_unit": p.get("person_times", {}).get("unit", "per_person"),
              "person_times_min": p["visits"]["person_times_min_visits"],
              "open_punch_counts": p["visits"].get("open_punch_counts", True), "max_score": _max_score(p),
              "check_birth_date": p["eligibility"].get("check_birth_date_against_id", True)}
    lists = [(name, v) for name, (section, key) in LISTS.items() for v in (p.get(section) or {}).get(key) or []]
    lists += [("legacy_map:" + legacy, mapped)
              for legacy, mapped in (p["eligibility"].get("legacy_ability_mapping") or {}).items()]
    levels = [(n, group) for group, names in p["eligibility"]["ability_levels"].items() for n in names]
    w = p["survey"]["weights"]
    weights = [(qn, answer, float(points)) for qn in _QUESTIONS
               for answer, points in (w.get(qn) or w.get("default") or {}).items()]
    return fields, lists, levels, weights


def _columns(names: tuple[str, ...], code: str, rows: list[tuple], into: dict[str, list]) -> None:
    """Append `rows` (tuples in the order of `names`) for region `code` to the column lists of `into`."""
    into["region_code"] += [code] * len(rows)
    for i, name in enumerate(names):
        into[name] += [r[i] for r in rows]


def register(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Register `fig_settings`, `fig_lists`, `fig_levels`, `fig_weights` for the regions given. A policy shared by
    regions (region.yaml on the same `policy:`) is expanded once and its rows repeated for each of them."""
    rows = []
    lists = {"region_code": [], "list": [], "value": []}
    levels = {"region_code": [], "level": [], "level_group": []}
    weights = {"region_code": [], "question": [], "answer": [], "points": []}
    expanded: dict[int, tuple] = {}  # id(policy) -> (policy, its rows): the policy kept alive so no id is reused
    for code, rs in settings.items():
        p = rs.rules
        if id(p) not in expanded:
            expanded[id(p)] = (p, _policy_rows(p))
        fields, policy_lists, policy_levels, policy_weights = expanded[id(p)][1]
        budget = rs.targets.get("budget_wan")
        satisfaction = rs.targets.get("satisfaction_pct")
        start, end = rs.period or (None, None)
        rows.append({
            "region_code": code, "baseline_eligible": rs.baseline.get(BASELINE_KEY),
            "target_beds": rs.targets.get("beds"), "target_person_times": rs.targets.get("service_person_times"),
            "target_budget_yuan": budget * 10000 if budget is not None else None,
            "target_satisfaction": satisfaction / 100 if satisfaction is not None else None,
            "cap_yuan": rs.bed_subsidy_cap_yuan, "survey_issued": rs.survey_issued, "period_start": start,
            "period_end": end, **fields})
        _columns(("list", "value"), code, policy_lists, lists)
        _columns(("level", "level_group"), code, policy_levels, levels)
        _columns(("question", "answer", "points"), code, policy_weights, weights)
    con.register("fig_settings", pl.DataFrame(rows, schema=SETTINGS_SCHEMA))
    con.register("fig_lists", pl.DataFrame(lists, schema={"region_code": pl.Utf8, "list": pl.Utf8, "value": pl.Utf8}))
    con.register("fig_levels", pl.DataFrame(levels, schema={"region_code": pl.Utf8, "level": pl.Utf8,
                                                            "level_group": pl.Utf8}))
    con.register("fig_weights", pl.DataFrame(weights, schema={"region_code": pl.Utf8, "question": pl.Utf8,
                                                              "answer": pl.Utf8, "points": pl.Float64}))
