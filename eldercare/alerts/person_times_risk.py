"""人次 at risk: per home-service recipient, visits so far in the 人次 period and whether the threshold (30) is
still reachable at the elder's pace before the period ends; per institution and region, secured / likely / at
risk against the target. One DuckDB query over every elder.

Visits so far = the closed months of metrics.elder_months plus the open month as known on the as-of date. An
elder out of scope this month (died, paused, moved …) is not alerted: 'not_assessed', with the scope as reason.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

STATUSES = {"secured": "已达 secured", "likely": "可达 likely", "at_risk": "有风险 at risk",
            "cannot_reach": "无法达到 cannot reach", "not_assessed": "不预警 not assessed"}
# Scopes of person-months that are not home service (their visits never make 人次): as in metrics.person_times.
NOT_RECIPIENT_SCOPES = ("not_home_service_recipient", "self_funded")

ELDER_SQL = """
with m as (
    select region_code, month, institution_id, elder_id, name_masked, scope, visits from pt_months
    where scope not in {not_recipient}),
e as (
    select m.region_code, m.elder_id, arg_max(m.institution_id, m.month) as institution_id,
           arg_max(m.name_masked, m.month) as name_masked, sum(m.visits)::bigint as visits,
           arg_max(m.scope, m.month) filter (where m.month = date_trunc('month', {as_of})) as scope_now
    from m join pt_rules r using (region_code)
    where m.month between date_trunc('month', r.period_start) and {as_of}
    group by all),
p as (
    select e.*, r.*  exclude (region_code), el.enrolled_on,
           greatest(r.threshold - e.visits, 0) as need,
           datediff('day', greatest(r.period_start, coalesce(el.enrolled_on, r.period_start)), {as_of}) + 1
               as days_served,
           greatest(datediff('day', {as_of}, r.period_end), 0) as days_left
    from e join pt_rules r using (region_code) left join pt_elders el using (region_code, elder_id))
select region_code, institution_id, elder_id, name_masked, {as_of} as as_of, period_start, period_end,
       threshold, visits, need, days_left, visits / nullif(days_served, 0) as visits_per_day_so_far,
       need / nullif(days_left, 0) as visits_per_day_needed, coalesce(scope_now, 'no_row_this_month') as scope_now,
       case when visits >= threshold then 'secured'
            when scope_now is distinct from 'in_scope' then 'not_assessed'
            when need > days_left * max_visits_per_day then 'cannot_reach'
            when need > days_left * coalesce(visits / nullif(days_served, 0), 0) * margin then 'at_risk'
            else 'likely' end as status
from p order by region_code, institution_id, elder_id
"""

OUTLOOK_SQL = """
with r as (
    select region_code, institution_id, count(*) as recipients,
           count(*) filter (where status = 'secured') as secured, count(*) filter (where status = 'likely') as likely,
           count(*) filter (where status = 'at_risk') as at_risk,
           count(*) filter (where status = 'cannot_reach') as cannot_reach,
           count(*) filter (where status = 'not_assessed') as not_assessed
    from pt_elders_risk group by grouping sets ((region_code, institution_id), (region_code)))
select r.region_code, r.institution_id, {as_of} as as_of, r.recipients, r.secured, r.likely, r.at_risk,
       r.cannot_reach, r.not_assessed, r.secured + r.likely as expected,
       case when r.institution_id is null then t.target end as target,
       case when r.institution_id is null and t.target is not null then greatest(t.target - r.secured, 0) end
           as still_needed,
       case when r.institution_id is null and t.target is not null
            then r.secured + r.likely >= t.target end as target_expected
from r left join pt_targets t using (region_code)
order by r.region_code, r.institution_id nulls last
"""


def person_times_risk(con: duckdb.DuckDBPyConnection, months: pl.DataFrame, elders: pl.DataFrame, as_of: dt.date,
                      rules: pl.DataFrame) -> pl.DataFrame:
    """Per recipient: visits so far, what is still needed, and the status (secured / likely / at risk / cannot reach
    / not assessed).

    months: person-months (region_code, month, institution_id, elder_id, name_masked, scope, visits), closed months
    from metrics.elder_months and the open month as known on `as_of`;
    elders: region_code, elder_id, enrolled_on;
    rules: region_code, threshold, period_start, period_end, margin, max_visits_per_day.
    """
    con.register("pt_months", months)
    con.register("pt_elders", elders.select("region_code", "elder_id", pl.col("enrolled_on").cast(pl.Date)))
    con.register("pt_rules", rules)
    try:
        sql = ELDER_SQL.replace("{not_recipient}", str(NOT_RECIPIENT_SCOPES)).replace(
            "{as_of}", f"DATE '{as_of.isoformat()}'")
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        for name in ("pt_months", "pt_elders", "pt_rules"):
            con.unregister(name)


def person_times_outlook(con: duckdb.DuckDBPyConnection, risk: pl.DataFrame, targets: dict[str, float | None],
                         as_of: dt.date) -> pl.DataFrame:
    """Per institution and per region (institution_id NULL): recipients secured, likely, at risk, cannot reach;
    expected = secured + likely; against the region's 人次 target (unknown target: NULL, not 0)."""
    con.register("pt_elders_risk", risk)
    con.register("pt_targets", pl.DataFrame([{"region_code": c, "target": t} for c, t in targets.items()],
                                            schema={"region_code": pl.Utf8, "target": pl.Float64}))
    try:
        return pl.from_arrow(con.sql(OUTLOOK_SQL.replace("{as_of}", f"DATE '{as_of.isoformat()}'")).to_arrow_table())
    finally:
        con.unregister("pt_elders_risk")
        con.unregister("pt_targets")
