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

# One row per person-month and variant, with the verdicts under the policy in force (b_) and the variant (v_) side
# by side: one pass over the facts, no per-metric copies and no self-join.
VERDICT_SQL = """
with f as (
    select em.region_code, em.institution_id, em.month, em.elder_id, em.name_masked, em.scope, em.scope_note,
           em.visits, em.minutes, em.unrecorded_visits, em.medical_visits, em.days_in_service, em.days_in_month,
           v.variant, em.days_in_service::double / em.days_in_month as share,
           em.days_in_service > 0 and (em.days_in_service = em.days_in_month or b.partial_month = 'prorate')
               as b_counted,
           em.days_in_service > 0 and (em.days_in_service = em.days_in_month or v.partial_month = 'prorate')
               as v_counted,
           b.unrecorded_time = 'undetermined' and em.unrecorded_visits > 0 as b_unknown_time,
           v.unrecorded_time = 'undetermined' and em.unrecorded_visits > 0 as v_unknown_time,
           b.min_visits as b_min_visits, b.min_minutes as b_min_minutes, b.min_medical as b_min_medical,
           v.min_visits as v_min_visits, v.min_minutes as v_min_minutes, v.min_medical as v_min_medical
    from metrics.elder_months em
    join variant_rules b on b.region_code = em.region_code and b.variant = 'in_force'
    join variant_rules v on v.region_code = em.region_code and v.variant <> 'in_force'),
m as (
    select * exclude (b_min_visits, b_min_minutes, b_min_medical, v_min_visits, v_min_minutes, v_min_medical),
           case when b_counted then b_min_visits * share end as b_min_visits,
           case when b_counted then b_min_minutes * share end as b_min_minutes,
           case when b_counted then b_min_medical * share end as b_min_medical,
           case when v_counted then v_min_visits * share end as v_min_visits,
           case when v_counted then v_min_minutes * share end as v_min_minutes,
           case when v_counted then v_min_medical * share end as v_min_medical
    from f)
select *,
       compare_verdict(b_counted, visits, b_min_visits, false) as b_visits,
       compare_verdict(b_counted, minutes, b_min_minutes, b_unknown_time) as b_hours,
       compare_verdict(b_counted, medical_visits, b_min_medical, false) as b_medical_visits,
       compare_verdict(v_counted, visits, v_min_visits, false) as v_visits,
       compare_verdict(v_counted, minutes, v_min_minutes, v_unknown_time) as v_hours,
       compare_verdict(v_counted, medical_visits, v_min_medical, false) as v_medical_visits
from m
"""

VERDICT_MACRO = """
create or replace temp macro compare_verdict(counted, value, minimum, unknown_time) as
    case when not counted then 'excluded' when minimum is null then 'no_minimum' when value >= minimum then 'meets'
         when unknown_time then 'undetermined' else 'below' end
"""

SUMMARY_SQL = """
with counts as (
    select region_code, institution_id, variant,
           count(*) filter (where b_counted) as b_in_scope, count(*) filter (where v_counted) as v_in_scope,
           count(*) filter (where b_visits = 'below') as b_short_visits,
           count(*) filter (where v_visits = 'below') as v_short_visits,
           count(*) filter (where b_hours = 'below') as b_short_hours,
           count(*) filter (where v_hours = 'below') as v_short_hours,
           count(*) filter (where b_medical_visits = 'below') as b_short_medical,
           count(*) filter (where v_medical_visits = 'below') as v_short_medical,
           count(*) filter (where b_hours = 'undetermined') as b_undetermined,
           count(*) filter (where v_hours = 'undetermined') as v_undetermined,
           count(*) filter (where b_visits <> v_visits) as ch_visits,
           count(*) filter (where b_hours <> v_hours) as ch_hours,
           count(*) filter (where b_medical_visits <> v_medical_visits) as ch_medical
    from verdicts group by grouping sets ((region_code, institution_id, variant), (region_code, variant))),
served as (
    select region_code, institution_id, elder_id, sum(visits) as visits from metrics.elder_months
    where scope not in ('not_home_service_recipient', 'self_funded') group by all),
person_times as (
    select s.region_code, s.institution_id, v.variant,
           count(*) filter (where s.visits >= b.person_times_min) as b_n,
           count(*) filter (where s.visits >= v.person_times_min) as v_n
    from served s join variant_rules b on b.region_code = s.region_code and b.variant = 'in_force'
    join variant_rules v on v.region_code = s.region_code and v.variant <> 'in_force'
    group by grouping sets ((s.region_code, s.institution_id, v.variant), (s.region_code, v.variant))),
measures as (
    select region_code, institution_id, variant, 'in_scope_person_months' as measure, null::varchar as rubric,
           null::varchar as indicator, b_in_scope::double as in_force, v_in_scope::double as under_variant,
           null::bigint as changed
    from counts
    union all select region_code, institution_id, variant, 'short_visits', null, null, b_short_visits, v_short_visits,
                     ch_visits from counts
    union all select region_code, institution_id, variant, 'short_hours', null, null, b_short_hours, v_short_hours,
                     ch_hours from counts
    union all select region_code, institution_id, variant, 'short_medical_visits', null, null, b_short_medical,
                     v_short_medical, ch_medical from counts
    union all select region_code, institution_id, variant, 'undetermined_hours', null, null, b_undetermined,
                     v_undetermined, null from counts
    union all select region_code, institution_id, variant, 'person_times', null, null, b_n, v_n, null
              from person_times
    union all
    select c.region_code, c.institution_id, c.variant, 'points', d.rubric, d.indicator,
           greatest(0, d.max_points - d.deduction_each * case d.metric when 'visits' then c.b_short_visits
                    when 'hours' then c.b_short_hours else c.b_short_medical end),
           greatest(0, d.max_points - d.deduction_each * case d.metric when 'visits' then c.v_short_visits
                    when 'hours' then c.v_short_hours else c.v_short_medical end),
           case d.metric when 'visits' then c.ch_visits when 'hours' then c.ch_hours else c.ch_medical end
    from counts c join deductions d on d.region_code = c.region_code
        and (c.institution_id is not null) = d.per_institution and d.deduction_each is not null)
select m.region_code, m.institution_id, m.variant, r.label, m.measure, m.rubric, m.indicator, m.in_force,
       m.under_variant, m.under_variant - m.in_force as difference, m.changed as person_months_changed,
       case when m.measure = 'points' then 'deduction from ' || m.rubric || '.yaml' end as note
from measures m join variant_rules r on r.region_code = m.region_code and r.variant = m.variant
order by m.region_code, m.institution_id nulls first, m.variant, m.measure, m.rubric, m.indicator
"""

CHANGES_SQL = """
with c as (select * from verdicts where b_visits <> v_visits or b_hours <> v_hours
                                       or b_medical_visits <> v_medical_visits),
long as (
    select *, 'visits' as metric, b_visits as vb, v_visits as vv, b_min_visits as mb, v_min_visits as mv from c
    where b_visits <> v_visits
    union all
    select *, 'hours', b_hours, v_hours, b_min_minutes, v_min_minutes from c where b_hours <> v_hours
    union all
    select *, 'medical_visits', b_medical_visits, v_medical_visits, b_min_medical, v_min_medical from c
    where b_medical_visits <> v_medical_visits)
select region_code, institution_id, month, elder_id, name_masked, variant, metric, vb as verdict_in_force,
       vv as verdict_variant,
       visits || ' visits, ' || round(minutes, 1)::varchar || ' recorded minutes'
       || case when unrecorded_visits > 0 then ', ' || unrecorded_visits || ' visits without recorded time'
               else '' end
       || ', ' || medical_visits || ' medical visits; minimum '
       || coalesce(round(mb, 2)::varchar, '—') || ' → ' || coalesce(round(mv, 2)::varchar, '—')
       || case when days_in_service < days_in_month
               then '; in service ' || days_in_service || ' of ' || days_in_month || ' days'
                    || coalesce(' (' || scope_note || ')', '') else '' end as evidence
from long
order by region_code, institution_id, variant, metric, month, elder_id
"""


def _frame(rows: list, schema: dict) -> pl.DataFrame:
    """Rows (dataclasses or dicts) as a frame, column by column (dataclasses.asdict deep-copies every row)."""
    if rows and dataclasses.is_dataclass(rows[0]):
        columns = {name: [getattr(r, name) for r in rows] for name in schema}
    else:
        columns = {name: [r.get(name) for r in rows] for name in schema}
    return pl.DataFrame(columns, schema=schema)


def rescore(con: duckdb.DuckDBPyConnection, rules: list[Rules], deductions: list[dict] | None = None
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(summary side by side with the policy in force, person-months whose verdict changes) for every variant
    of `rules` (which must hold the `in_force` rules of each region). `deductions`: rows of
    `points.deduction_rows` (the rubric indicators whose points are re-scored)."""
    if not any(r.variant == IN_FORCE for r in rules):
        raise ValueError("rescore needs the rules in force of each region")
    con.register("variant_rules", _frame(rules, RULES_SCHEMA))
    con.register("deductions", pl.DataFrame(deductions or [], schema=DEDUCTION_SCHEMA))
    con.execute(VERDICT_MACRO)
    # a view, not a table: each of the two queries reads the facts once, and nothing wide is materialised
    con.execute(f"create or replace temp view verdicts as {VERDICT_SQL}")
    summary = pl.from_arrow(con.sql(SUMMARY_SQL).to_arrow_table())
    changes = pl.from_arrow(con.sql(CHANGES_SQL).to_arrow_table())
    con.execute("drop view verdicts")
    return (summary.select([pl.col(n).cast(t) for n, t in SUMMARY_SCHEMA.items()]),
            changes.select([pl.col(n).cast(t) for n, t in CHANGES_SCHEMA.items()]))


IN_FORCE_CHECK_SQL = """
with stored as (
    select region_code, elder_id, month, below_visits, below_minutes, below_medical_visits from metrics.elder_months)
select s.region_code, s.elder_id, s.month, s.below_visits, s.below_minutes, s.below_medical_visits,
       v.b_visits, v.b_hours, v.b_medical_visits
from stored s join verdicts v using (region_code, elder_id, month)
where coalesce(s.below_visits, false) <> (v.b_visits = 'below')
   or coalesce(s.below_minutes, false) <> (v.b_hours = 'below')
   or coalesce(s.below_medical_visits, false) <> (v.b_medical_visits = 'below')
order by all
"""


def in_force_mismatches(con: duckdb.DuckDBPyConnection, rules: list[Rules]) -> pl.DataFrame:
    """Person-months whose re-scored verdict under the policy in force differs from the stored flags of
    metrics.elder_months: empty when the variant engine reproduces the official rule (its baseline is sound)."""
    in_force = [r for r in rules if r.variant == IN_FORCE]
    same = [dataclasses.replace(r, variant="_in_force_again") for r in in_force]  # a variant equal to the rules
    con.register("variant_rules", _frame(in_force + same, RULES_SCHEMA))
    con.execute(VERDICT_MACRO)
    con.execute(f"create or replace temp table verdicts as {VERDICT_SQL}")
    out = pl.from_arrow(con.sql(IN_FORCE_CHECK_SQL).to_arrow_table())
    con.execute("drop table verdicts")
    return out
