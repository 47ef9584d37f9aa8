"""Checks of the early-warning tables, run inside their assets (no extra op, so no extra turn on the one DuckDB
slot): the contract (blocking) and WARN checks that show the counts in the UI."""

import dagster as dg
import pandera.errors
import polars as pl

from checks.alert_schemas import BacktestRow, PersonTimesOutlookRow, PersonTimesRiskRow, VisitPaceRow
from checks.polars_models import validated

MODELS = {"visit_pace": VisitPaceRow, "person_times_risk": PersonTimesRiskRow,
          "person_times_outlook": PersonTimesOutlookRow, "backtest": BacktestRow}
WARN_CHECKS = {
    "visit_pace": ("elders_at_risk", "Warns while any in-scope elder of the month is at risk or cannot reach a "
                                     "minimum; the counts per institution are in the metadata."),
    "person_times_risk": ("person_times_at_risk", "Warns while any recipient's 30 visits (人次) are at risk or out "
                                                  "of reach; counts per institution in the metadata."),
    "person_times_outlook": ("target_expected", "Warns when a region's expected 人次 (secured + likely) fall short "
                                                "of its target; an unknown target is listed, not failed."),
    "backtest": ("shortfalls_missed", "Caught / missed / false alarms of the margin in policy on each replay day, "
                                      "summed over the closed months; warns when the last day still missed one."),
}


def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(20).to_pandas().to_markdown(index=False) if frame.height else "none")


def check_specs(name: str) -> list[dg.AssetCheckSpec]:
    """The checks an alerts asset declares and reports itself: contract (blocking) and its WARN check."""
    key = dg.AssetKey(["alerts", name])
    warn, description = WARN_CHECKS[name]
    return [dg.AssetCheckSpec("contract", asset=key, blocking=True,
                              description=f"The rows of alerts.{name} satisfy {MODELS[name].__name__} "
                                          "(checks/alert_schemas.py); invalid rows are never written."),
            dg.AssetCheckSpec(warn, asset=key, description=description)]


def validate(name: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, dg.AssetCheckResult]:
    """The frame validated by its model, and the passed contract result; a failure raises with the cases."""
    try:
        rows = validated(MODELS[name], frame)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        raise dg.Failure(description=f"alerts.{name} breaks its contract: {cases.height} failure case(s)",
                         metadata={"failure_cases": _md(cases.cast(pl.Utf8))}) from None
    return rows, dg.AssetCheckResult(check_name="contract", passed=True, metadata={"rows": rows.height})


def elders_at_risk(rows: pl.DataFrame) -> dg.AssetCheckResult:
    counts = rows.group_by("region_code", "institution_id").agg(
        *[(pl.col("risk_level") == lv).sum().alias(lv) for lv in ("cannot_reach", "at_risk", "on_track")]
    ).sort("region_code", "institution_id")
    cannot, at_risk = int(counts["cannot_reach"].sum() or 0), int(counts["at_risk"].sum() or 0)
    return dg.AssetCheckResult(check_name="elders_at_risk", passed=cannot + at_risk == 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata={
                                   "elders_alerted": cannot + at_risk, "cannot_reach": cannot, "at_risk": at_risk,
                                   "by_institution": _md(counts)})


def person_times_at_risk(rows: pl.DataFrame) -> dg.AssetCheckResult:
    counts = rows.group_by("region_code", "institution_id").agg(
        *[(pl.col("status") == s).sum().alias(s) for s in ("cannot_reach", "at_risk", "likely", "secured")]
    ).sort("region_code", "institution_id")
    alerted = int((counts["cannot_reach"].sum() or 0) + (counts["at_risk"].sum() or 0))
    return dg.AssetCheckResult(check_name="person_times_at_risk", passed=alerted == 0,
                               severity=dg.AssetCheckSeverity.WARN,
                               metadata={"recipients_alerted": alerted, "by_institution": _md(counts)})


def target_expected(rows: pl.DataFrame) -> dg.AssetCheckResult:
    regions = rows.filter(pl.col("institution_id").is_null()).select(
        "region_code", "as_of", "secured", "likely", "at_risk", "cannot_reach", "expected", "target", "target_expected")
    short = int((regions["target_expected"] == False).sum() or 0)  # noqa: E712 (null = unknown target)
    return dg.AssetCheckResult(check_name="target_expected", passed=short == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"regions_short_of_target": short, "regions": _md(regions)})


def shortfalls_missed(rows: pl.DataFrame) -> dg.AssetCheckResult:
    table = rows.filter(pl.col("policy_margin")).group_by("region_code", "day", "margin").agg(
        pl.col("month").n_unique().alias("months"),
        *[pl.col(c).sum() for c in ("shortfalls", "caught", "missed", "false_alarms", "alerted_then_excluded")]
    ).sort("region_code", "day")
    last = table.filter(pl.col("day") == pl.col("day").max().over("region_code"))
    missed = int(last["missed"].sum() or 0)
    return dg.AssetCheckResult(check_name="shortfalls_missed", passed=missed == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"missed_on_last_day": missed, "by_day": _md(table)})
