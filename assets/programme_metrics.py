"""Programme figures: `metrics.figures` (one long table) and the detail lists behind it (`metrics.<topic>_detail`).

Thin wiring: lay the validated tables out as the figures' inputs, compute with eldercare.metrics.figures (DuckDB SQL
over whole tables), validate as polars with the pandera models of checks/metric_schemas.py (a breach fails the asset),
replace the tables in one transaction.
"""

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from assets.metadata import column_schema, md
from checks.metric_checks import PROGRAMME_METRIC_CHECKS
from checks.metric_schemas import METRIC_DETAIL_MODELS, FigureRow
from checks.polars_models import validated
from checks.stored import evaluate, specs
from eldercare.metrics import figures as figures_module
from eldercare.metrics.settings import RegionSettings as FigureSettings
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

GROUP = "metrics"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
KINDS = {"pandas", "duckdb"}
PREVIEW_ROWS = 40


def validate(frame: pd.DataFrame | pl.DataFrame, model, table: str) -> pl.DataFrame:
    """The frame as polars, coerced by its pandera polars model; a breach fails the asset with every failing case
    listed."""
    try:
        return validated(model, pl.from_pandas(frame) if isinstance(frame, pd.DataFrame) else frame)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases.head(PREVIEW_ROWS).to_pandas().astype(str)
        raise dg.Failure(description=f"{table} breaks its contract ({len(err.failure_cases)} failures)",
                         metadata={"failure_cases": md(cases)}) from err


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


# ------------------------------------------------------------------------------------------ metrics.figures

FIGURE_SOURCES = {name: f"validated.{name}" for name in figures_module.INPUTS if name not in ("elder_months",)}
FIGURE_SOURCES["elder_months"] = "metrics.elder_months"
FIGURE_DEPS = [dg.AssetKey(["validated", n]) for n in ("regions", "institutions", "elders", "status_events", "beds",
                                                        "bed_items", "funds", "survey", "service_plans", "visits")]


def figure_settings(raw_folder: RawFolder) -> dict[str, FigureSettings]:
    """Baseline, targets, cap, survey issued, 人次 period and the validated policy of every accepted region."""
    return {r.code: FigureSettings.from_region(r) for r in raw_folder.regions()[0]}


FIGURES_KEY = dg.AssetKey(["metrics", "figures"])


@dg.asset(key=FIGURES_KEY, group_name=GROUP, owners=OWNERS, kinds=KINDS, pool=POOL,
          check_specs=specs(PROGRAMME_METRIC_CHECKS, FIGURES_KEY),
          deps=[*FIGURE_DEPS, dg.AssetKey(["metrics", "elder_months"])],
          metadata={"dagster/column_schema": column_schema(FigureRow.to_schema()), "table": "metrics.figures",
                    "detail_tables": ", ".join(f"metrics.{n}" for n in figures_module.DETAILS)})
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
        rows = figures_module.compute_polars(con, settings)
        lists = figures_module.details(con)
    rows = validate(rows, FigureRow, "metrics.figures")
    lists = {name: validate(frame, METRIC_DETAIL_MODELS[name.removesuffix("_detail")], f"metrics.{name}")
             for name, frame in lists.items()}
    with warehouse.transaction() as con:
        con.execute(table_ddl(FigureRow.to_schema(), "metrics.figures"))
        replace_slice(con, "metrics.figures", rows)
        for name, frame in lists.items():
            con.execute(table_ddl(METRIC_DETAIL_MODELS[name.removesuffix("_detail")].to_schema(), f"metrics.{name}"))
            replace_slice(con, f"metrics.{name}", frame)
    region_rows = rows.filter(pl.col("institution_id").is_null())
    not_computable = rows.height - int(rows["computable"].sum())
    context.log.info(f"metrics.figures: {rows.height} rows, {not_computable} not computable")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows.height,
        "regions": rows["region_code"].n_unique(),
        "not_computable": not_computable,
        "region_figures": md(display(region_rows.head(80).to_pandas())),
        "not_computable_reasons": md(region_rows.filter(~pl.col("computable")).select("metric", "why_not").head(40)
                                     .to_pandas()),
        **{f"rows metrics.{name}": len(frame) for name, frame in lists.items()},
    }, check_results=evaluate(PROGRAMME_METRIC_CHECKS, FIGURES_KEY, context, warehouse=warehouse))


PROGRAMME_METRIC_ASSETS = [figures]
