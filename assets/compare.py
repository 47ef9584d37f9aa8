"""Compare assets: a published evaluation reconciled with the written rules, and policy variants re-scored from
the stored person-month facts. Whole tables, replaced atomically; the official tables are only read.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.metadata import column_schema
from checks.compare_checks import COMPARE_CHECKS
from checks.compare_schemas import (PolicyVariantRow, PublishedPointsRow, PublishedProblemRow, PublishedTotalRow,
                                    PublishedVsRulesRow, VariantChangeRow)
from checks.stored import evaluate, specs
from eldercare.compare import RUBRICS_DIR, VARIANTS_DIR
from eldercare.compare.points import POINTS_SQL, deduction_rows, region_rubrics
from eldercare.compare.published import Published, read_published
from eldercare.compare.reconcile import compared_metrics, reconcile, totals_side_by_side
from eldercare.compare.rescore import rescore
from eldercare.compare.variants import load_variants, rules_for
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

GROUP = "compare"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
PREVIEW = 20
FACTS = dg.AssetKey(["metrics", "elder_months"])
METRICS = ["visits", "hours", "medical_visits"]


class CompareConfig(dg.Config):
    """Where the variant and rubric files are (defaults: config/variants/ and config/rubrics/ of the project)."""

    variants_dir: str = str(VARIANTS_DIR)
    rubrics_dir: str = str(RUBRICS_DIR)


def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(PREVIEW).to_pandas().to_markdown(index=False) if frame.height else "none")


def _meta(model, extra: dict | None = None) -> dict:
    return {"dagster/column_schema": column_schema(model.to_schema()), **(extra or {})}


def _published(raw_folder: RawFolder) -> tuple[Published, dict]:
    """Every accepted region's published/ folder (regions without one are not compared), and the regions by code."""
    out = Published()
    regions = {}
    for region in raw_folder.regions()[0]:
        folder = region.folder / "published"
        if folder.is_dir():
            out = out.extend(read_published(folder, region.code, raw_folder.relative(folder)))
            regions[region.code] = region
    return out, regions


def _store(warehouse: Warehouse, tables: dict[str, tuple[type, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Validate each frame against its model and replace each whole table, all in one transaction."""
    valid = {name: model.validate(frame, lazy=True) for name, (model, frame) in tables.items()}
    with warehouse.transaction() as con:
        con.execute("create schema if not exists compare")
        for name, (model, _) in tables.items():
            con.execute(table_ddl(model.to_schema(), f"compare.{name}"))
            replace_slice(con, f"compare.{name}", valid[name])
    return valid


PUBLISHED_VS_RULES_KEY = dg.AssetKey(["compare", "published_vs_rules"])
POLICY_VARIANTS_KEY = dg.AssetKey(["compare", "policy_variants"])


@dg.asset(key=PUBLISHED_VS_RULES_KEY, group_name=GROUP, owners=OWNERS, pool=POOL, kinds={"duckdb", "sql"},
          check_specs=specs(COMPARE_CHECKS, PUBLISHED_VS_RULES_KEY),
          deps=[FACTS, dg.AssetKey(["validated", "status_events"]), dg.AssetKey(["validated", "elders"])],
          metadata=_meta(PublishedVsRulesRow))
def published_vs_rules(raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """Did the evaluator apply its own rules? For every region with a published/ folder (shortfalls.csv|xlsx,
    totals.csv): per person-month and metric, agree / only_published / only_computed, with the rule that decides
    it (below_minimum, meets_minimum, died_this_month, paused, …) and the evidence (counts, 去世 2022-06-05).
    Only metrics the evaluator published are compared. Rows of published/ that cannot be read are listed in
    compare.published_problems with file, row, column and reason, never dropped silently.
    """
    published, regions = _published(raw_folder)
    with warehouse.connect() as con:
        listing = reconcile(con, published.shortfalls, published.totals)
    stored = _store(warehouse, {"published_vs_rules": (PublishedVsRulesRow, listing),
                                "published_problems": (PublishedProblemRow, published.problems)})
    listing = stored["published_vs_rules"]
    counts = listing.group_by("region_code", "metric", "verdict").len().sort("region_code", "metric", "verdict")
    departures = listing.filter(pl.col("verdict") != "agree")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": listing.height, "regions_compared": len(regions),
        "agree": int((listing["verdict"] == "agree").sum()),
        "only_published": int((listing["verdict"] == "only_published").sum()),
        "only_computed": int((listing["verdict"] == "only_computed").sum()),
        "published_rows_not_read": published.problems.height,
        "verdicts": _md(counts), "problems": _md(published.problems.drop("region_code")),
        "departures": _md(departures.select("institution_id", "month", "elder_id", "metric", "verdict", "rule",
                                            "evidence")),
    }, check_results=evaluate(COMPARE_CHECKS, PUBLISHED_VS_RULES_KEY, raw_folder=raw_folder, warehouse=warehouse))


@dg.asset(key=["compare", "published_totals"], group_name=GROUP, owners=OWNERS, pool=POOL, kinds={"duckdb", "sql"},
          deps=[published_vs_rules.key], metadata=_meta(PublishedTotalRow))
def published_totals(raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """Per region (institution_id null) and institution and metric: the evaluator's total (totals.csv), the
    person-months it lists, the count by the written rules, the agree / only_published / only_computed counts,
    and computed − published.
    """
    published, _ = _published(raw_folder)
    with warehouse.connect() as con:
        listing = pl.from_arrow(con.sql("select * from compare.published_vs_rules").to_arrow_table())
        rows = totals_side_by_side(con, listing, published.totals)
    rows = _store(warehouse, {"published_totals": (PublishedTotalRow, rows)})["published_totals"]
    return dg.MaterializeResult(metadata={"dagster/row_count": rows.height, "totals": _md(rows)})


@dg.asset(key=["compare", "published_points"], group_name=GROUP, owners=OWNERS, pool=POOL, kinds={"duckdb", "sql"},
          deps=[published_totals.key], metadata=_meta(PublishedPointsRow))
def published_points(config: CompareConfig, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """What the departures are worth: per rubric indicator bound to a shortfall metric (in config/rubrics/<id>.yaml,
    e.g. −0.5 per household-month below 15 visits, floor 0), the points the rule gives for the published count and
    for the computed count, the difference before and after the floor, and the published score. A rubric without
    a file gives the count difference only, and says so in `note`.
    """
    published, regions = _published(raw_folder)
    with warehouse.connect() as con:
        side = pl.from_arrow(con.sql("select * from compare.published_totals").to_arrow_table())
        metrics = compared_metrics(published.shortfalls, published.totals)
        rows = []
        for code, region in regions.items():  # configuration-sized: one entry per region and rubric file
            rubrics = region_rubrics(region.settings, region.folder,
                                     published.scores.filter(pl.col("region_code") == code)["rubric"].to_list())
            rows += deduction_rows(Path(config.rubrics_dir), code, rubrics,
                                   metrics.filter(pl.col("region_code") == code)["metric"].to_list())
        con.register("side", side)
        con.register("published_scores", published.scores)
        con.register("deductions", pl.DataFrame(rows, schema={
            "region_code": pl.Utf8, "rubric": pl.Utf8, "indicator": pl.Utf8, "metric": pl.Utf8,
            "deduction_each": pl.Float64, "max_points": pl.Float64, "per_institution": pl.Boolean, "note": pl.Utf8}))
        points = pl.from_arrow(con.sql(POINTS_SQL).to_arrow_table())
    points = _store(warehouse, {"published_points": (PublishedPointsRow, points)})["published_points"]
    return dg.MaterializeResult(metadata={"dagster/row_count": points.height, "points": _md(points)})


@dg.asset(key=POLICY_VARIANTS_KEY, group_name=GROUP, owners=OWNERS, pool=POOL, kinds={"duckdb", "sql"},
          check_specs=specs(COMPARE_CHECKS, POLICY_VARIANTS_KEY),
          deps=[FACTS], metadata=_meta(PolicyVariantRow))
def policy_variants(config: CompareConfig, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """What would the figures be under another rule? Each config/variants/<name>.yaml (a partial policy over the
    region's: prorate_partial_months, unrecorded_time_undetermined, min_visits_12, …) re-scores the stored
    person-months of metrics.elder_months — nothing is re-ingested: per region, institution, variant and measure
    (in-scope person-months, short visits / hours / medical visits, undetermined hours, 人次, rubric points when a
    rubric file binds a deduction) the policy in force and the variant side by side. Every person-month whose
    verdict changes is in compare.variant_changes with its counts and minimums.
    """
    regions = raw_folder.regions()[0]
    variants = load_variants(Path(config.variants_dir))
    rules = rules_for(regions, variants)
    deductions = []
    for region in regions:  # configuration-sized
        deductions += deduction_rows(Path(config.rubrics_dir), region.code,
                                     region_rubrics(region.settings, region.folder, []), METRICS)
    with warehouse.connect() as con:
        summary, changes = rescore(con, rules, deductions)
    stored = _store(warehouse, {"policy_variants": (PolicyVariantRow, summary),
                                "variant_changes": (VariantChangeRow, changes)})
    summary = stored["policy_variants"]
    region_rows = summary.filter(pl.col("institution_id").is_null() & (pl.col("measure") != "points"))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": summary.height, "variants": [v.name for v in variants],
        "person_months_changed": stored["variant_changes"].height,
        "side_by_side": _md(region_rows.select("region_code", "variant", "measure", "in_force", "under_variant",
                                               "difference", "person_months_changed")),
        "changes_preview": _md(stored["variant_changes"].select("variant", "metric", "month", "elder_id",
                                                                "verdict_in_force", "verdict_variant", "evidence")),
    }, check_results=evaluate(COMPARE_CHECKS, POLICY_VARIANTS_KEY, raw_folder=raw_folder, warehouse=warehouse))


COMPARE_ASSETS = [published_vs_rules, published_totals, published_points, policy_variants]
