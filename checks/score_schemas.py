"""Contracts of the rubric score tables (scores.indicator_scores, scores.totals, scores.departures): pandera polars."""

from __future__ import annotations

import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402
import polars as pl  # noqa: E402
from pandera.api.polars.types import PolarsData  # noqa: E402

from checks.polars_models import missing, row_check  # noqa: E402
from eldercare.rubrics.engine import STATUSES, TOLERANCE  # noqa: E402

REGION = dict(str_matches=r"^\d{6}$", description="6-digit 行政区划代码 of the project region")
RUBRIC = dict(str_matches=r"^[a-z][a-z0-9_]*$", description="rubric id: the file config/rubrics/<id>.yaml")
SUBJECT = dict(description="who is scored: the region code, or an institution_id for a per-institution rubric")


class IndicatorScoreRow(pa.DataFrameModel):
    """One indicator of one rubric for one subject: the rule's score, the reviewer's, the final one and why."""

    region_code: str = pa.Field(**REGION)
    rubric: str = pa.Field(**RUBRIC)
    subject: str = pa.Field(**SUBJECT)
    level1: str = pa.Field(description="一级指标 (or numbered item)")
    level2: str = pa.Field(nullable=True, description="二级指标; empty when the table has none")
    indicator: str = pa.Field(description="indicator name as printed ('level2/name' where the name repeats)")
    core: bool = pa.Field(description="★ core indicator")
    max_points: float = pa.Field(gt=0, description="the indicator's points in the table")
    metric: str = pa.Field(nullable=True, description="the metrics.figures id the rule reads, if any")
    computed: float = pa.Field(nullable=True, ge=0, description="what the written rule gives (exact)")
    judged: float = pa.Field(nullable=True, ge=0, description="the reviewer's score from judgments.yaml")
    override: float = pa.Field(nullable=True, ge=0, description="a reviewer's override (judgments.yaml)")
    final: float = pa.Field(nullable=True, ge=0, description="override, else judged, else computed")
    rule: str = pa.Field(description="the rule in one line")
    inputs: str = pa.Field(nullable=True, description="metric ids and values, or the reviewer's actual")
    evidence: str = pa.Field(nullable=True, description="the reviewer's evidence note")
    override_reason: str = pa.Field(nullable=True, description="why the reviewer overrode the score")
    status: str = pa.Field(isin=list(STATUSES), description="scored / judged / overridden / not_scored")
    why_not: str = pa.Field(nullable=True, description="'not scored: …' when there is no final score")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "rubric", "subject", "indicator"]

    @pa.dataframe_check(name="not_scored_iff_no_final")
    def not_scored_iff_no_final(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, (pl.col("status") == "not_scored") == missing("final"))

    @pa.dataframe_check(name="why_not_iff_not_scored")
    def why_not_iff_not_scored(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, (pl.col("status") == "not_scored") == pl.col("why_not").is_not_null())

    @pa.dataframe_check(name="override_has_a_reason")
    def override_has_a_reason(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, missing("override") | pl.col("override_reason").is_not_null())


class TotalRow(pa.DataFrameModel):
    """Points of one subject under one rubric: each level 2 (depth 2), level 1 (depth 1) and the total (depth 0)."""

    region_code: str = pa.Field(**REGION)
    rubric: str = pa.Field(**RUBRIC)
    subject: str = pa.Field(**SUBJECT)
    depth: int = pa.Field(isin=[0, 1, 2], description="0 total, 1 一级指标, 2 二级指标")
    level: str = pa.Field(description="the level's name, or 'total'")
    points: float = pa.Field(nullable=True, ge=0,
                             description="sum of final scores, capped at the level's points (exact); empty "
                                         "when none of the level's indicators is scored")
    max_points: float = pa.Field(gt=0, description="the level's points (total: the table's plus bonus items)")
    not_scored: int = pa.Field(ge=0, description="indicators of the level without a score")
    grade: str = pa.Field(nullable=True, description="grade band of the total, or the veto's grade")
    veto: bool = pa.Field(description="a 否决性指标 was recorded for the subject")
    veto_reason: str = pa.Field(nullable=True)
    why_not: str = pa.Field(nullable=True, description="why the total has no grade")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "rubric", "subject", "depth", "level"]

    @pa.dataframe_check(name="points_within_max")
    def points_within_max(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, missing("points")
                         | (~missing("max_points") & (pl.col("points") <= pl.col("max_points") + TOLERANCE)))


class DepartureRow(pa.DataFrameModel):
    """A data-decided indicator whose final score differs from what its written rule gives, with the reason."""

    region_code: str = pa.Field(**REGION)
    rubric: str = pa.Field(**RUBRIC)
    subject: str = pa.Field(**SUBJECT)
    indicator: str
    computed: float = pa.Field(ge=0, description="what the written rule gives")
    final: float = pa.Field(ge=0, description="the reviewer's score that replaced it")
    reason: str = pa.Field(description="the override's reason, or 'judged: ' + the judgment's evidence")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "rubric", "subject", "indicator"]


SCORE_MODELS = {"indicator_scores": IndicatorScoreRow, "totals": TotalRow, "departures": DepartureRow}
