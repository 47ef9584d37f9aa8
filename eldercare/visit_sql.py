"""Set-based SQL over the warehouse for one month of visits: per-elder totals and the data-quality findings.

Runs where the data is (DuckDB), so a national month (3M punches) never passes through Python row by row.
Region rules arrive as a small registered table `visit_rules(region_code, medical_item | short_minutes, …)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import duckdb
import polars as pl

FINDING_RULES = {
    "visit_after_death": "visit after the elder's death (去世)",
    "visit_after_exit": "visit after the elder moved away, entered an institution or terminated service (not counted)",
    "visit_during_pause": "visit while the elder's service was paused (暂停)",
    "visit_for_bed_only_elder": "visit punched for a bed-only elder (家庭养老床位 only)",
    "visit_for_self_funded_elder": "visit for a socialised elder served at the institution's cost",
    "open_punch": "no check-out (签退时间 empty): time not recorded",
    "caregiver_overlap": "the same caregiver at two homes at overlapping times",
    "visit_too_short": "visit shorter than the policy minimum length",
    "visit_too_long": "visit longer than the policy maximum length",
    "duplicate_punch": "the same punch record submitted twice (the copy is quarantined)",
}


def _register_rules(con: duckdb.DuckDBPyConnection, rules: dict[str, dict]) -> None:
    items = pl.DataFrame([{"region_code": r, "medical_item": i} for r, p in rules.items() for i in p["medical_items"]],
                         schema={"region_code": pl.Utf8, "medical_item": pl.Utf8})
    limits = pl.DataFrame([{"region_code": r, "short_minutes": float(p["short_visit_minutes"]),
                            "long_minutes": float(p["long_visit_hours"]) * 60} for r, p in rules.items()],
                          schema={"region_code": pl.Utf8, "short_minutes": pl.Float64, "long_minutes": pl.Float64})
    counting = pl.DataFrame([{"region_code": r, "open_punch_counts": bool(p.get("open_punch_counts", True))}
                             for r, p in rules.items()], schema={"region_code": pl.Utf8, "open_punch_counts": pl.Boolean})
    con.register("visit_counting", counting)
    con.register("medical_items", items)
    con.register("visit_limits", limits)


def visit_totals(con: duckdb.DuckDBPyConnection, month: dt.date, rules: dict[str, dict],
                 known_on: Sequence[dt.date] | None = None) -> pl.DataFrame:
    """Per region and elder: visits, recorded minutes, visits without recorded time, medical visits, quarantined rows.

    A valid punch record counts as a visit by the one definition (`counts_as_visit`: open punches per policy,
    never after the elder's exit); duplicates and quarantined rows do not, but quarantined rows
    are counted beside them so a reviewer sees when a correction would change the verdict.

    known_on: dates of the month; the totals as known at the end of each one (punches checked in and status events
    dated by then), in one pass, keyed by a leading `as_of` column, rows in no particular order.
    """
    _register_rules(con, rules)
    m = f"DATE '{month.isoformat()}'"
    visits, events, by, q = "validated.visits", "validated.status_events", "", "q"
    if known_on is not None:
        known_on = sorted(set(known_on))
        cutoffs = [dt.datetime.combine(d + dt.timedelta(days=1), dt.time()) for d in known_on]
        con.register("known_dates", pl.DataFrame({"as_of": known_on, "cutoff": cutoffs},
                                                 schema={"as_of": pl.Date, "cutoff": pl.Datetime("us")}))
        visits = "(select d.as_of, v.* from validated.visits v join known_dates d on v.checkin_at < d.cutoff)"
        events = "(select d.as_of, e.* from validated.status_events e join known_dates d on e.event_date <= d.as_of)"
        by, q = "as_of, ", "(select d.as_of, q.* from q cross join known_dates d)"
    x_on = "x.as_of = v.as_of and " if by else ""
    try:
        return pl.from_arrow(con.sql(f"""
        with x as ({elder_exit_sql(events, by)}),
        v as (
            select {by and 'v.as_of, '}v.region_code, v.elder_id, count(*) filter (where counts) as visits,
                   coalesce(sum(v.duration_min) filter (where counts and v.duration_recorded), 0) as minutes,
                   count(*) filter (where counts and not v.duration_recorded) as unrecorded_visits,
                   count(*) filter (where counts and mi.medical_item is not null) as medical_visits,
                   count(*) filter (where not counts) as uncounted_visits
            from (select v.*, {counts_as_visit('v', 'x.exit_on', 'c.open_punch_counts')} as counts
                  from {visits} v
                  join visit_counting c on c.region_code = v.region_code
                  left join x on {x_on}x.region_code = v.region_code and x.elder_id = v.elder_id
                  where v.month = {m}) v
            left join medical_items mi on mi.region_code = v.region_code and mi.medical_item = v.service_item
            group by all),
        q as (
            select region_code, elder_id, count(distinct (source_file, source_row)) as quarantined_rows
            from quarantine.rows where ledger = 'visits' and month = {m} and elder_id is not null group by all)
        select {by}region_code, elder_id, coalesce(visits, 0)::bigint as visits,
               coalesce(minutes, 0)::double as minutes,
               coalesce(unrecorded_visits, 0)::bigint as unrecorded_visits,
               coalesce(medical_visits, 0)::bigint as medical_visits,
               coalesce(uncounted_visits, 0)::bigint as uncounted_visits,
               coalesce(quarantined_rows, 0)::bigint as quarantined_rows
        from v full join {q} q using ({by}region_code, elder_id)
        {'' if by else 'order by region_code, elder_id'}""").to_arrow_table())
    finally:
        if known_on is not None:
            con.unregister("known_dates")


FINDINGS_SQL = """
with v as (select * from validated.visits where month = {m}),
ev as (select region_code, elder_id, event, event_date from validated.status_events),
death as (select region_code, elder_id, min(event_date) as died_on from ev where event = 'died' group by all),
exits as ({exits}),
pauses as (
    select p.region_code, p.elder_id, p.event_date as paused_on,
           (select min(r.event_date) from ev r where r.region_code = p.region_code and r.elder_id = p.elder_id
              and r.event = 'resumed' and r.event_date > p.event_date) as resumed_on
    from ev p where p.event = 'paused'),
found as (
    select v.*, 'visit_after_death' as rule, 'died ' || strftime(d.died_on, '%Y-%m-%d') as evidence
    from v join death d using (region_code, elder_id) where v.checkin_at::date > d.died_on
    union all
    select v.*, 'visit_after_exit', 'left the programme ' || strftime(x.exit_on, '%Y-%m-%d')
    from v join exits x using (region_code, elder_id)
    where v.checkin_at::date > x.exit_on
      and not exists (select 1 from death d where d.region_code = v.region_code and d.elder_id = v.elder_id)
    union all
    select v.*, 'visit_during_pause', 'paused ' || strftime(p.paused_on, '%Y-%m-%d')
        || coalesce(', resumed ' || strftime(p.resumed_on, '%Y-%m-%d'), ', not resumed')
    from v join pauses p using (region_code, elder_id)
    where v.checkin_at::date >= p.paused_on and (p.resumed_on is null or v.checkin_at::date < p.resumed_on)
    union all
    select v.*, 'visit_for_bed_only_elder', '服务类型 家庭养老床位 in ' || e.source_file || ' row ' || e.source_row
    from v join validated.elders e using (region_code, elder_id) where e.service_type = 'bed_only'
    union all
    select v.*, 'visit_for_self_funded_elder', '社会化 in ' || e.source_file || ' row ' || e.source_row
    from v join validated.elders e using (region_code, elder_id) where e.self_funded
    union all
    select v.*, 'open_punch', 'checked in ' || strftime(v.checkin_at, '%Y-%m-%d %H:%M') || ', no check-out'
    from v where v.checkout_at is null
    union all
    select v.*, 'visit_too_short', round(v.duration_min, 1) || ' minutes < ' || l.short_minutes
    from v join visit_limits l using (region_code) where v.duration_min < l.short_minutes
    union all
    select v.*, 'visit_too_long', round(v.duration_min, 1) || ' minutes > ' || l.long_minutes
    from v join visit_limits l using (region_code) where v.duration_min > l.long_minutes
    union all
    select a.*, 'caregiver_overlap', 'caregiver ' || a.caregiver_id || ' also at elder ' || b.elder_id || ' (visit '
        || b.visit_id || ', ' || strftime(b.checkin_at, '%H:%M') || '–' || strftime(b.checkout_at, '%H:%M') || ')'
    from v a join v b on a.region_code = b.region_code and a.caregiver_id = b.caregiver_id
        and a.elder_id <> b.elder_id and a.checkin_at < b.checkout_at and b.checkin_at < a.checkout_at)
select region_code, month, institution_id, elder_id, visit_id, caregiver_id, checkin_at, rule, evidence,
       source_file, source_row
from found
union all
select q.region_code, q.month, null, q.elder_id, q.value, null, null, 'duplicate_punch', q.reason, q.source_file,
       q.source_row
from quarantine.rows q where q.ledger = 'visits' and q.month = {m} and q.rule = 'duplicate_punch'
order by region_code, rule, source_file, source_row
"""


def visit_findings(con: duckdb.DuckDBPyConnection, month: dt.date, rules: dict[str, dict]) -> pl.DataFrame:
    """Every finding of the month: the visit, the rule broken and the evidence, with its file and row."""
    _register_rules(con, rules)
    exits = ELDER_EXIT_SQL.format(events="validated.status_events")
    return pl.from_arrow(con.sql(FINDINGS_SQL.format(m=f"DATE '{month.isoformat()}'", exits=exits)).to_arrow_table())


# ------------------------------------------------------------------------------------------ one definition of a visit
# Policy `visits.open_punch_counts` and the exit rule, shared by the monthly minimums, "served" and 人次: a punch
# without 签退 counts only when the policy says so (it never gives time); a visit after the elder's exit (death,
# move, entry into an institution, termination, not followed by 恢复) never counts: it is a finding.
EXIT_EVENTS_SQL = "('died', 'moved_away', 'institutionalised', 'terminated')"


def elder_exit_sql(events: str, by: str = "") -> str:
    """Per elder (and `by`, a leading key such as "as_of, "): the exit in force (exit_on), NULL when none."""
    return f"""
SELECT {by}region_code, elder_id,
       CASE WHEN last_exit IS NOT NULL AND (last_resume IS NULL OR last_resume <= last_exit) THEN last_exit END AS exit_on
FROM (SELECT {by}region_code, elder_id,
             max(event_date::DATE) FILTER (WHERE event IN {EXIT_EVENTS_SQL}) AS last_exit,
             max(event_date::DATE) FILTER (WHERE event = 'resumed') AS last_resume
      FROM {events} GROUP BY ALL)
"""


ELDER_EXIT_SQL = elder_exit_sql("{events}")


def counts_as_visit(visit: str = "v", exit_on: str = "x.exit_on", open_punch_counts: str = "true") -> str:
    """The SQL predicate of a visit that counts (the one definition, policy visits.open_punch_counts)."""
    return (f"(({visit}.checkout_at IS NOT NULL OR {open_punch_counts}) "
            f"AND ({exit_on} IS NULL OR {visit}.checkin_at::DATE <= {exit_on}))")
