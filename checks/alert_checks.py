"""Asset checks of the early-warning tables: their contract (blocking) and WARN checks that show the counts."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from checks.alert_schemas import BacktestRow, PersonTimesOutlookRow, PersonTimesRiskRow, VisitPaceRow
from resources import Warehouse

POOL = "duckdb"
MODELS = {"visit_pace": VisitPaceRow, "person_times_risk": PersonTimesRiskRow,
          "person_times_outlook": PersonTimesOutlookRow, "backtest": BacktestRow}


def _md(df: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(20).to_markdown(index=False) if len(df) else "none")


def _contract_check(name: str, model) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(["alerts", name]), name="contract", blocking=True, pool=POOL,
                    description=f"The stored rows of alerts.{name} satisfy {model.__name__} (checks/alert_schemas.py).")
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            frame = pl.from_arrow(con.sql(f"select * from alerts.{name}").to_arrow_table())
        try:
            model.validate(frame, lazy=True)
            failures = pd.DataFrame()
        except pandera.errors.SchemaErrors as err:
            failures = err.failure_cases.to_pandas().astype(str)
        return dg.AssetCheckResult(passed=failures.empty, metadata={"rows": frame.height, "failures": len(failures),
                                                                    "failure_cases": _md(failures)})
    return _check


@dg.asset_check(asset=dg.AssetKey(["alerts", "visit_pace"]), name="elders_at_risk", pool=POOL,
                description="Warns while any in-scope elder of the latest month is at risk or cannot reach a minimum; "
                            "the counts per institution are in the metadata.")
def elders_at_risk(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        counts = con.execute("""
            select region_code, institution_id, max(as_of) as as_of,
                   count(*) filter (where risk_level = 'cannot_reach') as cannot_reach,
                   count(*) filter (where risk_level = 'at_risk') as at_risk,
                   count(*) filter (where risk_level = 'on_track') as on_track
            from alerts.visit_pace where month = (select max(month) from alerts.visit_pace)
            group by all order by all""").df()
    alerted = int(counts["cannot_reach"].sum() + counts["at_risk"].sum()) if len(counts) else 0
    return dg.AssetCheckResult(passed=alerted == 0, severity=dg.AssetCheckSeverity.WARN, metadata={
        "elders_alerted": alerted, "cannot_reach": int(counts["cannot_reach"].sum()) if len(counts) else 0,
        "at_risk": int(counts["at_risk"].sum()) if len(counts) else 0, "by_institution": _md(counts)})


@dg.asset_check(asset=dg.AssetKey(["alerts", "person_times_risk"]), name="person_times_at_risk", pool=POOL,
                description="Warns while any recipient's 30 visits (人次) are at risk or out of reach; counts per "
                            "institution in the metadata.")
def person_times_at_risk(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        counts = con.execute("""
            select region_code, institution_id,
                   count(*) filter (where status = 'cannot_reach') as cannot_reach,
                   count(*) filter (where status = 'at_risk') as at_risk,
                   count(*) filter (where status = 'likely') as likely,
                   count(*) filter (where status = 'secured') as secured
            from alerts.person_times_risk where month = (select max(month) from alerts.person_times_risk)
            group by all order by all""").df()
    alerted = int(counts["cannot_reach"].sum() + counts["at_risk"].sum()) if len(counts) else 0
    return dg.AssetCheckResult(passed=alerted == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"recipients_alerted": alerted, "by_institution": _md(counts)})


@dg.asset_check(asset=dg.AssetKey(["alerts", "person_times_outlook"]), name="target_expected", pool=POOL,
                description="Warns when a region's expected 人次 (secured + likely) fall short of its target; an "
                            "unknown target is listed, not failed.")
def target_expected(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        regions = con.execute("""
            select region_code, as_of, secured, likely, at_risk, cannot_reach, expected, target, target_expected
            from alerts.person_times_outlook
            where institution_id is null and month = (select max(month) from alerts.person_times_outlook)
            order by all""").df()
    short = int((regions["target_expected"] == False).sum()) if len(regions) else 0  # noqa: E712
    return dg.AssetCheckResult(passed=short == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"regions_short_of_target": short, "regions": _md(regions)})


@dg.asset_check(asset=dg.AssetKey(["alerts", "backtest"]), name="shortfalls_missed", pool=POOL,
                description="Caught / missed / false alarms of the margin in policy on each replay day, summed over "
                            "the closed months; warns when the last replay day still missed a shortfall.")
def shortfalls_missed(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        table = con.execute("""
            select region_code, day, margin, count(*) as months, sum(shortfalls) as shortfalls, sum(caught) as caught,
                   sum(missed) as missed, sum(false_alarms) as false_alarms,
                   sum(alerted_then_excluded) as alerted_then_excluded
            from alerts.backtest where policy_margin group by all order by all""").df()
    last = table[table["day"] == table.groupby("region_code")["day"].transform("max")] if len(table) else table
    missed = int(last["missed"].sum()) if len(last) else 0
    return dg.AssetCheckResult(passed=missed == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"missed_on_last_day": missed, "by_day": _md(table)})


ALERT_CHECKS = [*(_contract_check(n, m) for n, m in MODELS.items()), elders_at_risk, person_times_at_risk,
                target_expected, shortfalls_missed]
