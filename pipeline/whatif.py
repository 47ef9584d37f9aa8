"""`python -m pipeline.whatif VARIANT` (`make whatif VARIANT=…`): one policy variant computed on demand from the
person-month facts already in the warehouse, side by side with the policy in force. Nothing is re-ingested and
no official table is touched: the result is printed and kept in compare.whatif_summary / compare.whatif_changes
(replaced for that variant on each call)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from checks.compare_schemas import PolicyVariantRow, VariantChangeRow
from eldercare.compare import RUBRICS_DIR, VARIANTS_DIR
from eldercare.compare.points import deduction_rows, region_rubrics
from eldercare.compare.rescore import rescore
from eldercare.compare.variants import VariantRefused, find_variant, rules_for
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

MEASURES = ["in_scope_person_months", "short_visits", "short_hours", "short_medical_visits", "undetermined_hours",
            "person_times", "points"]


def whatif(name: str, raw: RawFolder, warehouse: Warehouse, variants_dir: Path = VARIANTS_DIR,
           rubrics_dir: Path = RUBRICS_DIR) -> int:
    """Compute, store and print one variant; 0 on success, 2 when the variant file is refused."""
    try:
        variant = find_variant(variants_dir, name)
    except VariantRefused as exc:
        print(f"variant refused: {exc}", file=sys.stderr)
        return 2
    regions = raw.regions()[0]
    deductions = [row for r in regions for row in deduction_rows(
        rubrics_dir, r.code, region_rubrics(r.settings, r.folder, []), ["visits", "hours", "medical_visits"])]
    start = time.perf_counter()
    with warehouse.transaction() as con:
        facts = con.execute("select count(*) from metrics.elder_months").fetchall()[0][0]
        summary, changes = rescore(con, rules_for(regions, [variant]), deductions)
        summary = PolicyVariantRow.validate(summary, lazy=True)
        changes = VariantChangeRow.validate(changes, lazy=True)
        con.execute("create schema if not exists compare")
        con.execute(table_ddl(PolicyVariantRow.to_schema(), "compare.whatif_summary"))
        con.execute(table_ddl(VariantChangeRow.to_schema(), "compare.whatif_changes"))
        replace_slice(con, "compare.whatif_summary", summary, "variant = ?", [variant.name])
        replace_slice(con, "compare.whatif_changes", changes, "variant = ?", [variant.name])
    seconds = time.perf_counter() - start
    print(f"what-if {variant.name}: {variant.label}")
    print(f"{seconds:.2f} s over {facts} stored person-months (metrics.elder_months), nothing re-ingested\n")
    print(f"{'region':<8} {'institution':<12} {'measure':<24} {'in force':>9} {'variant':>9} {'diff':>8} {'changed':>8}")
    order = {m: i for i, m in enumerate(MEASURES)}
    rows = sorted(summary.iter_rows(named=True), key=lambda r: (r["region_code"], r["institution_id"] or "",
                                                                order[r["measure"]], r["rubric"] or ""))
    for r in rows:
        measure = r["measure"] if r["measure"] != "points" else f"points {r['indicator']}"[:24]
        fmt = lambda v: "—" if v is None else f"{v:g}"  # noqa: E731
        print(f"{r['region_code']:<8} {r['institution_id'] or '(region)':<12} {measure:<24} {fmt(r['in_force']):>9} "
              f"{fmt(r['under_variant']):>9} {fmt(r['difference']):>8} {fmt(r['person_months_changed']):>8}")
    print(f"\nperson-months that change verdict: {changes.height} "
          f"(select * from compare.whatif_changes where variant = '{variant.name}')")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.whatif")
    parser.add_argument("variant", help="a name in config/variants/ (e.g. min_visits_12) or the path of a variant file")
    args = parser.parse_args(argv)
    return whatif(args.variant, RawFolder(path=os.environ.get("ELDERCARE_DATA_RAW", "data_raw")),
                  Warehouse(path=os.environ.get("ELDERCARE_WAREHOUSE", "var/warehouse.duckdb")))


if __name__ == "__main__":
    sys.exit(main())
