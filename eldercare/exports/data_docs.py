"""Statistical expectations (Great Expectations 1.x, imported lazily) over aggregates computed in DuckDB — never the
visit rows themselves — and the Data Docs site they produce: one validation over every region's aggregates, one site for the run."""

from __future__ import annotations

import importlib
import json
import shutil
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

import duckdb
import pandas as pd

from eldercare.exports.settings import DataDocs

# Per institution-month visit aggregates, computed in DuckDB from validated.visits (one row per institution-month).
INSTITUTION_MONTHS_SQL = """
with agg as (
select v.region_code, v.institution_id, strftime(v.month, '%Y-%m') as month,
       count(*) as visits,
       count(distinct v.elder_id) as elders,
       count(*) / count(distinct v.elder_id) as visits_per_elder_month,
       avg(case when v.checkout_at is null then 1.0 else 0.0 end) as open_punch_share,
       avg(case when v.duration_recorded then 0.0 else 1.0 end) as unrecorded_time_share,
       -- the three quantiles in one aggregate: one copy of the durations held, not three (12 months: 36M rows)
       quantile_cont(v.duration_min, [0.5, 0.05, 0.95]) filter (where v.duration_recorded) as q,
       avg(case when v.duration_recorded and v.duration_min < r.short_visit_minutes then 1.0 else 0.0 end)
           as short_visit_share
from validated.visits v join _dd_regions r using (region_code)
group by all)
select region_code, institution_id, month, visits, elders, visits_per_elder_month, open_punch_share,
       unrecorded_time_share, q[1] as median_visit_minutes, q[2] as p05_visit_minutes, q[3] as p95_visit_minutes,
       short_visit_share
from agg order by 1, 2, 3
"""
# Every month of each region's evaluation window with its visit count (0 where none arrived).
WINDOW_MONTHS_SQL = """
with months as (
    select region_code, unnest(generate_series(window_start, window_end, interval 1 month))::date as month
    from _dd_regions),
counts as (select region_code, month, count(*) as visits from validated.visits group by all)
select m.region_code, strftime(m.month, '%Y-%m') as month, coalesce(c.visits, 0) as visits
from months m left join counts c using (region_code, month) order by 1, 2
"""
REGION_COLUMNS = ["region_code", "window_start", "window_end", "short_visit_minutes"]


@dataclass(frozen=True)
class CheckSpec:
    """One named check: the batch it reads, the columns it bounds (threshold key per column), what it means."""

    name: str
    batch: str
    bounds: tuple[tuple[str, str, str], ...]  # (column, threshold key, min|max|both)
    keys: tuple[str, ...]
    description: str


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("duration_distribution", "institution_months",
              (("median_visit_minutes", "median_visit_minutes", "both"),), ("institution_id", "month"),
              "median recorded visit duration of each institution-month within the configured range"),
    CheckSpec("short_visit_share", "institution_months", (("short_visit_share", "short_visit_share", "max"),),
              ("institution_id", "month"), "share of visits shorter than the policy's short-visit length"),
    CheckSpec("open_punch_share", "institution_months", (("open_punch_share", "open_punch_share", "max"),),
              ("institution_id", "month"), "share of visits without 签退时间 per institution-month"),
    CheckSpec("unrecorded_time_share", "institution_months",
              (("unrecorded_time_share", "unrecorded_time_share", "max"),), ("institution_id", "month"),
              "share of visits whose time was not recorded per institution-month"),
    CheckSpec("visits_per_elder_month", "institution_months",
              (("visits_per_elder_month", "visits_per_elder_month", "both"),), ("institution_id", "month"),
              "mean visits per served elder and month in a plausible range"),
    CheckSpec("month_coverage", "window_months", (("visits", "visits_per_window_month", "both"),), ("month",),
              "every month of the evaluation window has visit records"),
)
CHECK_NAMES = tuple(c.name for c in CHECKS)


def aggregates(con: duckdb.DuckDBPyConnection, regions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The two aggregate frames (institution_months, window_months) for the regions given
    (REGION_COLUMNS: window bounds as first days of month, the policy's short-visit minutes)."""
    con.register("_dd_regions", regions[REGION_COLUMNS])
    try:
        have = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'validated'").fetchall()}
        out = {}
        out["institution_months"] = con.execute(INSTITUTION_MONTHS_SQL).df() if "visits" in have else None
        out["window_months"] = con.execute(WINDOW_MONTHS_SQL).df() if "visits" in have else None
        return out
    finally:
        con.unregister("_dd_regions")


@dataclass
class CheckOutcome:
    name: str
    success: bool | None  # None: nothing to check (the table is missing or empty)
    evaluated: int = 0
    unexpected: int = 0
    failing: list[str] = field(default_factory=list)  # "region institution month: value"
    description: str = ""


def _expectation(gx, column: str, rng, side: str, meta: dict):
    kwargs = {"column": column, "meta": meta}
    if side in ("min", "both") and rng.min is not None:
        kwargs["min_value"] = rng.min
    if side in ("max", "both") and rng.max is not None:
        kwargs["max_value"] = rng.max
    return gx.expectations.ExpectColumnValuesToBeBetween(**kwargs)


def preload() -> threading.Thread:
    """Import Great Expectations on a background thread (2–4 s, mostly while the ledgers load in DuckDB and polars,
    which release the GIL), so the data docs step does not wait for it. `run_suite` imports it as usual."""
    thread = threading.Thread(target=importlib.import_module, args=("great_expectations",), name="gx-preload",
                              daemon=True)
    thread.start()
    return thread


SUMMARY_FILE = "checks.json"  # beside the Data Docs: what the reports show offline (aggregates only, no person)


def run_suite(frames: dict[str, pd.DataFrame | None], thresholds: DataDocs, docs_dir: Path,
              region_codes: list[str]) -> dict[str, dict[str, CheckOutcome]]:
    """Validate the aggregates of every region at once (one suite per batch, one checkpoint run each) and rebuild the
    one Data Docs site in `docs_dir` (the previous site is removed first, so pages do not pile up run after run),
    with a checks.json beside it holding each region's outcome. Returns the outcome of each check per region
    (region_codes: every region, so that one without rows is 'not evaluated'). Ephemeral context: GX's own
    configuration is never written into the repository."""
    import great_expectations as gx  # lazy: 2–7 s of import, only when data docs are built
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("aggregates")
    folder = Path(docs_dir).resolve()  # GX's file store takes absolute paths only
    shutil.rmtree(folder, ignore_errors=True)
    ctx.add_data_docs_site("data_docs", {"class_name": "SiteBuilder", "show_how_to_buttons": False,
                                         "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                                           "base_directory": str(folder)},
                                         "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    per_region = {code: {c.name: CheckOutcome(c.name, None, description=c.description) for c in CHECKS}
                  for code in region_codes}
    for batch in sorted({c.batch for c in CHECKS}):
        frame = frames.get(batch)
        if frame is None or not len(frame):
            continue
        checks = [c for c in CHECKS if c.batch == batch]
        suite = ctx.suites.add(gx.ExpectationSuite(name=batch))
        for check in checks:
            for column, key, side in check.bounds:
                suite.add_expectation(_expectation(gx, column, getattr(thresholds, key), side,
                                                   {"check": check.name, "keys": list(check.keys)}))
        bd = source.add_dataframe_asset(batch).add_batch_definition_whole_dataframe(f"{batch}_whole")
        keys = ["region_code", *sorted({k for c in checks for k in c.keys})]
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=batch, data=bd, suite=suite))
        cp = ctx.checkpoints.add(gx.Checkpoint(
            name=batch, validation_definitions=[vd],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["data_docs"])],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": keys}))
        result = cp.run(batch_parameters={"dataframe": frame.reset_index(drop=True)})
        rows = frame["region_code"].value_counts().to_dict()
        for r in list(result.run_results.values())[0].results:
            meta = r.expectation_config.meta or {}
            column = r.expectation_config.kwargs["column"]
            unexpected: dict[str, list] = {}
            for item in (r.result or {}).get("unexpected_index_list") or []:
                unexpected.setdefault(str(item.get("region_code")), []).append(item)
            for code, n in rows.items():
                out = per_region.setdefault(code, {c.name: CheckOutcome(c.name, None, description=c.description)
                                                   for c in CHECKS})[meta["check"]]
                failed = unexpected.get(code, [])
                out.success = not failed and out.success is not False
                out.evaluated += int(n)
                out.unexpected += len(failed)
                for item in failed[:20]:
                    where = " ".join(str(item.get(k, "")) for k in meta.get("keys", []))
                    out.failing.append(f"{code} {where}: {column}={_rounded(item.get(column))}")
    folder.mkdir(parents=True, exist_ok=True)
    names = [f.name for f in fields(CheckOutcome)]  # asdict's fields without its deep copy of every region's lists
    (folder / SUMMARY_FILE).write_text(json.dumps({code: [{n: getattr(o, n) for n in names} for o in outcomes.values()]
                                                   for code, outcomes in per_region.items()},
                                                  ensure_ascii=False, indent=1), encoding="utf-8")
    return per_region


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value


def combine(per_region: dict[str, dict[str, CheckOutcome]]) -> dict[str, CheckOutcome]:
    """One outcome per check over all regions: failed if it failed anywhere, not evaluated if nowhere."""
    out = {c.name: CheckOutcome(c.name, None, description=c.description) for c in CHECKS}
    for outcomes in per_region.values():
        for name, o in outcomes.items():
            total = out[name]
            if o.success is not None:
                total.success = o.success and total.success is not False
            total.evaluated += o.evaluated
            total.unexpected += o.unexpected
            total.failing += o.failing
    return out


def read_summaries(folder: Path) -> dict[str, list[dict]]:
    """The checks.json the data docs left: region code -> each check's verdict, counts and failing rows ({} when
    the data docs were not built)."""
    path = Path(folder) / SUMMARY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
