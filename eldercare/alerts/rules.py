"""The `alerts:` block of a region's policy, typed and checked (a misspelt or missing key is refused by name)."""

from __future__ import annotations

from typing import Mapping

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class MaxPerDay(BaseModel):
    """The most one day can give an elder: above days left × this, a minimum cannot be reached."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    visits: float = Field(gt=0)
    minutes: float = Field(gt=0)
    medical_visits: float = Field(gt=0)


class AlertRules(BaseModel):
    """Margin of the at-risk rule, per-day ceilings, and the days and margins the backtest replays."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    margin: float = Field(gt=0)
    max_per_day: MaxPerDay
    backtest_days: list[int] = Field(min_length=1)
    backtest_margins: list[float] = Field(min_length=1)


class AlertRulesError(ValueError):
    """The alerts block does not validate; names the region and the key."""


def alert_rules(policy: Mapping, source: str) -> AlertRules:
    """The validated `alerts:` block of a merged policy (defaults overridden by the region's `policy:`)."""
    try:
        rules = AlertRules.model_validate(policy.get("alerts") or {})
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(["alerts", *(str(p) for p in first["loc"])])
        raise AlertRulesError(f"{source}: policy key '{key}': {first['msg']}") from None
    bad = [d for d in rules.backtest_days if not 1 <= d <= 28]
    if bad:
        raise AlertRulesError(f"{source}: policy key 'alerts.backtest_days': day {bad[0]} is not in 1…28")
    return rules


def rules_frame(rules: Mapping[str, AlertRules], margins: Mapping[str, list[float]] | None = None) -> pl.DataFrame:
    """One row per region (and margin): the table the pace SQL joins. Default margin: the policy's own."""
    rows = [{"region_code": code, "margin": float(m), "max_visits_per_day": r.max_per_day.visits,
             "max_minutes_per_day": r.max_per_day.minutes, "max_medical_per_day": r.max_per_day.medical_visits}
            for code, r in rules.items() for m in ((margins or {}).get(code) or [r.margin])]
    return pl.DataFrame(rows, schema={"region_code": pl.Utf8, "margin": pl.Float64, "max_visits_per_day": pl.Float64,
                                      "max_minutes_per_day": pl.Float64, "max_medical_per_day": pl.Float64})
