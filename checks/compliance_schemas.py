"""Contracts of the home-visit compliance tables (metrics.elder_months, visit_shortfalls, visit_findings)."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402
import polars as pl  # noqa: E402
from pandera.api.polars.types import PolarsData  # noqa: E402

from eldercare.compliance import SCOPES  # noqa: E402
from eldercare.visit_sql import FINDING_RULES  # noqa: E402

REGION = dict(str_matches=r"^\d{6}$")


class ElderMonthRow(pa.DataFrameModel):
    """One home-service elder (or elder with visits) in one month: counts, scope decision, minimums, shortfalls."""

    region_code: str = pa.Field(**REGION)
    month: dt.date = pa.Field(description="first day of the month")
    institution_id: str
    elder_id: str
    name_masked: str = pa.Field(nullable=True, description="masked name (张*华), never the name in clear")
    service_type: str
    scope: str = pa.Field(isin=list(SCOPES), description="in_scope, or the reason the person-month is excluded")
    in_scope: bool
    scope_note: str = pa.Field(nullable=True, description="the dated event behind the scope decision")
    days_in_service: int = pa.Field(ge=0)
    days_in_month: int = pa.Field(ge=28, le=31)
    partial_month_rule: str = pa.Field(isin=["exclude", "prorate"])
    min_visits: float = pa.Field(nullable=True, ge=0, description="minimum in force (pro-rated if the rule says so)")
    min_minutes: float = pa.Field(nullable=True, ge=0)
    min_medical_visits: float = pa.Field(nullable=True, ge=0)
    visits: int = pa.Field(ge=0, description="valid punch records (duplicates and quarantined rows excluded)")
    minutes: float = pa.Field(ge=0, description="minutes of visits with a recorded duration")
    unrecorded_visits: int = pa.Field(ge=0, description="visits whose time was not recorded (open punch, 未记录时间)")
    medical_visits: int = pa.Field(ge=0, description="visits whose service item is a medical-care item")
    quarantined_rows: int = pa.Field(ge=0, description="quarantined rows of this elder and month, not counted")
    uncounted_visits: int = pa.Field(ge=0, description="valid punches that are not visits by the one definition "
                                                       "(after the elder's exit; open punches if policy says so)")
    below_visits: bool = pa.Field(nullable=True, description="in scope and visits < minimum")
    below_minutes: bool = pa.Field(nullable=True, description="in scope and minutes < minimum")
    below_medical_visits: bool = pa.Field(nullable=True, description="in scope and medical visits < minimum")
    minutes_verdict_on_unrecorded_time: bool = pa.Field(
        description="in scope, short of the minutes minimum and with visits whose time was not recorded: the verdict "
                    "hangs on missing time (policy visits.unrecorded_time: zero = short, undetermined = left open)")

    class Config:
        coerce = True
        strict = "filter"
        unique = ["region_code", "month", "elder_id"]

    @pa.dataframe_check(name="flags_only_in_scope")
    def flags_only_in_scope(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("in_scope") | (pl.col("below_visits").is_null() & pl.col("below_minutes").is_null())).alias("ok"))


class VisitShortfallRow(pa.DataFrameModel):
    """Per region, institution, month and metric: in-scope person-months and how many fell below the minimum."""

    region_code: str = pa.Field(**REGION)
    month: dt.date
    institution_id: str
    metric: str = pa.Field(isin=["visits", "hours", "medical_visits"])
    minimum: float = pa.Field(nullable=True, ge=0, description="monthly minimum in force (minutes for hours)")
    in_scope_person_months: int = pa.Field(ge=0)
    person_months_below: int = pa.Field(ge=0)
    excluded_person_months: int = pa.Field(ge=0)
    elders_below: str = pa.Field(nullable=True, description="elder ids and masked names below the minimum")

    class Config:
        coerce = True
        strict = "filter"

    @pa.dataframe_check(name="below_within_scope")
    def below_within_scope(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("person_months_below") <= pl.col("in_scope_person_months")).alias("ok"))


class VisitFindingRow(pa.DataFrameModel):
    """A data-quality finding on a visit: which visit, which rule, the evidence, where it is in the raw file."""

    region_code: str = pa.Field(**REGION)
    month: dt.date
    institution_id: str = pa.Field(nullable=True)
    elder_id: str = pa.Field(nullable=True)
    visit_id: str = pa.Field(nullable=True)
    caregiver_id: str = pa.Field(nullable=True)
    checkin_at: dt.datetime = pa.Field(nullable=True)
    rule: str = pa.Field(isin=list(FINDING_RULES))
    evidence: str
    source_file: str
    source_row: int = pa.Field(ge=1)

    class Config:
        coerce = True
        strict = "filter"
