"""`python -m pipeline.cli run`: materialise every asset and every month found under the raw folder, as one run
recorded in $DAGSTER_HOME (so it shows in the UI), then print what landed where."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)

from eldercare.exports.data_docs import preload as preload_data_docs
from eldercare.exports.files import written_files
from pipeline.definitions import defs
from pipeline.partitions import monthly
from pipeline.preflight import preflight
from pipeline.summary import print_summary
from resources import RawFolder, Warehouse


def run(months: list[str] | None = None) -> int:
    """Launch the all-assets job over the months given (default: every month with a visit file); 0 when it passed."""
    problem = preflight()  # a refused key, a locked or damaged warehouse: one line, exit 2, no run launched
    if problem:
        print(problem, file=sys.stderr)
        return 2
    raw = RawFolder(path=os.environ.get("ELDERCARE_DATA_RAW", "data_raw"))
    keys = months or [m.isoformat() for m in raw.visit_months()]
    valid = monthly.get_partition_keys()
    keys = [k for k in keys if k in valid] or [valid[-1]]
    tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
    print(f"raw folder: {raw.root}  months: {keys[0][:7]} … {keys[-1][:7]}  (each step as it ends: rows, seconds)")
    preload_data_docs()  # Great Expectations loads while the ledgers do: the data docs step does not wait for it
    instance = dg.DagsterInstance.get()
    specs = defs.resolve_all_asset_specs()
    monthly_steps = ["__".join(s.key.path) for s in specs if s.partitions_def]
    months = f"{keys[0][:7]} … {keys[-1][:7]}"
    result = defs.resolve_job_def("all_assets").execute_in_process(
        instance=instance, tags=tags, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}},
                                "progress": {"config": {"months": months, "monthly_steps": monthly_steps}}}})
    warehouse = Warehouse(path=os.environ.get("ELDERCARE_WAREHOUSE", "var/warehouse.duckdb"))
    checks = [(e.asset_key.to_user_string(), e.check_name, e.passed, e.severity.value)
              for e in result.get_asset_check_evaluations()]
    exports = written_files(os.environ.get("ELDERCARE_EXPORTS", "var/exports"))
    print_summary(warehouse, checks, run_id=result.run_id, success=result.success, exports=exports)
    return 0 if result.success and all(p or sev == "WARN" for _, _, p, sev in checks) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="materialise everything for every month found in the raw folder")
    p_run.add_argument("--month", action="append", help="YYYY-MM (repeatable; first and last give the range)")
    args = parser.parse_args(argv)
    if args.command == "run":
        months = sorted(f"{m}-01" for m in args.month) if args.month else None
        return run(months)
    return 2


if __name__ == "__main__":
    gc.freeze()  # the imported code and definitions are never garbage: later collections skip them
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # everything is written and closed: skip the interpreter's teardown of the heap (≈1.5 s), as mypy does
