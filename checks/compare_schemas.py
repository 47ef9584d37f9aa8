"""Contracts of the compare tables: a published evaluation reconciled with the rules, and policy variants."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402

from eldercare.compare.reconcile import RULES, VERDICTS  # noqa: E402
from eldercare.compare.rescore import MEASURES, VERDICTS as VARIANT_VERDICTS  # noqa: E402

REGION = dict(str_matches=r"^\d{6}$")
METRICS = ["visits", "hours", "medical_visits"]


class PublishedVsRulesRow(pa.DataFrameModel):
    """A person-month and metric that is a shortfall in the published list, by the written rules, or both."""

    region_code: str = pa.Field(**REGION)
    institution_id: str = pa.Field(nullable=True, description="the ledger's institution (else the published one)")
    month: dt.date = pa.Field(description="first day of the month")
    elder_id: str
    name_masked: str = pa.Field(nullable=True, description="masked name (张*华), never the name in clear")
    metric: str = pa.Field(isin=METRICS)
    verdict: str = pa.Field(isin=list(VERDICTS), description="agree / only_published / only_computed")
    rule: str = pa.Field(isin=list(RULES), description="the rule that decides the person-month")
    rule_text: str
    evidence: str = pa.Field(description="the counts and dated events behind the verdict")
    published_value: float = pa.Field(nullable=True, description="数值 as the evaluator printed it")
    computed_value: float = pa.Field(nullable=True, description="visits, hours or medical visits counted")
    minimum: float = pa.Field(nullable=True, description="the minimum in force, in the metric's unit (hours for hours)")
    scope: str = pa.Field(nullable=True, description="scope of the person-month in metrics.elder_months")
    source_file: str = pa.Field(nullable=True, description="published file and row of a published person-month")
    source_row: int = pa.Field(nullable=True, ge=1)

    class Config:
        coerce = True
        strict = "filter"


class PublishedProblemRow(pa.DataFrameModel):
    """A row (or a whole file) of published/ that could not be read, with the reason; it is not compared."""

    region_code: str = pa.Field(**REGION)
    source_file: str
    source_row: int = pa.Field(nullable=True, ge=1, description="null when the whole file is refused")
    column_header: str = pa.Field(nullable=True)
    value: str = pa.Field(nullable=True)
    reason: str

    class Config:
        coerce = True
        strict = "filter"


class PublishedTotalRow(pa.DataFrameModel):
    """Per region (institution_id null) or institution and metric: published total, listed and computed counts."""

    region_code: str = pa.Field(**REGION)
    institution_id: str = pa.Field(nullable=True, description="null on the region's row")
    metric: str = pa.Field(isin=METRICS)
    published_total: int = pa.Field(nullable=True, ge=0, description="合计 of totals.csv (null when absent)")
    published_listed: int = pa.Field(ge=0, description="person-months listed in shortfalls.csv")
    computed: int = pa.Field(ge=0, description="person-months below the minimum by the written rules")
    agree: int = pa.Field(ge=0)
    only_published: int = pa.Field(ge=0)
    only_computed: int = pa.Field(ge=0)
    difference: int = pa.Field(description="computed − published total (or listed count when no total)")
    note: str = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


class PublishedPointsRow(pa.DataFrameModel):
    """Per rubric indicator bound to a shortfall metric: what the departures are worth in points."""

    region_code: str = pa.Field(**REGION)
    rubric: str
    subject: str = pa.Field(description="region code or institution id")
    indicator: str = pa.Field(nullable=True, description="null when no rubric file binds the metric (count only)")
    metric: str = pa.Field(isin=METRICS)
    published_count: int = pa.Field(ge=0)
    computed_count: int = pa.Field(ge=0)
    count_difference: int = pa.Field(description="computed − published")
    deduction_each: float = pa.Field(nullable=True, ge=0, description="per person-month, from the rubric file")
    max_points: float = pa.Field(nullable=True, ge=0)
    deduction_difference: float = pa.Field(nullable=True, description="deduction × (published − computed), no floor")
    points_published_count: float = pa.Field(nullable=True, ge=0, description="the rule applied to the published count")
    points_computed_count: float = pa.Field(nullable=True, ge=0, description="the rule applied to the computed count")
    points_difference: float = pa.Field(nullable=True, description="after the floor at zero")
    published_score: float = pa.Field(nullable=True, description="score printed in published/scores.csv")
    note: str = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


class PolicyVariantRow(pa.DataFrameModel):
    """Per region, institution (null = region), variant and measure: the policy in force and the variant."""

    region_code: str = pa.Field(**REGION)
    institution_id: str = pa.Field(nullable=True, description="null on the region's row")
    variant: str = pa.Field(description="config/variants/<variant>.yaml")
    label: str
    measure: str = pa.Field(isin=list(MEASURES))
    rubric: str = pa.Field(nullable=True, description="points rows: the rubric file")
    indicator: str = pa.Field(nullable=True, description="points rows: the indicator as printed")
    in_force: float = pa.Field(nullable=True)
    under_variant: float = pa.Field(nullable=True)
    difference: float = pa.Field(nullable=True, description="under_variant − in_force")
    person_months_changed: int = pa.Field(nullable=True, ge=0, description="person-months whose verdict changes")
    note: str = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


class VariantChangeRow(pa.DataFrameModel):
    """A person-month whose verdict on one metric differs between the policy in force and a variant."""

    region_code: str = pa.Field(**REGION)
    institution_id: str
    month: dt.date
    elder_id: str
    name_masked: str = pa.Field(nullable=True)
    variant: str
    metric: str = pa.Field(isin=METRICS)
    verdict_in_force: str = pa.Field(isin=list(VARIANT_VERDICTS))
    verdict_variant: str = pa.Field(isin=list(VARIANT_VERDICTS))
    evidence: str

    class Config:
        coerce = True
        strict = "filter"
