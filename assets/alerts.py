"""Early-warning assets: the open month's visit pace and risk, 人次 at risk, the backtest, the call lists.

Thin wiring of eldercare.alerts to the warehouse. The as-of date is the run tag `eldercare/as_of` when set,
otherwise the end of the run's last month, or the run's creation date (Beijing time) if that is earlier.
"""


import datetime as dt
from dataclasses import dataclass

import dagster as dg
import polars as pl

from assets.metadata import column_schema
from assets.run_context import run_as_of
from checks.alert_checks import (check_specs, elders_at_risk, person_times_at_risk, shortfalls_missed,
                                 target_expected, validate)
from checks.alert_schemas import BacktestRow, PersonTimesOutlookRow, PersonTimesRiskRow, VisitPaceRow
from eldercare.alerts.backtest import backtest as replay, backtest_summary
from eldercare.alerts.call_list import write_call_lists
from eldercare.alerts.pace import ALERTED, pace_table, person_months_known_on
from eldercare.alerts.person_times_risk import person_times_outlook as outlook_table, person_times_risk as risk_table
from eldercare.alerts.rules import AlertRules, alert_rules, rules_frame
from eldercare.as_of import run_months
from eldercare.compliance import VisitPolicy
from resources import RawFolder, Warehouse
from resources import ExportsFolder
from resources.warehouse import replace_slice, table_ddl

GROUP = "alerts"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
PREVIEW = 20
COMMON = dict(group_name=GROUP, owners=OWNERS, pool=POOL)
LEDGERS = [dg.AssetKey(["validated", n]) for n in ("visits", "elders", "status_events", "regions")]



@dataclass(frozen=True)
class RegionRules:
    """What the alerts need of each accepted region: visit policy, visit rules, alert rules, 人次 period, target."""

    policies: dict[str, VisitPolicy]
    visit_rules: dict[str, dict]
    alerts: dict[str, AlertRules]
    person_times: pl.DataFrame  # region_code, threshold, period_start, period_end, margin, max_visits_per_day
    targets: dict[str, float | None]


def _person_times_period(region) -> tuple[dt.date, dt.date]:
    """The 人次 period: the region's own definition when it has one (`person_times_period`), else project_period,
    else service start to the end of the project year."""
    period = getattr(region, "person_times_period", None)
    if period:
        return period
    given = region.settings.get("project_period")
    if given:
        return tuple(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in given)
    return region.service_start, dt.date(region.project_year, 12, 31)


def region_rules(raw_folder: RawFolder) -> RegionRules:
    policies, visit_rules, alerts, rows, targets = {}, {}, {}, [], {}
    for region in raw_folder.regions()[0]:
        policy = region.policy  # validated when region.yaml was loaded
        policies[region.code] = VisitPolicy.from_region(region, policy)
        visit_rules[region.code] = policy["visits"]
        alerts[region.code] = alert_rules(policy, f"{region.code}/region.yaml")
        start, end = _person_times_period(region)
        rows.append({"region_code": region.code, "threshold": int(policy["visits"]["person_times_min_visits"]),
                     "period_start": start, "period_end": end, "margin": alerts[region.code].margin,
                     "max_visits_per_day": alerts[region.code].max_per_day.visits})
        targets[region.code] = region.targets.get("service_person_times")
    frame = pl.DataFrame(rows, schema={"region_code": pl.Utf8, "threshold": pl.Int64, "period_start": pl.Date,
                                       "period_end": pl.Date, "margin": pl.Float64, "max_visits_per_day": pl.Float64})
    return RegionRules(policies, visit_rules, alerts, frame, targets)


def _ledgers(con) -> tuple[pl.DataFrame, pl.DataFrame]:
    elders = pl.from_arrow(con.sql("select region_code, elder_id, institution_id, name_masked, service_type, "
                                   "self_funded, enrolled_on from validated.elders").to_arrow_table())
    events = pl.from_arrow(con.sql("select region_code, elder_id, event, event_date "
                                   "from validated.status_events").to_arrow_table())
    return elders, events


def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(PREVIEW).to_pandas().to_markdown(index=False) if frame.height else "none")


def _meta(model) -> dict:
    return {"dagster/column_schema": column_schema(model.to_schema())}


@dg.asset(key=["alerts", "visit_pace"], kinds={"duckdb", "sql"}, deps=LEDGERS, metadata=_meta(VisitPaceRow),
          check_specs=check_specs("visit_pace"), **COMMON)
def visit_pace(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """The open month as of the run's as-of date: per in-scope elder, visits, minutes and medical visits so far, days
    left, what is still needed per day, and a risk level per minimum and overall — cannot reach (more needed than
    days left × policy alerts.max_per_day), at risk (still needed > days left × pace so far × alerts.margin), on
    track. Elders who died, paused, moved or entered an institution this month are out of scope: not alerted.
    Replaces the month's slice of alerts.visit_pace.
    """
    as_of = run_as_of(context)
    month = as_of.replace(day=1)
    rules = region_rules(raw_folder)
    with warehouse.connect() as con:
        con.execute("create schema if not exists alerts")
        con.execute(table_ddl(VisitPaceRow.to_schema(), "alerts.visit_pace"))
        elders, events = _ledgers(con)
        known = person_months_known_on(con, as_of, elders, events, rules.policies, rules.visit_rules)
        rows, contract = validate("visit_pace", pace_table(con, known, as_of, rules_frame(rules.alerts)))
    with warehouse.transaction() as con:
        replace_slice(con, "alerts.visit_pace", rows, "month = ?", [month])
    by_level = rows.group_by("institution_id", "risk_level").len().sort("institution_id", "risk_level")
    not_alerted = known.filter(~pl.col("in_scope")).group_by("scope").len().sort("scope")
    return dg.MaterializeResult(check_results=[contract, elders_at_risk(rows)], metadata={
        "as_of": as_of.isoformat(), "dagster/row_count": rows.height,
        "at_risk": int((rows["risk_level"] == "at_risk").sum()),
        "cannot_reach": int((rows["risk_level"] == "cannot_reach").sum()),
        "by_institution_and_level": _md(by_level), "not_alerted_by_scope": _md(not_alerted),
        "preview_most_urgent": _md(rows.filter(pl.col("urgency").is_not_null()).sort("urgency").select(
            "institution_id", "urgency", "elder_id", "name_masked", "risk_level", "visits", "minutes",
            "medical_visits", "days_left", "risk_reason")),
    })


@dg.asset(key=["alerts", "person_times_risk"], kinds={"duckdb", "sql"},
          deps=[*LEDGERS, dg.AssetKey(["metrics", "elder_months"])], metadata=_meta(PersonTimesRiskRow),
          check_specs=check_specs("person_times_risk"), **COMMON)
def person_times_risk(context: dg.AssetExecutionContext, raw_folder: RawFolder,
                      warehouse: Warehouse) -> dg.MaterializeResult:
    """Per home-service recipient: valid visits in the 人次 period so far (closed months of metrics.elder_months plus
    the open month as known on the as-of date), what is still needed to reach policy visits.person_times_min_visits
    (30), and a status: secured, likely, at risk (still needed > days left in the period × pace so far × alerts.margin),
    cannot reach (more than one visit a day would be needed), or not assessed (out of scope this month: died, paused…).
    """
    as_of = run_as_of(context)
    month = as_of.replace(day=1)
    rules = region_rules(raw_folder)
    with warehouse.connect() as con:
        con.execute("create schema if not exists alerts")
        con.execute(table_ddl(PersonTimesRiskRow.to_schema(), "alerts.person_times_risk"))
        elders, events = _ledgers(con)
        known = person_months_known_on(con, as_of, elders, events, rules.policies, rules.visit_rules)
        columns = ["region_code", "month", "institution_id", "elder_id", "name_masked", "scope", "visits"]
        closed = pl.from_arrow(con.sql(f"select {', '.join(columns)} from metrics.elder_months "
                                       f"where month < DATE '{month.isoformat()}'").to_arrow_table())
        months = pl.concat([closed.select(columns), known.select(columns)], how="vertical_relaxed")
        risk = risk_table(con, months, elders, as_of, rules.person_times)
    rows, contract = validate("person_times_risk", risk.with_columns(pl.lit(month).alias("month")))
    with warehouse.transaction() as con:
        replace_slice(con, "alerts.person_times_risk", rows, "month = ?", [month])
    return dg.MaterializeResult(check_results=[contract, person_times_at_risk(rows)], metadata={
        "as_of": as_of.isoformat(), "dagster/row_count": rows.height,
        "by_status": _md(rows.group_by("status").len().sort("status")),
        "preview_at_risk": _md(rows.filter(pl.col("status").is_in(ALERTED)).sort("need", descending=True).select(
            "institution_id", "elder_id", "name_masked", "visits", "need", "days_left", "status")),
    })


@dg.asset(key=["alerts", "person_times_outlook"], kinds={"duckdb", "sql"}, deps=[person_times_risk.key],
          metadata=_meta(PersonTimesOutlookRow), check_specs=check_specs("person_times_outlook"), **COMMON)
def person_times_outlook(context: dg.AssetExecutionContext, raw_folder: RawFolder,
                         warehouse: Warehouse) -> dg.MaterializeResult:
    """Per institution and per region (institution_id null), as of the run's as-of date: 人次 secured, likely,
    at risk and out of reach, expected = secured + likely, against targets.service_person_times (an unknown target
    stays null: not computable, never 0).
    """
    as_of = run_as_of(context)
    month = as_of.replace(day=1)
    rules = region_rules(raw_folder)
    with warehouse.connect() as con:
        con.execute(table_ddl(PersonTimesOutlookRow.to_schema(), "alerts.person_times_outlook"))
        risk = pl.from_arrow(con.sql("select * from alerts.person_times_risk "
                                     f"where month = DATE '{month.isoformat()}'").to_arrow_table())
        out = outlook_table(con, risk, rules.targets, as_of)
    rows, contract = validate("person_times_outlook", out.with_columns(pl.lit(month).alias("month")))
    with warehouse.transaction() as con:
        replace_slice(con, "alerts.person_times_outlook", rows, "month = ?", [month])
    return dg.MaterializeResult(check_results=[contract, target_expected(rows)],
                                metadata={"as_of": as_of.isoformat(), "dagster/row_count": rows.height,
                                          "outlook": _md(rows.drop("month", "as_of"))})


@dg.asset(key=["alerts", "backtest"], kinds={"duckdb", "sql"}, deps=[*LEDGERS, dg.AssetKey(["metrics", "elder_months"])],
          metadata=_meta(BacktestRow), check_specs=check_specs("backtest"), **COMMON)
def backtest(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every closed month of metrics.elder_months (ended on or before the as-of date) replayed: the alert as it stood
    on policy alerts.backtest_days (10, 15, 20) for each margin of alerts.backtest_margins, against the month's final
    verdicts — shortfalls caught, missed, false alarms (alerted, in scope, not short) and alerted elders who left scope
    later in the month. Evidence for choosing alerts.margin. Replays the run's months and any closed month not yet
    replayed, and replaces those months' rows (a re-run of June does not replay the whole project period again).
    """
    as_of = run_as_of(context)
    rules = region_rules(raw_folder)
    with warehouse.connect() as con:
        con.execute("create schema if not exists alerts")
        con.execute(table_ddl(BacktestRow.to_schema(), "alerts.backtest"))
        elders, events = _ledgers(con)
        closed = [m for (m,) in con.execute(
            "select distinct month from metrics.elder_months where month + interval 1 month <= ? + interval 1 day "
            "order by 1", [as_of]).fetchall()]
        done = {m for (m,) in con.execute("select distinct month from alerts.backtest").fetchall()}
        asked = run_months(context.run.tags)
        months = [m for m in closed if asked is None or m in asked or m not in done]
        rows, contract = validate("backtest", replay(con, months, elders, events, rules.policies,
                                                      rules.visit_rules, rules.alerts))
    with warehouse.transaction() as con:
        replace_slice(con, "alerts.backtest", rows, "month in (select unnest(?::DATE[]))", [months])
        # months no longer closed or no longer in metrics.elder_months leave the table
        con.execute("delete from alerts.backtest where month not in (select unnest(?::DATE[]))", [closed])
    summary = backtest_summary(rows) if rows.height else rows
    return dg.MaterializeResult(check_results=[contract, shortfalls_missed(rows)],
                                metadata={"as_of": as_of.isoformat(), "dagster/row_count": rows.height,
                                          "months_replayed": len(months), "summary": _md(summary)})


@dg.asset(key=["alerts", "call_lists"], kinds={"excel"}, deps=[visit_pace.key, person_times_risk.key],
          **COMMON)
def call_lists(context: dg.AssetExecutionContext, warehouse: Warehouse, exports_folder: ExportsFolder) -> dg.MaterializeResult:
    """One xlsx per institution under the exports folder (<ELDERCARE_EXPORTS>/<region_code>/预警名单_call_list_<as-of
    date>_<institution>.xlsx): this month's alerted elders, cannot reach first then the hardest rest of month, and
    recipients whose 人次 is at risk. Masked names only; an institution without alerts gets a file saying so.
    Written for the regions that get files (config/exports.yaml files.regions or ELDERCARE_EXPORT_REGIONS); every
    alert stays in alerts.visit_pace and alerts.person_times_risk either way."""
    as_of = run_as_of(context)
    month = f"DATE '{as_of.replace(day=1).isoformat()}'"
    with warehouse.connect(read_only=True) as con:
        pace = pl.from_arrow(con.sql(f"select * from alerts.visit_pace where month = {month}").to_arrow_table())
        risk = pl.from_arrow(con.sql(f"select * from alerts.person_times_risk where month = {month}").to_arrow_table())
        institutions = pl.from_arrow(con.sql("select region_code, institution_id, name from validated.institutions "
                                             "order by all").to_arrow_table())
    codes, unknown = exports_folder.regions_with_files(institutions["region_code"].unique(maintain_order=True).to_list())
    if unknown:
        context.log.warning(f"files requested for regions that are not in this run: {unknown}")
    institutions = institutions.filter(pl.col("region_code").is_in(codes))
    paths = write_call_lists(pace, risk, institutions, as_of, exports_folder.root)
    return dg.MaterializeResult(metadata={
        "as_of": as_of.isoformat(), "files": len(paths), "regions_with_files": len(codes),
        "folder": dg.MetadataValue.path(str(exports_folder.root)),
        "written": dg.MetadataValue.md("\n".join(f"- {p.relative_to(exports_folder.root).as_posix()}" for p in paths)
                                       or "none"),
        "elders_listed": int(pace["risk_level"].is_in(ALERTED).sum()) if pace.height else 0,
    })


ALERT_ASSETS = [visit_pace, person_times_risk, person_times_outlook, backtest, call_lists]
