"""Programme metrics: `metrics.<name>` (one row per region and per institution) and `metrics.<name>_detail` lists.

Thin wiring: read the validated tables by SQL, compute with eldercare.metrics.programme, validate with the pandera
models of checks/metric_schemas.py (a breach fails the asset), replace the tables in one transaction.
"""

from dataclasses import dataclass
from typing import Callable

import dagster as dg
import pandas as pd
import pandera.errors

from assets.metadata import column_schema, md
from checks.metric_schemas import METRIC_DETAIL_MODELS, FigureRow, MetricRow
from eldercare.metrics import figures as figures_module
from eldercare.metrics import programme
from eldercare.metrics.settings import RegionSettings as FigureSettings
from eldercare.metrics.programme import RegionSettings
from eldercare.policy import policy_for
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

GROUP = "metrics"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
KINDS = {"pandas", "duckdb"}
PREVIEW_ROWS = 40

# Each input read by explicit SQL from the validated tables; visits arrive pre-aggregated per elder.
INPUT_SQL = {
    "institutions": "select region_code, institution_id, name, contract_amount_yuan, planned_beds "
                    "from validated.institutions",
    "elders": "select region_code, elder_id, institution_id, birth_date, hardship, ability_level, ability_legacy, "
              "service_type, enrolled_on, self_funded from validated.elders",
    "beds": "select region_code, elder_id, institution_id, planned_completion, started_on, completed_on, accepted_on, "
            "acceptance, accepted_amount_yuan, paid_amount_yuan, previously_renovated from validated.beds",
    "bed_items": "select region_code, elder_id, category, item, quantity, amount_yuan, personalised, in_info_system "
                 "from validated.bed_items",
    "funds": "select region_code, date, kind, source, institution_id, amount_yuan, document, purpose "
             "from validated.funds",
    "survey": "select region_code, questionnaire_id, institution_id, surveyed_on, q1, q2, q3, q4, q5, q6, valid "
              "from validated.survey",
    "visit_counts": "select region_code, elder_id, count(*) as visits from validated.visits "
                    "where checkout_at is not null group by all",
}
INPUT_TABLE = {"visit_counts": "visits"}


@dataclass(frozen=True)
class MetricSpec:
    """A metric asset: its inputs, its computation and what a reviewer reads about it."""

    name: str
    inputs: tuple[str, ...]
    compute: Callable[[dict, dict], object]
    description: str


SPECS = [
    MetricSpec("coverage", ("institutions", "elders", "beds", "visit_counts"),
               lambda t, s: programme.coverage(t["elders"], t["beds"], t["visit_counts"], t["institutions"], s),
               "家庭养老床位建设覆盖率 and 上门服务覆盖率: beds built (实际完成日期 set) for eligible elders, and eligible "
               "elders registered for home visits with ≥1 checked-out visit, each ÷ region.yaml "
               "baseline.disabled_low_income_elders; plus the share of registered elders meeting the eligibility rules "
               "(age ≥60 at 纳入日期, hardship, 失能/部分失能 per policy). Self-funded (社会化) elders are excluded; "
               "legacy-scale ability levels are 'undetermined', never guessed. Detail: every ineligible or "
               "undetermined registration (a finding). Missing or zero baseline: not computable."),
    MetricSpec("cost_per_bed", ("institutions", "beds"),
               lambda t, s: programme.cost_per_bed(t["beds"], t["institutions"], s),
               "户均成本 (元/床): sum of 实际支付金额 of built beds ÷ built beds that have a paid amount, per institution "
               "and region, with the share of beds above region.yaml bed_subsidy_cap_yuan. Beds not built or without "
               "a paid amount are excluded (counted in each row's definition). Detail: the beds above the cap."),
    MetricSpec("cost_per_recipient", ("institutions", "elders", "funds", "visit_counts"),
               lambda t, s: programme.cost_per_recipient(t["funds"], t["elders"], t["visit_counts"],
                                                         t["institutions"], s),
               "人均成本 (元/人): funds paid (拨付) with 用途 上门服务 ÷ elders registered for home visits (not "
               "self-funded) with ≥1 checked-out visit, eligible or not. Allocations, receipts, spending and other "
               "用途 are excluded. No such payments or no elder served: not computable."),
    MetricSpec("budget_execution", ("institutions", "funds"),
               lambda t, s: programme.budget_execution(t["funds"], t["institutions"], s),
               "Funds 下达/到位/拨付/支出 by region, source (中央/省级/市级/县级/其他) and institution, and two execution "
               "rates, named by their document: rubric_execution_rate = 支出 ÷ 到位 (the evaluation rubric's 预算执行率) "
               "and self_evaluation_execution_rate = 全年执行数 (支出) ÷ 全年预算数 (下达 total; targets.budget_wan × 10000 "
               "when nothing is allocated) of the 自评表. Per institution: 支出 ÷ 拨付 to it and 支出 ÷ 合同金额. "
               "Detail: the totals per source and institution."),
    MetricSpec("satisfaction", ("institutions", "survey"),
               lambda t, s: programme.satisfaction(t["survey"], t["institutions"], s),
               "满意度: questionnaires issued (= returned: the ledger holds the handed-back ones), valid (有效), mean "
               "weighted score of the valid ones (weights from policy survey.weights, Zhoucun 18/13/8/2/0 and "
               "10/7/4/1/0 for q6) and satisfaction = mean ÷ max score, per institution and overall, computed exactly "
               "(the evaluator's per-question rounding is not applied). Detail: per-question tallies and mean points."),
    MetricSpec("bed_timeliness", ("institutions", "beds"),
               lambda t, s: programme.bed_timeliness(t["beds"], t["institutions"], s),
               "工作完成时效: days late per bed (实际完成日期 − 计划完成日期, early counts 0), mean and max per institution "
               "and region over completed beds, share of late beds, beds not completed, not accepted (no 验收结果), "
               "failed, and the acceptance pass rate (合格 ÷ beds with a 验收结果). Detail: each late, unfinished, "
               "unaccepted or failed bed."),
    MetricSpec("renovation_overspend", ("institutions", "beds"),
               lambda t, s: programme.renovation_overspend(t["beds"], t["institutions"], s),
               "Per institution and region: 实际支付金额 vs 验收金额 over beds that have both, and the difference "
               "(paid − accepted, positive = paid above what was accepted). Beds missing either amount are excluded "
               "from the sums. Detail: beds paid above their 验收金额 and beds paid without one."),
    MetricSpec("information_system_share", ("institutions", "beds", "bed_items"),
               lambda t, s: programme.information_system_share(t["bed_items"], t["beds"], t["institutions"], s),
               "全过程信息化管理程度 (indicator 8 of the 绩效目标申报表): bed items (rows of 床位改造明细) recorded in the "
               "information system ÷ bed items whose 已录入信息系统 is filled; items with the flag empty are excluded."),
    MetricSpec("personalisation_share", ("institutions", "beds", "bed_items"),
               lambda t, s: programme.personalisation_share(t["bed_items"], t["beds"], t["institutions"], s),
               "满足服务对象个性化服务需求程度 (indicator 9 of the 绩效目标申报表): personalised bed items ÷ bed items whose "
               "是否个性化 is filled; items with the flag empty are excluded."),
    MetricSpec("double_renovation", ("institutions", "beds"),
               lambda t, s: programme.double_renovation(t["beds"], t["institutions"], s),
               "重复改造: beds for homes already renovated under the earlier 适老化改造 programme (已享受适老化改造 = 是), "
               "their count, share of all beds and what was paid for them. Detail: the beds (a finding)."),
]


def region_settings(raw_folder: RawFolder) -> dict[str, RegionSettings]:
    """Baseline, targets, cap and policy of every accepted region, from its region.yaml."""
    accepted, _ = raw_folder.regions()
    return {r.code: RegionSettings.from_region(r, policy_for(r.settings)) for r in accepted}


def read_inputs(con, names) -> dict[str, pd.DataFrame | None]:
    """The validated tables a metric reads (None for a table never created)."""
    existing = {name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'validated'").fetchall()}
    return {n: con.execute(INPUT_SQL[n]).df() if INPUT_TABLE.get(n, n) in existing else None for n in names}


def validate(frame: pd.DataFrame, model, table: str) -> pd.DataFrame:
    """The frame coerced by its pandera model; a breach fails the asset with every failing case listed."""
    try:
        return model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        raise dg.Failure(description=f"{table} breaks its contract ({len(err.failure_cases)} failures)",
                         metadata={"failure_cases": md(err.failure_cases.astype(str).head(PREVIEW_ROWS))}) from err


def display(rows: pd.DataFrame) -> pd.DataFrame:
    """Metric rows for people: ratios as %, other values to 2 decimals (stored values stay exact)."""
    out = rows[["region_code", "institution_id", "metric", "label", "numerator", "denominator", "value", "unit",
                "why_not"]].copy()
    shown = []
    for value, unit in zip(out["value"], out["unit"]):
        if pd.isna(value):
            shown.append("—")
        elif unit == "ratio":
            shown.append(f"{value * 100:.2f}%")
        elif float(value).is_integer():
            shown.append(f"{value:,.0f} {unit}")
        else:
            shown.append(f"{value:,.2f} {unit}")
    out["value"] = shown
    for col in ("numerator", "denominator"):
        out[col] = [("" if pd.isna(v) else f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}") for v in out[col]]
    return out.drop(columns=["unit"])


def build_metric_asset(spec: MetricSpec) -> dg.AssetsDefinition:
    """The asset writing `metrics.<name>` (and `metrics.<name>_detail` when the metric has a list)."""
    detail_model = METRIC_DETAIL_MODELS.get(spec.name)
    deps = [dg.AssetKey(["validated", "regions"])] + [
        dg.AssetKey(["validated", INPUT_TABLE.get(n, n)]) for n in spec.inputs]
    metadata = {"dagster/column_schema": column_schema(MetricRow.to_schema()), "table": f"metrics.{spec.name}"}
    if detail_model is not None:
        metadata["detail_table"] = f"metrics.{spec.name}_detail"

    @dg.asset(key=["metrics", spec.name], group_name=GROUP, owners=OWNERS, kinds=KINDS, pool=POOL,
              deps=list(dict.fromkeys(deps)), description=spec.description, metadata=metadata)
    def _asset(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
        settings = region_settings(raw_folder)
        with warehouse.connect() as con:
            tables = read_inputs(con, spec.inputs)
        out = spec.compute(tables, settings)
        rows, detail = out if isinstance(out, tuple) else (out, None)
        rows = validate(rows, MetricRow, f"metrics.{spec.name}")
        if detail_model is not None:
            detail = validate(detail, detail_model, f"metrics.{spec.name}_detail")
        with warehouse.transaction() as con:
            con.execute(table_ddl(MetricRow.to_schema(), f"metrics.{spec.name}"))
            replace_slice(con, f"metrics.{spec.name}", rows)
            if detail_model is not None:
                con.execute(table_ddl(detail_model.to_schema(), f"metrics.{spec.name}_detail"))
                replace_slice(con, f"metrics.{spec.name}_detail", detail)
        missing = [r for r in settings if not (rows["region_code"] == r).any()]
        if missing:
            context.log.warning(f"no metric rows for regions {missing}")
        meta = {
            "dagster/row_count": len(rows),
            "regions": int(rows["region_code"].nunique()),
            "not_computable": int((~rows["computable"]).sum()),
            "region_rows": md(display(rows[rows["institution_id"].isna()]).head(PREVIEW_ROWS)),
            "preview": md(display(rows).head(PREVIEW_ROWS)),
        }
        if detail_model is not None:
            meta["detail_rows"] = len(detail)
            meta["detail_preview"] = md(detail.head(PREVIEW_ROWS).astype(str))
        return dg.MaterializeResult(metadata=meta)

    return _asset


PROGRAMME_METRIC_ASSETS = [build_metric_asset(spec) for spec in SPECS]


# ------------------------------------------------------------------------------------------ metrics.figures

FIGURE_SOURCES = {name: f"validated.{name}" for name in figures_module.INPUTS if name not in ("elder_months",)}
FIGURE_SOURCES["elder_months"] = "metrics.elder_months"
FIGURE_DEPS = [dg.AssetKey(["validated", n]) for n in ("regions", "institutions", "elders", "status_events", "beds",
                                                        "bed_items", "funds", "survey", "visits")]


def figure_settings(raw_folder: RawFolder) -> dict[str, FigureSettings]:
    """Baseline, targets, cap, survey issued, 人次 period and the validated policy of every accepted region."""
    return {r.code: FigureSettings.from_region(r) for r in raw_folder.regions()[0]}


@dg.asset(key=["metrics", "figures"], group_name=GROUP, owners=OWNERS, kinds=KINDS, pool=POOL,
          deps=[*FIGURE_DEPS, dg.AssetKey(["metrics", "elder_months"])],
          metadata={"dagster/column_schema": column_schema(FigureRow.to_schema()), "table": "metrics.figures"})
def figures(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every programme figure in one long table: one row per region × institution (empty = the whole region) ×
    metric, with numerator, denominator, value, unit, a definition saying what was counted and excluded, computable /
    why not, and `policy` naming the keys that decide it. Figures: eligibility share; beds built (eligible elders,
    ÷ 计划床位数), bed coverage (÷ baseline.disabled_low_income_elders), cost per bed, beds above the cap on the items of
    policy beds.cap_categories, timeliness and acceptance, paid vs accepted, double renovation (only items of
    beds.double_renovation_categories), items in the information system / personalised (indicators 8, 9; blank flags
    stay in the denominator); home-service recipients (policy home_service.recipients), coverage, cost per recipient,
    人次 in both units (policy person_times.unit is held against the target) over project_period with the one
    definition of a visit (visits.open_punch_counts; visits after an exit never count), cost per 人次, in-scope
    person-months below each minimum; funds 下达/到位/拨付/支出/机构支出, rubric rate 支出 ÷ 到位, self-evaluation rate
    支出 ÷ 下达, per source where both sides carry it; survey issued (region.yaml survey_issued), returned, valid,
    satisfaction overall / bed / home recipients, awareness 知晓率; each target of region.yaml met or not. A figure
    with a missing input is not computable with the reason, never 0.
    """
    settings = figure_settings(raw_folder)
    with warehouse.connect() as con:
        existing = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        figures_module.input_views(con, {n: (t if t in existing else None) for n, t in FIGURE_SOURCES.items()})
        rows = figures_module.compute(con, settings)
    rows = validate(rows, FigureRow, "metrics.figures")
    with warehouse.transaction() as con:
        con.execute(table_ddl(FigureRow.to_schema(), "metrics.figures"))
        replace_slice(con, "metrics.figures", rows)
    region_rows = rows[rows["institution_id"].isna()]
    context.log.info(f"metrics.figures: {len(rows)} rows, {int((~rows['computable']).sum())} not computable")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows),
        "regions": int(rows["region_code"].nunique()),
        "not_computable": int((~rows["computable"]).sum()),
        "region_figures": md(display(region_rows).head(80)),
        "not_computable_reasons": md(region_rows.loc[~region_rows["computable"], ["metric", "why_not"]].head(40)),
    })


PROGRAMME_METRIC_ASSETS.append(figures)
