"""What a difference in short person-months is worth in a rubric: the indicator's per-occurrence deduction.

The rubric files (`config/rubrics/<id>.yaml`) belong to the rubric engine; this module only looks up, in a
rubric file when it exists, the indicators bound to a shortfall metric (`short_person_months_visits`, …), their
points and their deduction per person-month. Without a file, callers report the count difference only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from eldercare.metrics.catalogue import CATALOGUE
from eldercare.rubrics.model import DeductionRule, load_rubric

# metric ids of metrics.figures -> the shortfall metric of metrics.visit_shortfalls
SHORTFALL_METRICS = {"short_person_months_visits": "visits", "short_person_months_minutes": "hours",
                     "short_person_months_medical": "medical_visits"}


@dataclass(frozen=True)
class Deduction:
    """One rubric indicator that deducts a fixed amount per short person-month of a metric, down to zero."""

    rubric: str
    indicator: str
    metric: str  # visits | hours | medical_visits
    deduction_each: float
    max_points: float
    per_institution: bool  # the rubric scores institutions (subject = institution_id), not the region


def indicator_points(max_points: float, deduction_each: float, count: int) -> float:
    """Points the rule gives: max − deduction × count, floored at zero (扣完为止)."""
    return max(0.0, max_points - deduction_each * count)


def points_difference(max_points: float, deduction_each: float, published: int, computed: int) -> dict:
    """What the departures are worth: the deduction difference before the floor and the points difference after."""
    return {"deduction_difference": deduction_each * (published - computed),
            "points_published_count": indicator_points(max_points, deduction_each, published),
            "points_computed_count": indicator_points(max_points, deduction_each, computed),
            "points_difference": indicator_points(max_points, deduction_each, computed)
            - indicator_points(max_points, deduction_each, published)}


def rubric_deductions(rubrics_dir: Path, rubric: str) -> tuple[list[Deduction], str | None]:
    """The per-occurrence deductions bound to shortfall metrics in `<rubrics_dir>/<rubric>.yaml`, or ([], why not).

    The file is read by the rubric engine's own model (one reader of rubric files): `kind: deduction` with `per` and a
    shortfall `metric`.
    """
    path = Path(rubrics_dir) / f"{rubric}.yaml"
    if not path.exists():
        return [], f"no rubric file {path.name}: count difference only"
    model = load_rubric(path, CATALOGUE)
    out = [Deduction(rubric, key, SHORTFALL_METRICS[ind.rule.metric], ind.rule.per, ind.points,
                     model.subject == "institution")
           for key, _, _, ind in model.indicators()
           if isinstance(ind.rule, DeductionRule) and ind.rule.metric in SHORTFALL_METRICS]
    return out, None if out else f"{path.name} binds no per-occurrence deduction to a shortfall metric: count only"


POINTS_SQL = """
with d as (select * from deductions),
subjects as (
    select d.region_code, d.rubric, coalesce(s.institution_id, s.region_code) as subject, d.indicator, d.metric,
           coalesce(s.published_total, s.published_listed) as published_count, s.computed as computed_count,
           d.deduction_each, d.max_points, d.note
    from d join side s on s.region_code = d.region_code and s.metric = d.metric
        and (s.institution_id is not null) = d.per_institution)
select s.region_code, s.rubric, s.subject, s.indicator, s.metric, s.published_count, s.computed_count,
       s.computed_count - s.published_count as count_difference, s.deduction_each, s.max_points,
       s.deduction_each * (s.published_count - s.computed_count) as deduction_difference,
       -- greatest() skips NULLs: without a deduction there are no points, not zero
       case when s.deduction_each is not null
            then greatest(0, s.max_points - s.deduction_each * s.published_count) end as points_published_count,
       case when s.deduction_each is not null
            then greatest(0, s.max_points - s.deduction_each * s.computed_count) end as points_computed_count,
       case when s.deduction_each is not null
            then greatest(0, s.max_points - s.deduction_each * s.computed_count)
                 - greatest(0, s.max_points - s.deduction_each * s.published_count) end as points_difference,
       p.published_score,
       coalesce(s.note, case when p.published_score is not null
                             and p.published_score <> greatest(0, s.max_points - s.deduction_each * s.published_count)
                             then 'the published score is not what the rule gives for the published count' end)
           as note
from subjects s
left join published_scores p on p.region_code = s.region_code and p.rubric = s.rubric and p.subject = s.subject
    and p.indicator = s.indicator
order by s.region_code, s.rubric, s.subject, s.indicator, s.metric
"""

DEDUCTION_TABLE = {"region_code": "VARCHAR", "rubric": "VARCHAR", "indicator": "VARCHAR", "metric": "VARCHAR",
                   "deduction_each": "DOUBLE", "max_points": "DOUBLE", "per_institution": "BOOLEAN", "note": "VARCHAR"}


def deduction_rows(rubrics_dir: Path, region_code: str, rubrics: list[str], metrics: list[str]) -> list[dict]:
    """Rows of the `deductions` table for one region: each bound indicator, or, for a rubric without a usable
    file, one row per compared metric with no deduction (count difference only) and the reason."""
    rows = []
    for rubric in rubrics:
        found, why = rubric_deductions(rubrics_dir, rubric)
        rows += [{"region_code": region_code, **{k: getattr(d, k) for k in
                  ("rubric", "indicator", "metric", "deduction_each", "max_points", "per_institution")}, "note": None}
                 for d in found if d.metric in metrics]
        if not found:
            rows += [{"region_code": region_code, "rubric": rubric, "indicator": None, "metric": m,
                      "deduction_each": None, "max_points": None, "per_institution": rubric.endswith("_institution"),
                      "note": why} for m in metrics]
    return rows


def region_rubrics(settings: dict, folder: Path, published_rubrics: list[str]) -> list[str]:
    """The rubrics a region is scored under, as far as compare needs them: region.yaml `rubrics:`, the rubric ids
    of its judgments.yaml and those its published scores.csv names (the rubric engine decides the rest)."""
    ids = [str(r) for r in settings.get("rubrics") or []]
    judgments = Path(folder) / "judgments.yaml"
    if judgments.exists():
        doc = yaml.safe_load(judgments.read_text(encoding="utf-8")) or {}
        ids += [str(k) for k in doc if k not in ("overrides", "vetoes")] if isinstance(doc, dict) else []
    return list(dict.fromkeys([*ids, *published_rubrics]))
