"""Checks on the compare tables: the variant engine reproduces the rules in force, and every published row is
either compared or reported as unreadable."""

import dagster as dg
import polars as pl

from checks.stored import stored_check
from eldercare.compare.published import Published, read_published
from eldercare.compare.rescore import in_force_mismatches
from eldercare.compare.variants import rules_for
from resources import RawFolder, Warehouse



def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(20).to_pandas().to_markdown(index=False) if frame.height else "none")


@stored_check(dg.AssetKey(["compare", "policy_variants"]),
              "in_force_reproduces_elder_months",
              "Re-scored under the policy in force, every person-month gets the verdict stored in "
              "metrics.elder_months: the baseline the variants are compared with is the official one.")
def in_force_reproduces_elder_months(raw_folder: RawFolder, warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        diff = in_force_mismatches(con, rules_for(raw_folder.regions()[0], []))
    return dg.AssetCheckResult(passed=diff.is_empty(), metadata={"mismatches": diff.height, "preview": _md(diff)})


@stored_check(dg.AssetKey(["compare", "published_vs_rules"]),
              "published_rows_accounted",
              "Every readable row of published/shortfalls is in compare.published_vs_rules exactly once; "
              "the others are in compare.published_problems.")
def published_rows_accounted(raw_folder: RawFolder, warehouse: Warehouse) -> dg.AssetCheckResult:
    published = Published()
    for region in raw_folder.regions()[0]:
        folder = region.folder / "published"
        if folder.is_dir():
            published = published.extend(read_published(folder, region.code, raw_folder.relative(folder)))
    with warehouse.connect() as con:
        listed, distinct, problems = con.execute(
            "select count(*), count(distinct (source_file, source_row)), "
            "(select count(*) from compare.published_problems) "
            "from compare.published_vs_rules where source_row is not null").fetchall()[0]
    passed = listed == distinct == published.shortfalls.height and problems == published.problems.height
    return dg.AssetCheckResult(passed=passed, metadata={
        "published_rows_read": published.shortfalls.height, "rows_in_listing": listed,
        "problems_read": published.problems.height, "problems_stored": problems})


COMPARE_CHECKS = [in_force_reproduces_elder_months, published_rows_accounted]
