"""Blocking checks on the compliance tables: their contract, and that their counts reconcile with the layer below."""

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from checks.compliance_schemas import ElderMonthRow, VisitFindingRow, VisitShortfallRow
from checks.polars_models import validated
from checks.stored import StoredCheck, stored_check
from resources import Warehouse

MODELS = {"elder_months": ElderMonthRow, "visit_shortfalls": VisitShortfallRow, "visit_findings": VisitFindingRow}


def _md(df: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(20).to_markdown(index=False) if len(df) else "none")


def _contract_check(name: str, model) -> StoredCheck:
    @stored_check(dg.AssetKey(["metrics", name]),
                  "contract",
                  f"The stored rows of metrics.{name} satisfy {model.__name__} (checks/compliance_schemas.py).")
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            frame = pl.from_arrow(con.sql(f"select * from metrics.{name}").to_arrow_table())
        try:
            validated(model, frame)
            failures = pd.DataFrame()
        except pandera.errors.SchemaErrors as err:
            failures = err.failure_cases.to_pandas().astype(str)
        return dg.AssetCheckResult(passed=failures.empty, metadata={"rows": frame.height, "failures": len(failures),
                                                                    "failure_cases": _md(failures)})
    return _check


@stored_check(dg.AssetKey(["metrics", "elder_months"]),
              "visits_reconcile",
              "Per region and month, the visits of metrics.elder_months (counted + not counted by the one "
              "definition of a visit) add up to validated.visits.")
def elder_month_visits_reconcile(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        diff = con.execute("""
            with a as (select region_code, month, sum(visits + uncounted_visits) as person_month_visits
                       from metrics.elder_months group by all),
                 b as (select region_code, month, count(*) as validated_visits from validated.visits
                       where month in (select distinct month from metrics.elder_months) group by all)
            select region_code, month, coalesce(person_month_visits, 0) as person_month_visits,
                   coalesce(validated_visits, 0) as validated_visits
            from a full join b using (region_code, month)
            where coalesce(person_month_visits, 0) <> coalesce(validated_visits, 0) order by all""").df()
    return dg.AssetCheckResult(passed=diff.empty, metadata={"mismatches": _md(diff)})


@stored_check(dg.AssetKey(["metrics", "visit_shortfalls"]),
              "reconciles_with_elder_months",
              "Person-months below each minimum equal the flags in metrics.elder_months.")
def shortfalls_reconcile(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        diff = con.execute("""
            with e as (select region_code, month, institution_id,
                              count(*) filter (where below_visits) as visits,
                              count(*) filter (where below_minutes) as hours,
                              count(*) filter (where below_medical_visits) as medical_visits
                       from metrics.elder_months group by all),
                 e_long as (unpivot e on visits, hours, medical_visits into name metric value flagged)
            select s.region_code, s.month, s.institution_id, s.metric, s.person_months_below, e_long.flagged
            from metrics.visit_shortfalls s join e_long using (region_code, month, institution_id, metric)
            where s.person_months_below <> e_long.flagged order by all""").df()
    return dg.AssetCheckResult(passed=diff.empty, metadata={"mismatches": _md(diff)})


COMPLIANCE_CHECKS = [*(_contract_check(n, m) for n, m in MODELS.items()), elder_month_visits_reconcile,
                     shortfalls_reconcile]
