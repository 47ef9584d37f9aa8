"""Backtest: replay the alert of closed months on given days and score it against the month's final verdicts.

Day d means "at the end of the month's d-th day": punches checked in and status events dated by then. A final
shortfall is an in-scope person-month of metrics.elder_months below any minimum. Caught = alerted and short;
missed = short, not alerted; false alarm = alerted, in scope at month end and not short; an alerted elder who
left scope later in the month (died, paused …) is counted apart, neither right nor wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import duckdb
import polars as pl

from eldercare.alerts.pace import ALERTED, LEVELS_SQL, person_months_known_on_dates
from eldercare.alerts.rules import AlertRules, rules_frame
from eldercare.compliance import VisitPolicy

SCHEMA = {"region_code": pl.Utf8, "month": pl.Date, "day": pl.Int64, "margin": pl.Float64,
          "policy_margin": pl.Boolean, "shortfalls": pl.Int64, "alerts": pl.Int64, "caught": pl.Int64,
          "missed": pl.Int64, "false_alarms": pl.Int64, "alerted_then_excluded": pl.Int64}
GRID = {k: SCHEMA[k] for k in ("region_code", "month", "day", "margin", "policy_margin")}

# The levels of every replayed (day, margin) in one query, scored against the final verdicts without leaving DuckDB.
# bt_known: the month's person-months as known on each replay day (as_of); bt_grid: region × month × day × margin.
# An elder without a final person-month is not scored.
SCORE_SQL = """with
f as (
    select region_code, month, elder_id, in_scope,
           in_scope and (coalesce(below_visits, false) or coalesce(below_minutes, false)
                         or coalesce(below_medical_visits, false)) as short
    from metrics.elder_months where month in (select distinct month from bt_grid)),
replayed as materialized (
    select k.region_code, k.month, k.as_of, k.elder_id, k.in_scope, k.days_in_month, k.visits, k.minutes,
           k.medical_visits, k.min_visits, k.min_minutes, k.min_medical_visits,
           f.in_scope as final_in_scope, f.short as final_short
    from bt_known k join f using (region_code, month, elder_id)
    where (k.region_code, k.month, datediff('day', k.month, k.as_of) + 1) in
          (select (region_code, month, day) from bt_grid)),""" + LEVELS_SQL.replace("{months}", "replayed").replace(
    "{rules}", "bt_rules") + """,
s as (select region_code, month, count(*) filter (where short) as shortfalls from f group by all),
c as (
    select region_code, month, days_elapsed as day, margin, count(*) filter (where alerted) as alerts,
           count(*) filter (where alerted and final_short) as caught,
           count(*) filter (where alerted and final_in_scope and not final_short) as false_alarms,
           count(*) filter (where alerted and not final_in_scope) as alerted_then_excluded
    from (select *, risk_level in {alerted} as alerted from risk)
    group by all)
select g.region_code, g.month, g.day, g.margin, g.policy_margin, coalesce(s.shortfalls, 0) as shortfalls,
       coalesce(c.alerts, 0) as alerts, coalesce(c.caught, 0) as caught,
       coalesce(s.shortfalls, 0) - coalesce(c.caught, 0) as missed, coalesce(c.false_alarms, 0) as false_alarms,
       coalesce(c.alerted_then_excluded, 0) as alerted_then_excluded
from bt_grid g left join s using (region_code, month) left join c using (region_code, month, day, margin)
order by 1, 2, 3, 4
""".replace("{alerted}", str(ALERTED))


def backtest(con: duckdb.DuckDBPyConnection, months: list[dt.date], elders: pl.DataFrame, events: pl.DataFrame,
             policies: Mapping[str, VisitPolicy], visit_rules: Mapping[str, dict],
             rules: Mapping[str, AlertRules]) -> pl.DataFrame:
    """Per region × closed month × replay day × margin: shortfalls, alerts, caught, missed, false alarms.

    Per month, one pass gives the person-months known on every replay day and one query levels every (day, margin)
    of every region and scores them; each month is scored before the next is replayed, so memory holds one month's
    replay whatever the number of months.
    """
    margins = {code: sorted({*r.backtest_margins, r.margin}) for code, r in rules.items()}
    days = sorted({d for r in rules.values() for d in r.backtest_days})
    codes = [c for c in rules if c in policies]
    scored = []
    for month in months:  # scored month by month: one month's replay in memory at a time
        grid = pl.DataFrame([{"region_code": c, "month": month, "day": day, "margin": m,
                              "policy_margin": m == rules[c].margin}
                             for day in days for c in codes if day in rules[c].backtest_days for m in margins[c]],
                            schema=GRID)
        if grid.is_empty():
            continue
        known = person_months_known_on_dates(con, [month + dt.timedelta(days=d - 1) for d in days], elders, events,
                                             policies, visit_rules)
        con.register("bt_grid", grid)
        con.register("bt_known", known)
        con.register("bt_rules", rules_frame({c: rules[c] for c in codes}, margins))
        try:
            scored.append(pl.from_arrow(con.sql(SCORE_SQL).to_arrow_table()))
        finally:
            for name in ("bt_grid", "bt_known", "bt_rules"):
                con.unregister(name)
    if not scored:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(scored).select([pl.col(c).cast(t) for c, t in SCHEMA.items()])


def backtest_summary(table: pl.DataFrame) -> pl.DataFrame:
    """Summed over the months: per region, day and margin, with recall (caught ÷ shortfalls) and precision
    (caught ÷ (caught + false alarms))."""
    counts = ["shortfalls", "alerts", "caught", "missed", "false_alarms", "alerted_then_excluded"]
    out = table.group_by("region_code", "day", "margin", "policy_margin").agg(
        pl.col("month").n_unique().alias("months"), *[pl.col(c).sum() for c in counts])
    return out.with_columns(
        (pl.col("caught") / pl.col("shortfalls")).alias("recall"),
        (pl.col("caught") / (pl.col("caught") + pl.col("false_alarms"))).alias("precision"),
    ).sort("region_code", "margin", "day")


def format_backtest(table: pl.DataFrame) -> str:
    """The backtest as a plain-text table for `make run` and the README: one line per region, margin and day."""
    summary = backtest_summary(table)
    if summary.is_empty():
        return "alert backtest: no closed month to replay"
    lines = ["alert backtest (closed months replayed; * = the margin in policy)",
             f"  {'region':<7} {'margin':>6} {'day':>4} {'months':>6} {'shortfalls':>10} {'caught':>7} {'missed':>7} "
             f"{'false':>6} {'left':>5} {'recall':>7} {'precision':>9}"]
    for r in summary.iter_rows(named=True):
        fmt = lambda x: "–" if x is None or x != x else f"{x:.0%}"  # noqa: E731
        lines.append(f"  {r['region_code']:<7} {r['margin']:>5.2f}{'*' if r['policy_margin'] else ' '} {r['day']:>4} "
                     f"{r['months']:>6} {r['shortfalls']:>10} {r['caught']:>7} {r['missed']:>7} "
                     f"{r['false_alarms']:>6} {r['alerted_then_excluded']:>5} {fmt(r['recall']):>7} "
                     f"{fmt(r['precision']):>9}")
    lines.append("  false = alerted, in scope and not short at month end; left = alerted, then out of scope "
                 "(died, paused …) later in the month")
    return "\n".join(lines)
