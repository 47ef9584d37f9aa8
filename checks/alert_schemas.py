"""Contracts of the early-warning tables (alerts.visit_pace, person_times_risk, person_times_outlook, backtest)."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402

from eldercare.alerts.pace import LEVELS  # noqa: E402
from eldercare.alerts.person_times_risk import STATUSES  # noqa: E402

REGION = dict(str_matches=r"^\d{6}$")
MINIMUM_LEVELS = [*LEVELS, "met"]


class VisitPaceRow(pa.DataFrameModel):
    """One in-scope elder of the open month as known on the as-of date: done so far, still needed, risk level."""

    region_code: str = pa.Field(**REGION)
    month: dt.date = pa.Field(description="first day of the month the pace is for")
    as_of: dt.date = pa.Field(description="punches checked in and status events dated on or before this day count")
    margin: float = pa.Field(gt=0, description="policy alerts.margin of the at-risk rule")
    institution_id: str
    elder_id: str
    name_masked: str = pa.Field(nullable=True, description="masked name (张*华), never the name in clear")
    days_elapsed: int = pa.Field(ge=1, le=31)
    days_left: int = pa.Field(ge=0, le=30)
    visits: int = pa.Field(ge=0, description="valid visits so far (the compliance definition)")
    minutes: float = pa.Field(ge=0, description="recorded minutes so far")
    unrecorded_visits: int = pa.Field(ge=0)
    medical_visits: int = pa.Field(ge=0)
    quarantined_rows: int = pa.Field(ge=0, description="quarantined punches of the elder this month (not counted)")
    min_visits: float = pa.Field(nullable=True, ge=0)
    min_minutes: float = pa.Field(nullable=True, ge=0)
    min_medical_visits: float = pa.Field(nullable=True, ge=0)
    need_visits: float = pa.Field(nullable=True, ge=0, description="visits still needed by month end")
    need_minutes: float = pa.Field(nullable=True, ge=0)
    need_medical_visits: float = pa.Field(nullable=True, ge=0)
    visits_per_day_needed: float = pa.Field(nullable=True, ge=0, description="null on the last day")
    minutes_per_day_needed: float = pa.Field(nullable=True, ge=0)
    visits_per_day_so_far: float = pa.Field(ge=0)
    visits_level: str = pa.Field(nullable=True, isin=MINIMUM_LEVELS)
    minutes_level: str = pa.Field(nullable=True, isin=MINIMUM_LEVELS)
    medical_level: str = pa.Field(nullable=True, isin=MINIMUM_LEVELS, description="null: no medical minimum")
    risk_level: str = pa.Field(isin=list(LEVELS), description="the worst level over the minimums")
    risk_reason: str = pa.Field(nullable=True)
    urgency: int = pa.Field(nullable=True, ge=1, description="call order within the institution (1 = first)")

    class Config:
        coerce = True
        strict = "filter"
        unique = ["region_code", "month", "margin", "elder_id"]


class PersonTimesRiskRow(pa.DataFrameModel):
    """One home-service recipient: visits in the 人次 period so far and whether the threshold is still reachable."""

    region_code: str = pa.Field(**REGION)
    month: dt.date = pa.Field(description="first day of the as-of month")
    institution_id: str
    elder_id: str
    name_masked: str = pa.Field(nullable=True)
    as_of: dt.date
    period_start: dt.date = pa.Field(description="start of the period 人次 accumulate over")
    period_end: dt.date
    threshold: int = pa.Field(ge=1, description="policy visits.person_times_min_visits")
    visits: int = pa.Field(ge=0)
    need: int = pa.Field(ge=0)
    days_left: int = pa.Field(ge=0)
    visits_per_day_so_far: float = pa.Field(nullable=True, ge=0)
    visits_per_day_needed: float = pa.Field(nullable=True, ge=0)
    scope_now: str = pa.Field(description="the elder's scope in the as-of month (out of scope: not alerted)")
    status: str = pa.Field(isin=list(STATUSES))

    class Config:
        coerce = True
        strict = "filter"
        unique = ["region_code", "month", "elder_id"]


class PersonTimesOutlookRow(pa.DataFrameModel):
    """Per institution, and per region (institution_id null): recipients by 人次 status, against the target."""

    region_code: str = pa.Field(**REGION)
    month: dt.date
    institution_id: str = pa.Field(nullable=True)
    as_of: dt.date
    recipients: int = pa.Field(ge=0)
    secured: int = pa.Field(ge=0)
    likely: int = pa.Field(ge=0)
    at_risk: int = pa.Field(ge=0)
    cannot_reach: int = pa.Field(ge=0)
    not_assessed: int = pa.Field(ge=0)
    expected: int = pa.Field(ge=0, description="secured + likely")
    target: float = pa.Field(nullable=True, description="targets.service_person_times (region row; null = unknown)")
    still_needed: float = pa.Field(nullable=True, ge=0, description="target − secured")
    target_expected: bool = pa.Field(nullable=True, description="expected ≥ target; null when the target is unknown")

    class Config:
        coerce = True
        strict = "filter"


class BacktestRow(pa.DataFrameModel):
    """One region × closed month × replay day × margin: how the alert of that day fared against month end."""

    region_code: str = pa.Field(**REGION)
    month: dt.date
    day: int = pa.Field(ge=1, le=28)
    margin: float = pa.Field(gt=0)
    policy_margin: bool = pa.Field(description="this is the margin in force (alerts.margin)")
    shortfalls: int = pa.Field(ge=0, description="in-scope person-months below a minimum at month end")
    alerts: int = pa.Field(ge=0)
    caught: int = pa.Field(ge=0)
    missed: int = pa.Field(ge=0)
    false_alarms: int = pa.Field(ge=0, description="alerted, in scope and not short at month end")
    alerted_then_excluded: int = pa.Field(ge=0, description="alerted, then out of scope later in the month")

    class Config:
        coerce = True
        strict = "filter"
        unique = ["region_code", "month", "day", "margin"]
