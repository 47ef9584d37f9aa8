"""Score one rubric for many subjects at once, from the long figure table and a reviewer's judgments.

Set-based: the subjects × indicators frame is built by a cross join and each indicator's rule runs over all its
subjects as one column (the loop is over the rubric's indicators, configuration-sized, never over subjects).
Stored values are exact; rounding is for display.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eldercare.rubrics import rules
from eldercare.rubrics.judgments import Judgments
from eldercare.rubrics.model import (BandsRule, CriteriaRule, DeductionRule, ManualRule, PerUnitRule, RatioRule,
                                     Rubric, TargetRule)

TOLERANCE = 1e-9
STATUSES = ("scored", "judged", "overridden", "not_scored")
INDICATOR_COLUMNS = ["region_code", "rubric", "subject", "level1", "level2", "indicator", "core", "max_points",
                     "metric", "computed", "judged", "override", "final", "rule", "inputs", "evidence",
                     "override_reason", "status", "why_not"]
TOTAL_COLUMNS = ["region_code", "rubric", "subject", "depth", "level", "points", "max_points", "not_scored",
                 "grade", "veto", "veto_reason", "why_not"]
DEPARTURE_COLUMNS = ["region_code", "rubric", "subject", "indicator", "computed", "final", "reason"]
FIGURE_COLUMNS = ["region_code", "institution_id", "metric", "value", "computable", "why_not"]


@dataclass(frozen=True)
class Scores:
    """The three result tables of one or more rubrics."""

    indicators: pd.DataFrame
    totals: pd.DataFrame
    departures: pd.DataFrame

    @classmethod
    def concat(cls, parts: list["Scores"]) -> "Scores":
        if not parts:
            return cls(pd.DataFrame(columns=INDICATOR_COLUMNS), pd.DataFrame(columns=TOTAL_COLUMNS),
                       pd.DataFrame(columns=DEPARTURE_COLUMNS))
        return cls(*(pd.concat([getattr(p, f) for p in parts], ignore_index=True)
                     for f in ("indicators", "totals", "departures")))


def describe_rule(points: float, rule) -> str:
    """The rule in one line, as stored beside each score."""
    if isinstance(rule, ManualRule):
        return f"manual: {rule.guide}"
    if isinstance(rule, CriteriaRule):
        return "criteria: " + " + ".join(f"{c.name} {c.points:g}" for c in rule.criteria)
    if isinstance(rule, RatioRule):
        return f"ratio: {rule.metric} × {points:g}, at most {rule.cap if rule.cap is not None else points:g}"
    if isinstance(rule, DeductionRule):
        return (f"deduction: {points:g} − {rule.per:g} per occurrence ({rule.metric or 'reviewer count'}), "
                f"floor {rule.floor:g}")
    if isinstance(rule, PerUnitRule):
        cap = "" if rule.max_score is None else f", at most {rule.max_score:g}"
        return (f"per_unit: {points:g} − {rule.deduct:g} per unit short of "
                f"{rule.target if rule.target is not None else 'the reviewer target'} + {rule.bonus:g} per unit "
                f"above, floor {rule.floor:g}{cap}")
    if isinstance(rule, BandsRule):
        return f"bands on {rule.metric}: " + ", ".join(
            f"≥{b.min:g} → {b.score:g}" if b.min is not None else f"below → {b.score:g}" for b in rule.bands)
    if isinstance(rule, TargetRule):
        return f"target ({rule.compare}) {rule.target}: met → {points:g}, not met → 0"
    raise TypeError(rule)


def _fmt(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else
                      f"{v:g}" if isinstance(v, float) else str(v))


def _figures_for(rubric: Rubric, figures: pd.DataFrame) -> pd.DataFrame:
    """The figure rows of the rubric's subjects: region rows for a region rubric, institution rows otherwise."""
    f = figures.reindex(columns=FIGURE_COLUMNS)
    if rubric.subject == "region":
        f = f[f["institution_id"].isna()].assign(subject=f["region_code"])
    else:
        f = f[f["institution_id"].notna()].assign(subject=f["institution_id"])
    f = f[f["metric"].isin(rubric.metrics())]
    return f.rename(columns={"value": "metric_value", "computable": "metric_computable", "why_not": "metric_why"})[
        ["region_code", "subject", "metric", "metric_value", "metric_computable", "metric_why"]]


def _compute(frame: pd.DataFrame, ind, rule) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(computed score, inputs text, why not computed) for the rows of one indicator."""
    idx = frame.index
    nan = pd.Series(np.nan, index=idx, dtype=float)
    if isinstance(rule, ManualRule):
        return nan, pd.Series("", index=idx), pd.Series("a reviewer's score is needed (manual indicator)", index=idx)
    if isinstance(rule, CriteriaRule):
        answers = pd.DataFrame([c if isinstance(c, dict) else {} for c in frame["criteria"]], index=idx)
        score = rules.criteria(answers, {c.name: c.points for c in rule.criteria})
        inputs = frame["criteria"].map(lambda c: "; ".join(f"{k}={v}" for k, v in c.items())
                                       if isinstance(c, dict) else "")
        return score, inputs, pd.Series("a reviewer's score or an answer to every criterion is needed", index=idx)

    metric = getattr(rule, "metric", None)
    if metric:
        known = frame["metric_computable"].eq(True)
        value = frame["metric_value"].where(known).astype(float)
        absent = frame["metric_computable"].isna()
        why = frame["metric_why"].fillna(f"{metric} is not computable").where(
            ~absent, f"{metric} has no row for this subject in metrics.figures").where(~known, None)
        inputs = (metric + "=" + _fmt(value)).where(known, metric + " not computable")
        raw_actual = value
    else:
        raw_actual = frame["actual"]
        value = raw_actual.map(rules.parse_quantity).astype(float)
        inputs = ("actual=" + _fmt(raw_actual)).where(raw_actual.notna(), "no actual given")
        why = pd.Series("the reviewer's actual (judgments.yaml) is needed", index=idx).where(raw_actual.isna(), None)

    if isinstance(rule, RatioRule):
        score = rules.ratio(value, ind.points, rule.cap)
    elif isinstance(rule, DeductionRule):
        score = rules.deduction(value, ind.points, rule.per, rule.floor)
    elif isinstance(rule, BandsRule):
        score = rules.bands(value, [(b.min, b.score) for b in rule.bands])
    elif isinstance(rule, PerUnitRule):
        target = pd.Series(rule.target, index=idx, dtype=float) if rule.target is not None \
            else frame["target"].astype(float)
        score = rules.per_unit(value, target, ind.points, rule.deduct, rule.bonus, rule.max_score, rule.floor)
        inputs = inputs + "; target=" + _fmt(target)
        why = why.where(target.notna() | why.notna(), "the task count (target) is needed")
    elif isinstance(rule, TargetRule):
        actual = raw_actual if not metric else value
        score = rules.target(actual, rule.target, ind.points, rule.compare, rule.op,
                             tuple(rule.met_when), tuple(rule.not_met_when))
        inputs = inputs + f"; target={rule.target}"
        why = why.where(score.notna() | why.notna(),
                        f"the actual does not decide the target '{rule.target}': a reviewer's score is needed")
    else:
        raise TypeError(rule)
    return score.astype(float), inputs, why.where(score.isna(), None)


def score_rubric(rubric: Rubric, subjects: pd.DataFrame, figures: pd.DataFrame, judgments: Judgments) -> Scores:
    """The indicator scores, level totals and departures of one rubric for every (region_code, subject) given."""
    if subjects.empty:
        return Scores.concat([])
    indicators = pd.DataFrame([
        {"order": n, "indicator": key, "level1": l1, "level2": l2, "core": ind.core, "max_points": ind.points,
         "metric": ind.metric, "rule": describe_rule(ind.points, ind.rule)}
        for n, (key, l1, l2, ind) in enumerate(rubric.indicators())])
    subjects = subjects[["region_code", "subject"]].drop_duplicates().astype(str)
    frame = subjects.merge(indicators, how="cross")
    frame = frame.merge(_figures_for(rubric, figures), on=["region_code", "subject", "metric"], how="left")
    j = judgments.judgments[judgments.judgments["rubric"] == rubric.id]
    frame = frame.merge(j[["region_code", "subject", "indicator", "score", "evidence", "actual", "target", "criteria"]]
                        .rename(columns={"score": "judged"}), on=["region_code", "subject", "indicator"], how="left")
    o = judgments.overrides[judgments.overrides["rubric"] == rubric.id]
    frame = frame.merge(o[["region_code", "subject", "indicator", "score", "reason"]]
                        .rename(columns={"score": "override", "reason": "override_reason"}),
                        on=["region_code", "subject", "indicator"], how="left")
    frame = frame.reset_index(drop=True)
    # each indicator's rows found in one pass and its results gathered into whole columns, assigned once: looking
    # the rows up per indicator and assigning into the frame cost indicators × subjects
    computed = np.full(len(frame), np.nan)
    inputs = np.full(len(frame), "", dtype=object)
    why_computed = np.full(len(frame), None, dtype=object)
    positions = frame.groupby("indicator", sort=False).indices
    for key, _, _, ind in rubric.indicators():
        rows = positions.get(key)
        if rows is not None and len(rows):
            score, ins, why = _compute(frame.iloc[rows], ind, ind.rule)
            computed[rows] = score.to_numpy(dtype=float)
            inputs[rows] = ins.to_numpy(dtype=object)
            why_computed[rows] = why.to_numpy(dtype=object)
    frame["computed"], frame["inputs"], frame["why_computed"] = computed, inputs, why_computed

    judged = frame["judged"].astype(float)
    override = frame["override"].astype(float)
    computed = frame["computed"].astype(float)
    frame["judged"], frame["override"] = judged, override
    frame["final"] = override.fillna(judged).fillna(computed)
    agrees = computed.notna() & judged.notna() & (judged - computed).abs().le(TOLERANCE)
    frame["status"] = np.select(
        [override.notna(), judged.notna() & computed.notna() & ~agrees, judged.notna() & computed.isna(),
         computed.notna()],
        ["overridden", "overridden", "judged", "scored"], default="not_scored")
    frame["why_not"] = ("not scored: " + frame["why_computed"].fillna("")).where(frame["final"].isna(), None)
    frame["region_code"] = frame["region_code"].astype(str)
    frame = frame.assign(rubric=rubric.id).sort_values(["region_code", "subject", "order"])
    scores = frame[INDICATOR_COLUMNS].reset_index(drop=True)

    gap = (frame["final"] - frame["computed"]).abs()
    differs = frame["computed"].notna() & frame["final"].notna() & gap.gt(TOLERANCE)
    dep = frame[differs].copy()
    dep["reason"] = dep["override_reason"].where(dep["override"].notna(),
                                                 "judged: " + dep["evidence"].fillna("(no evidence given)"))
    departures = dep[DEPARTURE_COLUMNS].reset_index(drop=True)
    return Scores(scores, level_totals(rubric, scores, judgments), departures)


def grade_of(points: pd.Series, bands: list[tuple[float | None, str]]) -> pd.Series:
    """The grade of the highest band whose inclusive lower bound the points reach (no bands: no grade)."""
    if not bands:
        return pd.Series(None, index=points.index, dtype=object)
    ordered = sorted(bands, key=lambda b: -np.inf if b[0] is None else b[0], reverse=True)
    conditions = [points >= (-np.inf if low is None else low - TOLERANCE) for low, _ in ordered]
    return pd.Series(np.select(conditions, [g for _, g in ordered], default=None), index=points.index, dtype=object)


def level_totals(rubric: Rubric, scores: pd.DataFrame, judgments: Judgments) -> pd.DataFrame:
    """Per subject: level-2 and level-1 points (each capped at its points) and the total with its grade and veto."""
    keys = ["region_code", "rubric", "subject"]
    s = scores.assign(points=scores["final"].fillna(0.0), unscored=(scores["status"] == "not_scored").astype(int),
                      indicators=1)
    caps1 = {lv.name: lv.points for lv in rubric.levels}
    caps2 = pd.DataFrame([(lv.name, g.name, g.points) for lv in rubric.levels for g in lv.groups],
                         columns=["level1", "level2", "max_points"])

    in_groups = s[s["level2"].notna()]
    l2 = in_groups.groupby(keys + ["level1", "level2"], sort=False, as_index=False).agg(
        points=("points", "sum"), not_scored=("unscored", "sum"), indicators=("indicators", "sum")).merge(
        caps2, on=["level1", "level2"], how="left")
    l2["points"] = l2[["points", "max_points"]].min(axis=1)

    direct = s[s["level2"].isna()][keys + ["level1", "points", "unscored", "indicators"]].rename(
        columns={"unscored": "not_scored"})
    parts = pd.concat([f for f in (l2[keys + ["level1", "points", "not_scored", "indicators"]], direct) if len(f)]
                      or [direct],
                      ignore_index=True)
    l1 = parts.groupby(keys + ["level1"], sort=False, as_index=False).agg(
        points=("points", "sum"), not_scored=("not_scored", "sum"), indicators=("indicators", "sum"))
    l1["max_points"] = l1["level1"].map(caps1)
    l1["points"] = l1[["points", "max_points"]].min(axis=1)

    total = l1.groupby(keys, sort=False, as_index=False).agg(points=("points", "sum"),
                                                             not_scored=("not_scored", "sum"),
                                                             indicators=("indicators", "sum"))
    total["max_points"] = rubric.max_points()
    vetoes = judgments.vetoes[judgments.vetoes["rubric"] == rubric.id]
    vetoes = vetoes.groupby(["region_code", "subject"], as_index=False).agg(
        veto_reason=("reason", lambda r: "; ".join(r)))
    total = total.merge(vetoes, on=["region_code", "subject"], how="left")
    total["veto"] = total["veto_reason"].notna()
    banded = grade_of(total["points"], [(b.min, b.grade) for b in rubric.grades])
    withheld = total["not_scored"] > 0
    veto_grade = rubric.veto.grade if rubric.veto else None
    total["grade"] = np.where(total["veto"], veto_grade, np.where(withheld, None, banded))
    total["why_not"] = np.select(
        [total["veto"], withheld, banded.isna()],
        [None, "grade withheld: " + total["not_scored"].astype(str) + " indicator(s) not scored",
         "the rubric has no grade bands"], default=None)
    total["level"], total["depth"] = "total", 0

    l1 = l1.rename(columns={"level1": "level"}).assign(depth=1)
    l2 = l2.drop(columns=["level1"]).rename(columns={"level2": "level"}).assign(depth=2)
    order = {name: n for n, name in enumerate([lv.name for lv in rubric.levels] +
                                              [g.name for lv in rubric.levels for g in lv.groups])}
    out = pd.concat([f for f in (total, l1, l2) if len(f)] or [total], ignore_index=True)
    veto_by_subject = total.set_index(["region_code", "subject"])[["veto", "veto_reason"]]
    out = out.drop(columns=["veto", "veto_reason"]).merge(veto_by_subject.reset_index(),
                                                          on=["region_code", "subject"], how="left")
    out["grade"] = out["grade"].where(out["depth"] == 0, None)
    out["why_not"] = out["why_not"].where(out["depth"] == 0, None)
    out["_order"] = out["level"].map(order).fillna(-1)
    out = out.sort_values(["region_code", "subject", "depth", "_order"]).reset_index(drop=True)
    out["not_scored"] = out["not_scored"].astype(int)
    # a level none of whose indicators is scored has no points (unknown, not 0)
    out["points"] = out["points"].where(out["not_scored"] < out["indicators"])
    return out[TOTAL_COLUMNS]
