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
        return cls(code=region.code, baseline=dict(region.baseline), targets=dict(region.targets),
                   bed_subsidy_cap_yuan=region.bed_subsidy_cap_yuan,
                   policy=dict(policy if policy is not None else (region.policy or load_defaults())),
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


def register(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Register `fig_settings`, `fig_lists`, `fig_levels`, `fig_weights` for the regions given."""
    rows, lists, levels, weights = [], [], [], []
    for code, rs in settings.items():
        p = rs.rules
        budget = rs.targets.get("budget_wan")
        satisfaction = rs.targets.get("satisfaction_pct")
        start, end = rs.period or (None, None)
        rows.append({
            "region_code": code, "baseline_eligible": rs.baseline.get(BASELINE_KEY),
            "target_beds": rs.targets.get("beds"), "target_person_times": rs.targets.get("service_person_times"),
            "target_budget_yuan": budget * 10000 if budget is not None else None,
            "target_satisfaction": satisfaction / 100 if satisfaction is not None else None,
            "cap_yuan": rs.bed_subsidy_cap_yuan, "survey_issued": rs.survey_issued, "period_start": start,
            "period_end": end, "min_age": p["eligibility"]["min_age_at_enrolment"],
            "recipients_rule": p.get("home_service", {}).get("recipients", "registered"),
            "person_times_unit": p.get("person_times", {}).get("unit", "per_person"),
            "person_times_min": p["visits"]["person_times_min_visits"],
            "open_punch_counts": p["visits"].get("open_punch_counts", True), "max_score": _max_score(p),
            "check_birth_date": p["eligibility"].get("check_birth_date_against_id", True)})
        for name, (section, key) in LISTS.items():
            lists += [{"region_code": code, "list": name, "value": v} for v in (p.get(section) or {}).get(key) or []]
        for group, names in p["eligibility"]["ability_levels"].items():
            levels += [{"region_code": code, "level": n, "level_group": group} for n in names]
        for legacy, mapped in (p["eligibility"].get("legacy_ability_mapping") or {}).items():
            lists.append({"region_code": code, "list": "legacy_map:" + legacy, "value": mapped})
        w = p["survey"]["weights"]
        for qn in _QUESTIONS:
            for answer, points in (w.get(qn) or w.get("default") or {}).items():
                weights.append({"region_code": code, "question": qn, "answer": answer, "points": float(points)})
    con.register("fig_settings", pl.DataFrame(rows, schema=SETTINGS_SCHEMA))
    con.register("fig_lists", pl.DataFrame(lists, schema={"region_code": pl.Utf8, "list": pl.Utf8, "value": pl.Utf8}))
    con.register("fig_levels", pl.DataFrame(levels, schema={"region_code": pl.Utf8, "level": pl.Utf8,
                                                            "level_group": pl.Utf8}))
    con.register("fig_weights", pl.DataFrame(weights, schema={"region_code": pl.Utf8, "question": pl.Utf8,
                                                              "answer": pl.Utf8, "points": pl.Float64}))
