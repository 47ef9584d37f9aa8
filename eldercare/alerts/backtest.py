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

from eldercare.alerts.pace import ALERTED, pace_table, person_months_known_on
from eldercare.alerts.rules import AlertRules, rules_frame
from eldercare.compliance import VisitPolicy

SCHEMA = {"region_code": pl.Utf8, "month": pl.Date, "day": pl.Int64, "margin": pl.Float64,
          "policy_margin": pl.Boolean, "shortfalls": pl.Int64, "alerts": pl.Int64, "caught": pl.Int64,
          "missed": pl.Int64, "false_alarms": pl.Int64, "alerted_then_excluded": pl.Int64}

SCORE_SQL = """
with f as (
    select region_code, month, elder_id, in_scope,
           in_scope and (coalesce(below_visits, false) or coalesce(below_minutes, false)
                         or coalesce(below_medical_visits, false)) as short
    from metrics.elder_months where month in (select distinct month from bt_grid)),
a as (select region_code, month, day, margin, elder_id, risk_level in {alerted} as alerted from bt_pace),
j as (
    select g.region_code, g.month, g.day, g.margin, f.in_scope, f.short, coalesce(a.alerted, false) as alerted
    from bt_grid g join f using (region_code, month)
    left join a using (region_code, month, day, margin, elder_id))
select g.region_code, g.month, g.day, g.margin, g.policy_margin,
       count(*) filter (where j.short) as shortfalls,
       count(*) filter (where j.alerted) as alerts,
       count(*) filter (where j.short and j.alerted) as caught,
       count(*) filter (where j.short and not j.alerted) as missed,
       count(*) filter (where j.alerted and j.in_scope and not j.short) as false_alarms,
       count(*) filter (where j.alerted and not j.in_scope) as alerted_then_excluded
from bt_grid g left join j using (region_code, month, day, margin)
group by all order by 1, 2, 3, 4
"""


def backtest(con: duckdb.DuckDBPyConnection, months: list[dt.date], elders: pl.DataFrame, events: pl.DataFrame,
             policies: Mapping[str, VisitPolicy], visit_rules: Mapping[str, dict],
             rules: Mapping[str, AlertRules]) -> pl.DataFrame:
    """Per region × closed month × replay day × margin: shortfalls, alerts, caught, missed, false alarms.

    One set-based pace query per (month, day) covers every region, elder and margin at once; each month is scored
    before the next is replayed, so memory holds one month's paces whatever the number of months.
    """
    margins = {code: sorted({*r.backtest_margins, r.margin}) for code, r in rules.items()}
    scored = []
    for month in months:  # scored month by month: one month's replayed paces in memory at a time
        grid, paces = [], []
        for day in sorted({d for r in rules.values() for d in r.backtest_days}):
            codes = [c for c, r in rules.items() if day in r.backtest_days and c in policies]
            as_of = month + dt.timedelta(days=day - 1)
            known = person_months_known_on(con, as_of, elders, events, policies, visit_rules)
            pace = pace_table(con, known.filter(pl.col("region_code").is_in(codes)), as_of,
                              rules_frame({c: rules[c] for c in codes}, margins))
            paces.append(pace.select("region_code", "month", "margin", "elder_id", "risk_level")
                         .with_columns(pl.lit(day, pl.Int64).alias("day")))
            grid += [{"region_code": c, "month": month, "day": day, "margin": m, "policy_margin": m == rules[c].margin}
                     for c in codes for m in margins[c]]
        if not grid:
            continue
        con.register("bt_grid", pl.DataFrame(grid, schema={k: SCHEMA[k] for k in
                                                           ("region_code", "month", "day", "margin", "policy_margin")}))
        con.register("bt_pace", pl.concat(paces))
        try:
            scored.append(pl.from_arrow(con.sql(SCORE_SQL.replace("{alerted}", str(ALERTED))).to_arrow_table()))
        finally:
            con.unregister("bt_grid")
            con.unregister("bt_pace")
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
