"""Visit pace and risk: per in-scope elder of a month as known on a date, what is done, what is still needed per
day, and a risk level (on track / at risk / cannot reach) by the region's `alerts:` rule.

The person-months come from the compliance code itself (`person_months` over `visit_totals` of the ledgers as
known at the end of the date), so scope (deaths, pauses, moves …), minimums and counted visits have one definition.
The levels are one DuckDB query over all elders at once (`LEVELS_SQL`), shared by the pace table and the backtest.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping, Sequence

import duckdb
import polars as pl

from eldercare.compliance import VisitPolicy, person_months
from eldercare.visit_sql import visit_totals

LEVELS = {"cannot_reach": "无法达标 cannot reach", "at_risk": "有风险 at risk", "on_track": "正常 on track"}
ALERTED = ("cannot_reach", "at_risk")


def person_months_known_on_dates(con: duckdb.DuckDBPyConnection, dates: Sequence[dt.date], elders: pl.DataFrame,
                                 events: pl.DataFrame, policies: Mapping[str, VisitPolicy],
                                 visit_rules: Mapping[str, dict]) -> pl.DataFrame:
    """metrics.elder_months' rows for the month of `dates` (all in one month), once per date as known at its end —
    punches checked in by then, status events dated by then, elders enrolled by then — keyed by a leading `as_of`.
    One pass for all the dates."""
    dates = sorted(set(dates))
    month = dates[0].replace(day=1)
    if any(d.replace(day=1) != month for d in dates):
        raise ValueError(f"dates of one month expected, got {dates}")
    days = pl.DataFrame({"as_of": dates}, schema={"as_of": pl.Date})
    known_elders = elders.join(days, how="cross").filter(
        pl.col("enrolled_on").is_null() | (pl.col("enrolled_on").cast(pl.Date) <= pl.col("as_of")))
    known_events = events.join(days, how="cross").filter(pl.col("event_date").cast(pl.Date) <= pl.col("as_of"))
    totals = visit_totals(con, month, dict(visit_rules), known_on=dates)
    return person_months(month, known_elders, known_events, totals, dict(policies), by=("as_of",))


def person_months_known_on(con: duckdb.DuckDBPyConnection, as_of: dt.date, elders: pl.DataFrame,
                           events: pl.DataFrame, policies: Mapping[str, VisitPolicy],
                           visit_rules: Mapping[str, dict]) -> pl.DataFrame:
    """metrics.elder_months' rows for the month of `as_of`, computed from what was known at the end of `as_of`:
    punches checked in by then, status events dated by then, elders enrolled by then."""
    return person_months_known_on_dates(con, [as_of], elders, events, policies, visit_rules).drop("as_of")


# The one definition of the levels: per in-scope person-month of {months} (person-months with the date they are known
# on, `as_of`; every column carried) and row of {rules} (region_code, margin, max_*_per_day). Common table
# expressions, ending in `risk`.
LEVELS_SQL = """
base as (
    select p.*, datediff('day', p.month, p.as_of) + 1 as days_elapsed,
           p.days_in_month - (datediff('day', p.month, p.as_of) + 1) as days_left, r.*  exclude (region_code)
    from {months} p join {rules} r using (region_code)
    where p.in_scope),
need as (
    select *, greatest(min_visits - visits, 0) as need_visits, greatest(min_minutes - minutes, 0) as need_minutes,
           greatest(min_medical_visits - medical_visits, 0) as need_medical_visits
    from base),
lv as (
    select *,
        case when min_visits is null then null when need_visits = 0 then 'met'
             when need_visits > days_left * max_visits_per_day then 'cannot_reach'
             when need_visits > days_left * (visits / days_elapsed) * margin then 'at_risk' else 'on_track'
        end as visits_level,
        case when min_minutes is null then null when need_minutes = 0 then 'met'
             when need_minutes > days_left * max_minutes_per_day then 'cannot_reach'
             when need_minutes > days_left * (minutes / days_elapsed) * margin then 'at_risk' else 'on_track'
        end as minutes_level,
        case when min_medical_visits is null then null when need_medical_visits = 0 then 'met'
             when need_medical_visits > days_left * max_medical_per_day then 'cannot_reach'
             when need_medical_visits > days_left * (medical_visits / days_elapsed) * margin then 'at_risk'
             else 'on_track'
        end as medical_level
    from need),
risk as (
    select *,
        case when 'cannot_reach' in (visits_level, minutes_level, medical_level) then 'cannot_reach'
             when 'at_risk' in (visits_level, minutes_level, medical_level) then 'at_risk' else 'on_track'
        end as risk_level
    from lv)"""

PACE_SQL = "with " + LEVELS_SQL.replace("{months}", "(select *, {as_of} as as_of from pace_months)").replace(
    "{rules}", "pace_rules") + """,
strained as (
    -- how hard the rest of the month is: the largest share of the daily ceiling still needed (≥ 1 = impossible)
    select *,
        greatest(coalesce(need_visits / nullif(days_left * max_visits_per_day, 0), sign(need_visits) * 1e9, 0),
                 coalesce(need_minutes / nullif(days_left * max_minutes_per_day, 0), sign(need_minutes) * 1e9, 0),
                 coalesce(need_medical_visits / nullif(days_left * max_medical_per_day, 0),
                          sign(need_medical_visits) * 1e9, 0)) as strain
    from risk)
select region_code, month, as_of, margin, institution_id, elder_id, name_masked, days_elapsed, days_left,
       visits, minutes, unrecorded_visits, medical_visits, quarantined_rows,
       min_visits, min_minutes, min_medical_visits, need_visits, need_minutes, need_medical_visits,
       need_visits / nullif(days_left, 0) as visits_per_day_needed,
       need_minutes / nullif(days_left, 0) as minutes_per_day_needed,
       visits / days_elapsed as visits_per_day_so_far,
       visits_level, minutes_level, medical_level, risk_level,
       nullif(concat_ws('; ',
           case when visits_level in ('at_risk', 'cannot_reach')
                then visits_level || ': visits ' || visits || ' of ' || min_visits end,
           case when minutes_level in ('at_risk', 'cannot_reach')
                then minutes_level || ': minutes ' || round(minutes) || ' of ' || min_minutes end,
           case when medical_level in ('at_risk', 'cannot_reach')
                then medical_level || ': medical visits ' || medical_visits || ' of ' || min_medical_visits end),
           '') as risk_reason,
       case when risk_level = 'on_track' then null else
           row_number() over (partition by region_code, institution_id, margin, risk_level = 'on_track'
                              order by risk_level = 'at_risk', strain desc, elder_id) end as urgency
from strained
order by region_code, institution_id, margin, urgency nulls last, elder_id
"""


def pace_table(con: duckdb.DuckDBPyConnection, months: pl.DataFrame, as_of: dt.date, rules: pl.DataFrame) -> pl.DataFrame:
    """Pace and risk of every in-scope person-month in `months` (one month, as known on `as_of`), once per row of
    `rules` (region_code, margin, max_*_per_day). Out-of-scope elders (died, paused, moved …) are not alerted.

    urgency: 1 = call first, within the institution: cannot-reach before at-risk, then the hardest rest of month.
    """
    con.register("pace_months", months)
    con.register("pace_rules", rules)
    try:
        return pl.from_arrow(con.sql(PACE_SQL.replace("{as_of}", f"DATE '{as_of.isoformat()}'")).to_arrow_table())
    finally:
        con.unregister("pace_months")
        con.unregister("pace_rules")
