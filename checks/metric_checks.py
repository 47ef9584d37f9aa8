"""Blocking checks on metrics.figures: the stored rows keep their pandera contract, money reconciles with ledgers.

Reconciliation recomputes the totals in SQL straight from the validated ledgers, so a metric that silently drops
or double-counts rows fails its check.
"""

import math

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from checks.metric_schemas import METRIC_DETAIL_MODELS, FigureRow
from checks.polars_models import validated
from checks.stored import StoredCheck, stored_check
from resources import Warehouse

MAX_LISTED = 20
TOLERANCE_YUAN = 0.005  # half a fen: float sums in pandas and DuckDB may differ in the last bits


def _md(df: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(MAX_LISTED).to_markdown(index=False) if len(df) else "none")


FIGURES = dg.AssetKey(["metrics", "figures"])


def build_contract_check() -> StoredCheck:
    """The stored metrics.figures and its detail lists still satisfy their pandera polars models; every failing case
    listed."""
    tables = [("metrics.figures", FigureRow)] + [(f"metrics.{n}_detail", m) for n, m in METRIC_DETAIL_MODELS.items()]

    @stored_check(FIGURES,
                  "contract",
                  "The stored rows satisfy checks/metric_schemas.py: rates in [0, 1], non-negative "
                  "money and counts, why_not set exactly when a figure is not computable.")
    def contract(warehouse: Warehouse) -> dg.AssetCheckResult:
        failures, counts = [], {}
        with warehouse.connect() as con:
            for table, model in tables:
                frame = pl.from_arrow(con.sql(f"select * from {table}").to_arrow_table())
                counts[table] = frame.height
                try:
                    validated(model, frame)
                except pandera.errors.SchemaErrors as err:
                    failures.append(err.failure_cases.with_columns(table=pl.lit(table)))
        fc = pl.concat(failures, how="diagonal_relaxed").to_pandas() if failures else pd.DataFrame()
        return dg.AssetCheckResult(passed=fc.empty, metadata={
            **{f"rows {t}": n for t, n in counts.items()}, "failures": len(fc), "failure_cases": _md(fc.astype(str))})

    return contract


def _compare(expected: pd.DataFrame, stored: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Rows where the stored figure differs from the one recomputed from the ledgers (missing counts as 0)."""
    both = expected.merge(stored, on=on, how="outer", suffixes=("_ledger", "_metric"))
    both = both.fillna({"amount_ledger": 0.0, "amount_metric": 0.0})
    bad = [not math.isclose(a, b, abs_tol=TOLERANCE_YUAN) for a, b in zip(both.amount_ledger, both.amount_metric)]
    return both[bad]


def _reconcile_result(bad: pd.DataFrame, compared: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bad.empty, metadata={"figures_compared": compared, "mismatches": len(bad),
                                                           "differences": _md(bad)})


def _stored(con, table: str, column: str, metrics: list[str], region_level: bool = True) -> pd.DataFrame:
    marks = ", ".join("?" for _ in metrics)
    scope = "institution_id is null" if region_level else "institution_id is not null"
    return con.execute(f"select region_code, metric, coalesce({column}, 0) as amount from {table} "
                       f"where metric in ({marks}) and {scope}", metrics).df()


@stored_check(FIGURES,
              "cost_per_bed_reconciles_with_beds",
              "Per region, the cost_per_bed numerator = sum(validated.beds.paid_amount_yuan) of built "
              "beds and the denominator = their count; the institutions' numerators add up to it.")
def cost_per_bed_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        ledger = con.execute("""
            select region_code, 'cost_per_bed' as metric, sum(paid_amount_yuan) as amount from validated.beds
            where completed_on is not null and paid_amount_yuan is not null group by all
            union all
            select region_code, 'built_priced_beds', count(*) from validated.beds
            where completed_on is not null and paid_amount_yuan is not null group by all
            union all
            select region_code, 'institutions_sum', sum(paid_amount_yuan) from validated.beds
            where completed_on is not null and paid_amount_yuan is not null group by all""").df()
        stored = con.execute("""
            select region_code, 'cost_per_bed' as metric, numerator as amount from metrics.figures
            where metric = 'cost_per_bed' and institution_id is null
            union all
            select region_code, 'built_priced_beds', denominator from metrics.figures
            where metric = 'cost_per_bed' and institution_id is null
            union all
            select region_code, 'institutions_sum', sum(numerator) from metrics.figures
            where metric = 'cost_per_bed' and institution_id is not null group by all""").df()
    return _reconcile_result(_compare(ledger, stored, ["region_code", "metric"]), len(ledger))


@stored_check(FIGURES,
              "cost_per_recipient_reconciles_with_funds",
              "Per region, the cost_per_recipient numerator = sum of validated.funds 拨付 (paid) rows "
              "with 用途 上门服务; per institution, the rows paid to that institution.")
def cost_per_recipient_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        ledger = con.execute("""
            select region_code, '' as institution_id, sum(amount_yuan) as amount from validated.funds
            where kind = 'paid' and purpose = 'home_visits' group by all
            union all
            select region_code, institution_id, sum(amount_yuan) from validated.funds
            where kind = 'paid' and purpose = 'home_visits' and institution_id is not null group by all""").df()
        stored = con.execute("""
            select region_code, coalesce(institution_id, '') as institution_id, numerator as amount
            from metrics.figures where metric = 'cost_per_recipient'""").df()
    return _reconcile_result(_compare(ledger, stored, ["region_code", "institution_id"]), len(ledger))


@stored_check(FIGURES,
              "budget_reconciles_with_funds",
              "Per region, 下达/到位/拨付/支出/机构支出 totals equal the sums of validated.funds by kind, "
              "and the detail table adds up to the same totals.")
def budget_execution_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        ledger = con.execute("""
            select region_code, kind || '_yuan' as metric, sum(amount_yuan) as amount from validated.funds group by all
            union all
            select region_code, 'detail_' || kind, sum(amount_yuan) from validated.funds group by all""").df()
        stored = con.execute("""
            select region_code, metric, value as amount from metrics.figures
            where institution_id is null and metric in ('allocated_yuan', 'received_yuan', 'paid_yuan', 'spent_yuan',
                                                        'institution_spent_yuan') and computable
            union all
            select region_code, 'detail_' || kind, amount from (
              unpivot (select region_code, sum(allocated_yuan) as allocated, sum(received_yuan) as received,
                              sum(paid_yuan) as paid, sum(spent_yuan) as spent,
                              sum(institution_spent_yuan) as institution_spent
                       from metrics.budget_execution_detail group by all)
              on allocated, received, paid, spent, institution_spent into name kind value amount)
            where amount <> 0""").df()
    return _reconcile_result(_compare(ledger, stored, ["region_code", "metric"]), len(ledger))


@stored_check(FIGURES,
              "overspend_reconciles_with_beds",
              "Per region and institution, paid and accepted totals equal the sums of validated.beds "
              "over beds with both amounts, and the difference is paid − accepted.")
def renovation_overspend_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        ledger = con.execute("""
            with b as (select region_code, institution_id, paid_amount_yuan as p, accepted_amount_yuan as a
                       from validated.beds where p is not null and a is not null),
            s as (select region_code, '' as institution_id, sum(p) as p, sum(a) as a from b group by all
                  union all
                  select region_code, institution_id, sum(p), sum(a) from b group by all)
            select region_code, institution_id, 'renovation_paid_yuan' as metric, p as amount from s
            union all select region_code, institution_id, 'renovation_accepted_yuan', a from s
            union all select region_code, institution_id, 'renovation_overspend_yuan', p - a from s""").df()
        stored = con.execute("""
            select region_code, coalesce(institution_id, '') as institution_id, metric, coalesce(value, 0) as amount
            from metrics.figures
            where metric in ('renovation_paid_yuan', 'renovation_accepted_yuan', 'renovation_overspend_yuan')""").df()
    return _reconcile_result(_compare(ledger, stored, ["region_code", "institution_id", "metric"]), len(ledger))


@stored_check(FIGURES,
              "double_renovation_reconciles_with_beds",
              "Per region, the double-renovation beds and amounts equal the listed beds (each marked "
              "已享受适老化改造 in validated.beds) and the sum of their double items.")
def double_renovation_reconciles(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        ledger = con.execute("""
            select d.region_code, 'double_renovation_beds' as metric, count(*)::double as amount
            from metrics.double_renovation_detail d
            join validated.beds b using (region_code, elder_id) where b.previously_renovated group by all
            union all
            select region_code, 'double_renovation_paid_yuan', sum(double_items_yuan)
            from metrics.double_renovation_detail group by all""").df()
        stored = con.execute("""
            select region_code, metric, value as amount from metrics.figures
            where institution_id is null and metric in ('double_renovation_beds', 'double_renovation_paid_yuan')
              and computable and value > 0""").df()
    return _reconcile_result(_compare(ledger, stored, ["region_code", "metric"]), len(ledger))


PROGRAMME_METRIC_CHECKS = [build_contract_check(),
    cost_per_bed_reconciles, cost_per_recipient_reconciles, budget_execution_reconciles,
    renovation_overspend_reconciles, double_renovation_reconciles,
]
