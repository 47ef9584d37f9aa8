"""Re-score the stored person-month facts (`metrics.elder_months`) under other rules, side by side with the rules
in force: shortfall counts, 人次 and rubric points per region, institution, variant and measure, and every
person-month whose verdict changes. One DuckDB query over the whole table; nothing is re-ingested.

Scope under a variant comes from the stored facts alone: a person-month counts when the elder was in service
some days of it (days_in_service > 0: bed-only, self-funded, out-of-window and after-exit months have none) and
either the whole month (partial months excluded) or any part of it (partial months pro-rated, minimums scaled by
days_in_service / days_in_month) — the same decision `eldercare.compliance.scope_of` makes.
"""

from __future__ import annotations

import dataclasses

import duckdb
import polars as pl

from eldercare.compare.variants import IN_FORCE, Rules

VERDICTS = ("below", "meets", "undetermined", "excluded", "no_minimum")
RULES_SCHEMA = {"region_code": pl.Utf8, "variant": pl.Utf8, "label": pl.Utf8, "partial_month": pl.Utf8,
                "unrecorded_time": pl.Utf8, "min_visits": pl.Float64, "min_minutes": pl.Float64,
                "min_medical": pl.Float64, "person_times_min": pl.Int64}
DEDUCTION_SCHEMA = {"region_code": pl.Utf8, "rubric": pl.Utf8, "indicator": pl.Utf8, "metric": pl.Utf8,
                    "deduction_each": pl.Float64, "max_points": pl.Float64, "per_institution": pl.Boolean,
                    "note": pl.Utf8}
SUMMARY_SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "variant": pl.Utf8, "label": pl.Utf8,
                  "measure": pl.Utf8, "rubric": pl.Utf8, "indicator": pl.Utf8, "in_force": pl.Float64,
                  "under_variant": pl.Float64, "difference": pl.Float64, "person_months_changed": pl.Int64,
                  "note": pl.Utf8}
CHANGES_SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "month": pl.Date, "elder_id": pl.Utf8,
                  "name_masked": pl.Utf8, "variant": pl.Utf8, "metric": pl.Utf8, "verdict_in_force": pl.Utf8,
                  "verdict_variant": pl.Utf8, "evidence": pl.Utf8}
MEASURES = {"in_scope_person_months": "person-months counted for the minimums",
            "short_visits": "in-scope person-months below the visit minimum",
            "short_hours": "in-scope person-months below the hours minimum",
            "short_medical_visits": "in-scope person-months below the medical-visit minimum",
            "undetermined_hours": "person-months whose hours verdict is unknown (visits without recorded time)",
            "person_times": "人次: recipients with at least the threshold of visits over the stored months",
            "points": "rubric points of the indicator (max − deduction × short person-months, floor 0)"}

VERDICT_SQL = """
with pm as (
    select em.region_code, em.institution_id, em.month, em.elder_id, em.name_masked, em.scope, em.scope_note,
           em.visits, em.minutes, em.unrecorded_visits, em.medical_visits, em.days_in_service, em.days_in_month,
           r.variant, r.unrecorded_time, r.min_visits, r.min_minutes, r.min_medical,
           em.days_in_service > 0 and (em.days_in_service = em.days_in_month or r.partial_month = 'prorate')
               as counted,
           em.days_in_service::double / em.days_in_month as share
    from metrics.elder_months em join variant_rules r using (region_code)),
long as (
    select *, 'visits' as metric, visits::double as value, min_visits * share as minimum, false as unknown_time
    from pm
    union all
    select *, 'hours', minutes, min_minutes * share, unrecorded_time = 'undetermined' and unrecorded_visits > 0
    from pm
    union all
    select *, 'medical_visits', medical_visits::double, min_medical * share, false from pm)
select region_code, institution_id, month, elder_id, name_masked, scope, scope_note, visits, minutes,
       unrecorded_visits, medical_visits, days_in_service, days_in_month, variant, metric, value,
       case when counted then minimum end as minimum, counted,
       case when not counted then 'excluded' when minimum is null then 'no_minimum'
            when value >= minimum then 'meets' when unknown_time then 'undetermined' else 'below' end as verdict
from long
"""

SUMMARY_SQL = """
with v as (select * from verdicts),
per_unit as (
    select region_code, institution_id, variant, metric,
           count(*) filter (where counted) as in_scope, count(*) filter (where verdict = 'below') as below,
           count(*) filter (where verdict = 'undetermined') as undetermined
    from v group by grouping sets ((region_code, institution_id, variant, metric), (region_code, variant, metric))),
served as (
    select region_code, institution_id, variant, elder_id, sum(visits) as visits
    from v where metric = 'visits' and scope not in ('not_home_service_recipient', 'self_funded') group by all),
person_times as (
    select s.region_code, s.institution_id, s.variant, count(*) filter (where s.visits >= r.person_times_min) as n
    from served s join variant_rules r using (region_code, variant)
    group by grouping sets ((s.region_code, s.institution_id, s.variant), (s.region_code, s.variant))),
changed as (
    select region_code, institution_id, variant, metric, count(*) as n
    from verdict_changes group by grouping sets ((region_code, institution_id, variant, metric),
                                                 (region_code, variant, metric))),
measures as (
    select region_code, institution_id, variant, 'in_scope_person_months' as measure, null as rubric,
           null as indicator, in_scope::double as value, 'visits' as metric
    from per_unit where metric = 'visits'
    union all
    select region_code, institution_id, variant, 'short_' || metric, null, null, below, metric from per_unit
    union all
    select region_code, institution_id, variant, 'undetermined_hours', null, null, undetermined, 'hours'
    from per_unit where metric = 'hours'
    union all
    select region_code, institution_id, variant, 'person_times', null, null, n, null from person_times
    union all
    select p.region_code, p.institution_id, p.variant, 'points', d.rubric, d.indicator,
           greatest(0, d.max_points - d.deduction_each * p.below), d.metric
    from per_unit p join deductions d on d.region_code = p.region_code and d.metric = p.metric
        and (p.institution_id is not null) = d.per_institution and d.deduction_each is not null)
select m.region_code, m.institution_id, m.variant, r.label, m.measure, m.rubric, m.indicator,
       f.value as in_force, m.value as under_variant, m.value - f.value as difference,
       case when m.measure in ('in_scope_person_months', 'person_times', 'undetermined_hours') then null
            else coalesce(c.n, 0) end
           as person_months_changed,
       case when m.measure = 'points' then 'deduction from ' || m.rubric || '.yaml' end as note
from measures m
join measures f on f.variant = 'in_force' and f.region_code = m.region_code
    and f.institution_id is not distinct from m.institution_id and f.measure = m.measure
    and f.rubric is not distinct from m.rubric and f.indicator is not distinct from m.indicator
join variant_rules r on r.region_code = m.region_code and r.variant = m.variant
left join changed c on c.region_code = m.region_code and c.institution_id is not distinct from m.institution_id
    and c.variant = m.variant and c.metric = m.metric
where m.variant <> 'in_force'
order by m.region_code, m.institution_id nulls first, m.variant, m.measure, m.rubric, m.indicator
"""

CHANGES_SQL = """
select b.region_code, b.institution_id, b.month, b.elder_id, b.name_masked, v.variant, v.metric,
       b.verdict as verdict_in_force, v.verdict as verdict_variant,
       b.visits || ' visits, ' || round(b.minutes, 1)::varchar || ' recorded minutes'
       || case when b.unrecorded_visits > 0 then ', ' || b.unrecorded_visits || ' visits without recorded time'
               else '' end
       || ', ' || b.medical_visits || ' medical visits; minimum '
       || coalesce(round(b.minimum, 2)::varchar, '—') || ' → ' || coalesce(round(v.minimum, 2)::varchar, '—')
       || case when b.days_in_service < b.days_in_month
               then '; in service ' || b.days_in_service || ' of ' || b.days_in_month || ' days'
                    || coalesce(' (' || b.scope_note || ')', '') else '' end as evidence
from verdicts b join verdicts v on v.region_code = b.region_code and v.elder_id = b.elder_id and v.month = b.month
    and v.metric = b.metric and v.variant <> 'in_force'
where b.variant = 'in_force' and v.verdict <> b.verdict
"""


def _frame(rows: list, schema: dict) -> pl.DataFrame:
    return pl.DataFrame([dataclasses.asdict(r) if dataclasses.is_dataclass(r) else r for r in rows], schema=schema)


def rescore(con: duckdb.DuckDBPyConnection, rules: list[Rules], deductions: list[dict] | None = None
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(summary side by side with the policy in force, person-months whose verdict changes) for every variant
    of `rules` (which must hold the `in_force` rules of each region). `deductions`: rows of
    `points.deduction_rows` (the rubric indicators whose points are re-scored)."""
    if not any(r.variant == IN_FORCE for r in rules):
        raise ValueError("rescore needs the rules in force of each region")
    con.register("variant_rules", _frame(rules, RULES_SCHEMA))
    con.register("deductions", pl.DataFrame(deductions or [], schema=DEDUCTION_SCHEMA))
    con.execute(f"create or replace temp table verdicts as {VERDICT_SQL}")
    con.execute(f"create or replace temp table verdict_changes as {CHANGES_SQL}")
    summary = pl.from_arrow(con.sql(SUMMARY_SQL).to_arrow_table())
    changes = pl.from_arrow(con.sql("select * from verdict_changes order by region_code, institution_id, variant, "
                                    "metric, month, elder_id").to_arrow_table())
    con.execute("drop table verdicts; drop table verdict_changes")
    return (summary.select([pl.col(n).cast(t) for n, t in SUMMARY_SCHEMA.items()]),
            changes.select([pl.col(n).cast(t) for n, t in CHANGES_SCHEMA.items()]))


IN_FORCE_CHECK_SQL = """
with v as (select * from verdicts where variant = 'in_force'),
stored as (
    select region_code, elder_id, month, 'visits' as metric, below_visits as below from metrics.elder_months
    union all select region_code, elder_id, month, 'hours', below_minutes from metrics.elder_months
    union all select region_code, elder_id, month, 'medical_visits', below_medical_visits from metrics.elder_months)
select s.region_code, s.elder_id, s.month, s.metric, s.below as stored_below, v.verdict
from stored s join v using (region_code, elder_id, month, metric)
where coalesce(s.below, false) <> (v.verdict = 'below')
order by all
"""


def in_force_mismatches(con: duckdb.DuckDBPyConnection, rules: list[Rules]) -> pl.DataFrame:
    """Person-months whose re-scored verdict under the policy in force differs from the stored flags of
    metrics.elder_months: empty when the variant engine reproduces the official rule (its baseline is sound)."""
    con.register("variant_rules", _frame([r for r in rules if r.variant == IN_FORCE], RULES_SCHEMA))
    con.execute(f"create or replace temp table verdicts as {VERDICT_SQL}")
    out = pl.from_arrow(con.sql(IN_FORCE_CHECK_SQL).to_arrow_table())
    con.execute("drop table verdicts")
    return out
