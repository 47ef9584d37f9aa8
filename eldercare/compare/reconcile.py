"""Reconcile a published evaluation with the rules: per person-month and metric, agree / only_published /
only_computed, with the rule and the evidence that explain it; and the totals side by side.

Set-based DuckDB SQL over `metrics.elder_months` (the person-month facts) and `validated.status_events`.
The published rows arrive as registered frames (see `published.py`).
"""

from __future__ import annotations

import duckdb
import polars as pl

from eldercare.compliance import SCOPE_LABELS
from eldercare.ledgers import EVENTS

VERDICTS = ("agree", "only_published", "only_computed")
# Why a published person-month is not a computed shortfall (besides the scope codes of metrics.elder_months).
RULES = {
    "below_minimum": "in scope and below the minimum: a shortfall by the written rule",
    "meets_minimum": "in scope and at or above the minimum: not a shortfall by the written rule",
    "no_minimum": "the region sets no minimum for this metric",
    "no_person_month": "no home-service person-month: the elder has no visits and is not a home-service recipient",
    "unknown_elder": "服务对象编号 not in the elder ledger (服务对象台账) of the region",
    **SCOPE_LABELS,
}
# One Chinese spelling per status event code, as a reviewer reads it in the ledger (去世 2022-06-05).
EVENT_NAMES = {code: zh for zh, code in reversed(list(EVENTS.items()))}

SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "month": pl.Date, "elder_id": pl.Utf8,
          "name_masked": pl.Utf8, "metric": pl.Utf8, "verdict": pl.Utf8, "rule": pl.Utf8, "rule_text": pl.Utf8,
          "evidence": pl.Utf8, "published_value": pl.Float64, "computed_value": pl.Float64, "minimum": pl.Float64,
          "scope": pl.Utf8, "source_file": pl.Utf8, "source_row": pl.Int64}

# Per metric: the shortfall flag, the value and the minimum in the unit the evaluator prints (hours, not minutes).
FACTS_SQL = """
select em.*, m.metric,
       case m.metric when 'visits' then em.below_visits when 'hours' then em.below_minutes
            else em.below_medical_visits end as below,
       case m.metric when 'visits' then em.visits::double when 'hours' then em.minutes / 60
            else em.medical_visits::double end as computed_value,
       case m.metric when 'visits' then em.min_visits when 'hours' then em.min_minutes / 60
            else em.min_medical_visits end as minimum,
       em.visits || ' visits, ' || round(em.minutes, 1)::varchar || ' recorded minutes'
           || case when em.unrecorded_visits > 0 then ' (' || em.unrecorded_visits || ' visits without recorded time)'
                   else '' end
           || ', ' || em.medical_visits || ' medical visits' as counted
from metrics.elder_months em join compared_metrics m using (region_code)
"""

RECONCILE_SQL = f"""
with facts as ({FACTS_SQL}),
computed as (select * from facts where below),
ev as (
    select region_code, elder_id, date_trunc('month', event_date)::date as month,
           string_agg(n.name || ' ' || strftime(event_date, '%Y-%m-%d'), ', ' order by event_date) as events
    from validated.status_events join event_names n using (event) group by all),
held as (
    select region_code, elder_id, string_agg(distinct rule, ', ' order by rule) as rules
    from quarantine.rows where ledger = 'elders' and elder_id is not null group by all),
pairs as (
    select coalesce(p.region_code, c.region_code) as region_code, coalesce(p.elder_id, c.elder_id) as elder_id,
           coalesce(p.month, c.month) as month, coalesce(p.metric, c.metric) as metric,
           p.institution_id as published_institution, p.published_value, p.source_file, p.source_row,
           p.elder_id is not null as published, c.elder_id is not null as computed
    from published_shortfalls p
    full join computed c on p.region_code = c.region_code and p.elder_id = c.elder_id and p.month = c.month
        and p.metric = c.metric),
joined as (
    select pr.*, f.institution_id as fact_institution, f.name_masked, f.scope, f.scope_note, f.in_scope, f.below,
           f.computed_value, f.minimum, f.counted, ev.events, e.elder_id is not null as known_elder, e.service_type,
           held.rules as quarantined_as
    from pairs pr
    left join facts f on f.region_code = pr.region_code and f.elder_id = pr.elder_id and f.month = pr.month
        and f.metric = pr.metric
    left join ev on ev.region_code = pr.region_code and ev.elder_id = pr.elder_id and ev.month = pr.month
    left join validated.elders e on e.region_code = pr.region_code and e.elder_id = pr.elder_id
    left join held on held.region_code = pr.region_code and held.elder_id = pr.elder_id),
judged as (
    select *,
        case when published and computed then 'agree' when published then 'only_published'
             else 'only_computed' end as verdict,
        case when computed then 'below_minimum'
             when not known_elder then 'unknown_elder'
             when scope is null then 'no_person_month'
             when not in_scope then scope
             when below is null then 'no_minimum'
             else 'meets_minimum' end as rule
    from joined)
select region_code, coalesce(fact_institution, published_institution) as institution_id, month, elder_id,
       name_masked, metric, verdict, rule, r.text as rule_text,
       case
         when verdict = 'agree' then counted || ': below the minimum ' || round(minimum, 2)::varchar
              || ', in the published list'
              || case when round(abs(published_value - computed_value), 6) > 0.05  -- printed to 0.1 h
                      then '; published 数值 ' || published_value::varchar || ', counted '
                           || round(computed_value, 2)::varchar else '' end
         when verdict = 'only_computed' then counted || ': below the minimum ' || round(minimum, 2)::varchar
              || ', not in the published list'
         when rule = 'unknown_elder' then '服务对象编号 ' || elder_id || ' is not in the elder ledger'
              || coalesce(' (its ledger row is in quarantine: ' || quarantined_as || ')', '')
         when rule = 'no_person_month' then 'service type ' || coalesce(service_type, '?')
              || ', no visits recorded in ' || strftime(month, '%Y-%m')
         when rule = 'meets_minimum' then counted || ': meets the minimum ' || round(minimum, 2)::varchar
              || ', yet in the published list'
              || case when published_value is not null then ' (published 数值 ' || published_value::varchar || ')'
                      else '' end
         when rule = 'no_minimum' then counted || ': no minimum set for this metric'
         else r.text || ': ' || coalesce(events, scope_note, counted)
       end
       || case when published_institution is not null and fact_institution is not null
                    and published_institution <> fact_institution
               then '; published under ' || published_institution || ', the ledger says ' || fact_institution
               else '' end as evidence,
       published_value, computed_value, minimum, scope, source_file, source_row
from judged join rule_texts r using (rule)
order by region_code, institution_id, metric, month, elder_id
"""


def _register(con: duckdb.DuckDBPyConnection, shortfalls: pl.DataFrame, compared: pl.DataFrame) -> None:
    con.register("published_shortfalls", shortfalls)
    con.register("compared_metrics", compared)
    con.register("event_names", pl.DataFrame({"event": list(EVENT_NAMES), "name": list(EVENT_NAMES.values())}))
    con.register("rule_texts", pl.DataFrame({"rule": list(RULES), "text": list(RULES.values())}))


def compared_metrics(shortfalls: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Per region, the metrics the evaluator published something for (a listed row or a total): only those are
    compared, so a report that lists visits only is not charged with every hours shortfall."""
    return pl.concat([shortfalls.select("region_code", "metric"), totals.select("region_code", "metric")]).unique()


def reconcile(con: duckdb.DuckDBPyConnection, shortfalls: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """One row per person-month and metric that is a shortfall in the published list, by the rules, or both."""
    _register(con, shortfalls, compared_metrics(shortfalls, totals))
    return pl.from_arrow(con.sql(RECONCILE_SQL).to_arrow_table()).select(
        [pl.col(n).cast(t) for n, t in SCHEMA.items()])


TOTALS_SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "metric": pl.Utf8, "published_total": pl.Int64,
                 "published_listed": pl.Int64, "computed": pl.Int64, "agree": pl.Int64, "only_published": pl.Int64,
                 "only_computed": pl.Int64, "difference": pl.Int64, "note": pl.Utf8}

TOTALS_SQL = """
with counts as (
    select region_code, institution_id, metric,
           count(*) filter (where verdict <> 'only_computed') as published_listed,
           count(*) filter (where verdict <> 'only_published') as computed,
           count(*) filter (where verdict = 'agree') as agree,
           count(*) filter (where verdict = 'only_published') as only_published,
           count(*) filter (where verdict = 'only_computed') as only_computed
    from listing group by grouping sets ((region_code, institution_id, metric), (region_code, metric))),
stated as (
    select region_code, institution_id, metric, sum(published_total) as published_total
    from published_totals group by grouping sets ((region_code, institution_id, metric), (region_code, metric)))
select coalesce(c.region_code, s.region_code) as region_code,
       coalesce(c.institution_id, s.institution_id) as institution_id, coalesce(c.metric, s.metric) as metric,
       s.published_total,
       coalesce(c.published_listed, 0) as published_listed, coalesce(c.computed, 0) as computed,
       coalesce(c.agree, 0) as agree, coalesce(c.only_published, 0) as only_published,
       coalesce(c.only_computed, 0) as only_computed,
       coalesce(c.computed, 0) - coalesce(s.published_total, c.published_listed, 0) as difference,
       case when s.published_total is null then 'no published total: compared with the listed person-months'
            when s.published_total <> coalesce(c.published_listed, 0)
            then 'the published total (' || s.published_total || ') differs from the person-months it lists ('
                 || coalesce(c.published_listed, 0) || ')'
       end as note
from counts c full join stated s on s.region_code = c.region_code and s.metric = c.metric
    and s.institution_id is not distinct from c.institution_id
order by region_code, institution_id nulls first, metric
"""


def totals_side_by_side(con: duckdb.DuckDBPyConnection, listing: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Per region (institution_id NULL) and institution and metric: the published total, the person-months it
    lists, the computed count, the verdict counts, and computed − published."""
    con.register("listing", listing)
    con.register("published_totals", totals)
    return pl.from_arrow(con.sql(TOTALS_SQL).to_arrow_table()).select(
        [pl.col(n).cast(t) for n, t in TOTALS_SCHEMA.items()])
