"""National-scale benchmark of what a user waits for: `make run` on a national month (A) against one DuckDB script (B).

    python bench/national.py [--quick] [--regions 42] [--many-regions 600] [--elders 210000] [--month 2022-06]
                             [--months 2022-01 2022-12] [--formats csv parquet] [--repeat 1] [--no-backfill]

Raw folders are generated once under --data (reused while their manifest matches): the national generator
(regions, institutions, elders, status events, visits) plus bench/national_ledgers.py (beds, bed items, funds,
survey), the same total number of elders at --regions and at --many-regions. Each measurement runs in a fresh
subprocess; its wall time and peak RSS are the child's own (os.wait4):

  A         `python -m pipeline.cli run --month M`, exactly what `make run MONTH=M` runs: every ledger of every
            region, every asset and check, Dagster start-up included, into a fresh warehouse;
  B         bench/b_script.py: read every ledger, apply the row rules, store valid and quarantined rows in one
            transaction, compute the shortfall counts and twelve programme figures by A's rules;
  per asset the STEP_SUCCESS durations of A's run, from its event log in the bench's DAGSTER_HOME;
  regions   A and B again on the folder with --many-regions regions (same elders): the times side by side;
  backfill  the 12 months as one run (`make run MONTH="first last"`) and the re-run of month M after it
            (first format only; --no-backfill skips them).

A's figures must equal B's (asserted): shortfall person-months per institution (metrics.elder_months) and the twelve
programme figures B computes (metrics.figures), each region and institution, equal or not computable in both. The table is printed and written to
bench/out/last_run.md (+ .json), and bench/SCALE.md with the numbers it measured to bench/out/SCALE.filled.md.
`--quick` (8,400 elders over 42 and over 600 regions, one month, CSV, no backfill) is what development uses: its
42-region half takes about a minute on a quiet machine; its 600-region half takes as long as the pipeline's
per-region costs make it (16 min on the shared machine in Nov 2026, before the set-based ledgers and metrics).
The full size is for a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATA = Path(os.environ.get("BENCH_DATA", "/tmp/eldercare-national"))
DEFAULT_WORK = Path(os.environ.get("BENCH_WORK", "/tmp/eldercare-bench"))
HASH_KEY = "bench-key-not-secret"
RUN_LINE = re.compile(r"^run (\S+): (SUCCESS|FAILURE)", re.MULTILINE)

A_COUNTS_SQL = """
select region_code, institution_id,
       count(*) filter (where in_scope) as in_scope_person_months,
       count(*) filter (where not in_scope) as excluded_person_months,
       count(*) filter (where below_visits) as below_visits,
       count(*) filter (where below_minutes) as below_minutes,
       count(*) filter (where below_medical_visits) as below_medical_visits
from metrics.elder_months where month = DATE '{first}' group by all order by all
"""
# Before metrics.figures lands, the same metric ids live in these per-family tables (same long columns).
LEGACY_FIGURE_TABLES = ("budget_execution", "cost_per_bed", "satisfaction", "bed_timeliness")


# ------------------------------------------------------------------------------------------- child: B

def child_b(raw: str, month: str, fmt: str, db: str) -> dict:
    """B in this process: load into a fresh DuckDB file in one transaction, then the counts and the figures."""
    started = time.perf_counter()
    import duckdb
    import openpyxl
    import pandas as pd

    from bench import b_script

    imports = time.perf_counter() - started
    started = time.perf_counter()
    rows = []
    for path in sorted(Path(raw).glob("*/institutions.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        grid = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        header = [str(h) for h in grid[0]]
        rows += [{"region_code": path.parent.name, "file": str(path), "line": i,
                  **{h: (None if v is None else str(v)) for h, v in zip(header, r)}}
                 for i, r in enumerate(grid[1:], start=2)]
    Path(db).unlink(missing_ok=True)
    con = duckdb.connect(db)
    institutions = pd.DataFrame(rows)
    con.register("institutions_xlsx", institutions)
    con.execute("create temp table r_institutions as select * from institutions_xlsx")
    for statement in b_script.load_sql(Path(raw), month, fmt, HASH_KEY):
        con.execute(statement)
    counts = con.execute(b_script.shortfalls_sql(month)).fetchall()
    figures = con.execute(b_script.figures_sql()).fetchall()
    wall = time.perf_counter() - started
    stored = {t: con.execute(f"select count(*) from valid.{t}").fetchone()[0]
              for t in ("institutions", "elders", "status_events", "beds", "bed_items", "funds", "survey", "visits")}
    quarantined = dict(con.execute("select ledger, count(*) from quarantine.rows group by all").fetchall())
    con.close()
    return {"wall": wall, "imports": imports, "counts": [list(r) for r in counts],
            "figures": [list(r) for r in figures], "valid": stored, "quarantined": quarantined}


# ------------------------------------------------------------------------------------------- the orchestrator

def _spawn(cmd: list[str], env: dict) -> tuple[float, int, int, str]:
    """Run a child to its end: process wall seconds, peak RSS bytes (its own rusage), exit code, its output."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **env})
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), out.read()


def measure_a(raw: Path, warehouse: Path, home: Path, months: list[str], fresh: bool = True) -> dict:
    """A: `python -m pipeline.cli run --month …` as `make run` calls it; wall, peak RSS, run id, step times."""
    if fresh:
        warehouse.unlink(missing_ok=True)
    env = {"ELDERCARE_DATA_RAW": str(raw), "ELDERCARE_WAREHOUSE": str(warehouse), "ELDERCARE_ID_HASH_KEY": HASH_KEY,
           "DAGSTER_HOME": str(home), "ELDERCARE_EXPORTS": str(warehouse.with_suffix(".exports"))}
    cmd = [sys.executable, "-m", "pipeline.cli", "run", *[a for m in months for a in ("--month", m)]]
    wall, rss, code, output = _spawn(cmd, env)
    found = RUN_LINE.search(output)
    if code != 0 or not found or found.group(2) != "SUCCESS":
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"A failed on {raw} (exit {code})")
    run_id = found.group(1)
    return {"wall": wall, "peak_rss": rss, "run_id": run_id, "steps": step_times(home, run_id),
            "checks": _checks_line(output)}


def _checks_line(output: str) -> str:
    m = re.search(r"^checks: .*$", output, re.MULTILINE)
    return m.group(0) if m else ""


def step_times(home: Path, run_id: str) -> dict[str, float]:
    """Seconds per step of a run: STEP_SUCCESS durations from the run's event log in `home`."""
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    starts, out = {}, {}
    for rec in instance.all_logs(run_id):
        ev = rec.dagster_event
        if ev is None or not ev.step_key:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = rec.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            duration = getattr(ev.event_specific_data, "duration_ms", None)
            out[ev.step_key] = (duration / 1000 if duration is not None
                                else rec.timestamp - starts.get(ev.step_key, rec.timestamp))
    return out


def measure_b(raw: Path, month: str, fmt: str, db: Path) -> dict:
    """B in a fresh process; its JSON result plus process wall time and peak RSS."""
    wall, rss, code, output = _spawn([sys.executable, __file__, "_b", str(raw), month, fmt, str(db)], {})
    lines = [ln for ln in output.splitlines() if ln.startswith("{")]
    if code != 0 or not lines:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"B failed on {raw} (exit {code})")
    result = json.loads(lines[-1])
    result.update(process_wall=wall, peak_rss=rss)
    return result


def a_results(warehouse: Path, month: str, metrics: list[str]) -> dict:
    """What A stored: shortfall counts per institution, the figures B reproduces, rows read and quarantined."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = con.execute(A_COUNTS_SQL.format(first=f"{month}-01")).fetchall()
        present = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'metrics'").fetchall()}
        tables = ["figures"] if "figures" in present else [t for t in LEGACY_FIGURE_TABLES if t in present]
        marks = ", ".join("?" for _ in metrics)
        figures = [] if not tables else con.execute(" union all ".join(
            f"select region_code, institution_id, metric, value from metrics.{t} where metric in ({marks})"
            for t in tables), metrics * len(tables)).fetchall()
        rows_read = con.execute("select ledger, sum(rows_read) from audit.ingest_files group by all").fetchall()
        quarantined = con.execute(
            "select ledger, count(distinct (source_file, source_row)) from quarantine.rows group by all").fetchall()
    finally:
        con.close()
    return {"counts": [list(r) for r in counts], "figures": [list(r) for r in figures],
            "figures_from": tables, "rows_read": dict(rows_read), "quarantined": dict(quarantined)}


def _same_figure(a: float | None, b: float | None) -> bool:
    """The same value, or both not computable (NULL)."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def compare(a: dict, b: dict, where: str) -> str:
    """Assert A's shortfall counts and figures equal B's; the sentence saying what was compared.

    Every figure B computes must be in A with the same value, or not computable (NULL) in both; and A must have no
    row of those metrics that B has not (a region or institution B does not see)."""
    ac = {(r[0], r[1]): tuple(r[2:]) for r in a["counts"]}
    bc = {(r[0], r[1]): tuple(r[2:]) for r in b["counts"]}
    differ = sorted(k for k in ac.keys() | bc.keys() if ac.get(k) != bc.get(k))
    assert not differ, f"{where}: A and B disagree on the shortfall counts of {len(differ)} institutions, " \
                       f"e.g. {[(k, ac.get(k), bc.get(k)) for k in differ[:3]]}"
    af = {(r[0], r[1] or "", r[2]): r[3] for r in a["figures"]}
    bf = {(r[0], r[1] or "", r[2]): r[3] for r in b["figures"]}
    metrics = {k[2] for k in bf}
    bad = [(k, "absent" if k not in af else af[k], bf[k]) for k in sorted(bf)
           if k not in af or not _same_figure(af[k], bf[k])]
    bad += [(k, af[k], "absent") for k in sorted(af.keys() - bf.keys()) if k[2] in metrics]
    shown = "; ".join(f"{region}/{inst or '(region)'}/{metric}: A {va} vs B {vb}"
                      for (region, inst, metric), va, vb in bad[:5])
    assert not bad, (f"{where}: A and B disagree on {len(bad):,} of {len(bf):,} programme figures "
                     f"({', '.join(sorted({k[2] for k, *_ in bad}))}), first: {shown}")
    totals = [sum(v[i] for v in bc.values()) for i in range(5)]
    computable = sum(v is not None for v in bf.values())
    return (f"{where}: A = B for the shortfall counts of all {len(bc)} institutions (in scope {totals[0]:,}, "
            f"excluded {totals[1]:,}; below visits {totals[2]:,}, minutes {totals[3]:,}, medical {totals[4]:,}) "
            f"and {len(bf):,} programme figures ({computable:,} computable; "
            f"from metrics.{'+'.join(a['figures_from'])})")


def ensure_data(folder: Path, regions: int, elders_per_region: int, months: list[str], visit_months: list[str],
                fmt: str, seed: int) -> tuple[dict, float | None]:
    """A raw folder with every ledger for these parameters: reused when its manifest matches, generated otherwise."""
    from bench.generators import generate
    from bench.national_ledgers import add_ledgers
    from synth.national import GENERATOR_VERSION

    manifest_path = folder / "national_manifest.json"
    want = {"generator": GENERATOR_VERSION, "seed": seed, "regions": regions, "elders_per_region": elders_per_region, "months": months,
            "visit_months": visit_months, "visits_format": fmt}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(k) == v for k, v in want.items()) and "ledgers" in manifest:
            return manifest, None
        shutil.rmtree(folder)
    print(f"  generating {regions} regions × {elders_per_region} elders, visits {visit_months[0]}…"
          f"{visit_months[-1]} ({fmt}), and every other ledger into {folder} …", flush=True)
    started = time.perf_counter()
    generate(folder, regions, elders_per_region, months, fmt, seed, visit_months=visit_months)
    add_ledgers(folder, seed, months)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return manifest, time.perf_counter() - started


def _gib(n: float) -> str:
    return f"{n / 2 ** 30:.2f} GiB"


def _assets(steps: dict[str, float], asset_steps: set[str]) -> tuple[dict[str, float], float, int]:
    """Asset steps by name (slowest first), and the checks' total seconds and count."""
    assets = {k: v for k, v in steps.items() if k in asset_steps}
    checks = {k: v for k, v in steps.items() if k not in asset_steps}
    return dict(sorted(assets.items(), key=lambda kv: -kv[1])), sum(checks.values()), len(checks)


@functools.cache
def _asset_step_keys() -> frozenset[str]:
    import warnings

    warnings.filterwarnings("ignore")  # beta notices of the definitions, not the benchmark's business
    from pipeline.definitions import defs
    return frozenset(a.node_def.name for a in defs.resolve_asset_graph().assets_defs if a.is_executable)


def run_case(label: str, folder: Path, month: str, fmt: str, work: Path, home: Path, repeat: int) -> dict:
    """A and B on one raw folder, interleaved `repeat` times, compared; medians kept."""
    a_runs, b_runs = [], []
    slug = folder.name
    for i in range(repeat):
        print(f"  [{label}] A (make run), round {i + 1}/{repeat} …", flush=True)
        warehouse = work / f"a-{slug}.duckdb"
        a_runs.append(measure_a(folder, warehouse, home, [month]))
        print(f"  [{label}] A {a_runs[-1]['wall']:.1f} s; B (DuckDB script) …", flush=True)
        b_runs.append(measure_b(folder, month, fmt, work / f"b-{slug}.duckdb"))
        print(f"  [{label}] B {b_runs[-1]['process_wall']:.1f} s", flush=True)
    a_stored = a_results(work / f"a-{slug}.duckdb", month, list(_figure_ids()))
    sentence = compare(a_stored, b_runs[-1], label)
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    steps = {k: statistics.median(r["steps"].get(k, 0.0) for r in a_runs) for k in a_runs[0]["steps"]}
    return {"label": label, "format": fmt, "a_wall": med(a_runs, "wall"), "a_rss": max(r["peak_rss"] for r in a_runs),
            "b_wall": med(b_runs, "process_wall"), "b_inner": med(b_runs, "wall"),
            "b_rss": max(r["peak_rss"] for r in b_runs), "steps": steps, "checks": a_runs[0]["checks"],
            "compared": sentence, "a_rows_read": a_stored["rows_read"], "a_quarantined": a_stored["quarantined"],
            "b_valid": b_runs[-1]["valid"], "b_quarantined": b_runs[-1]["quarantined"],
            "a_runs": [r["wall"] for r in a_runs], "b_runs": [r["process_wall"] for r in b_runs],
            "b_counts": b_runs[-1]["counts"], "b_figures": b_runs[-1]["figures"]}


def _figure_ids() -> tuple[str, ...]:
    from bench.b_script import FIGURES
    return FIGURES


def report(cases: list[dict], extra: list[dict], manifests: dict, args, generated: dict) -> str:
    """The Markdown table the run prints and writes to bench/out/."""
    asset_keys = _asset_step_keys()
    first = cases[0]
    m = manifests[first["label"]]
    lines = [
        f"National month {args.month}: {m['elders']:,} elders, {m['visit_rows'][args.month]:,} visit rows in the "
        f"month's files, beds {m['ledgers']['rows']['beds']:,}, bed items {m['ledgers']['rows']['bed_items']:,}, "
        f"funds {m['ledgers']['rows']['funds']:,}, survey {m['ledgers']['rows']['survey']:,}. {os.cpu_count()} cores; "
        f"measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; medians of {args.repeat} interleaved "
        "run(s), each a fresh process (wall from exec to exit, peak RSS of that process). Region folders of "
        f"workbooks written by A: ELDERCARE_EXPORT_REGIONS={args.export_regions}.",
        "",
        "| case | A: make run, s | B: DuckDB script, s | A ÷ B | A peak RSS | B peak RSS | slowest asset (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for c in cases:
        assets, _, _ = _assets(c["steps"], asset_keys)
        slowest = next(iter(assets.items()), ("—", 0.0))
        lines.append(f"| {c['label']} | {c['a_wall']:.1f} | {c['b_wall']:.1f} | **{c['a_wall'] / c['b_wall']:.2f}** | "
                     f"{_gib(c['a_rss'])} | {_gib(c['b_rss'])} | {slowest[0].replace('__', '/')} ({slowest[1]:.1f}) |")
    for e in extra:
        lines.append(f"| {e['label']} | {e['wall']:.1f} | | | {_gib(e['peak_rss'])} | | |")
    by_regions = [c for c in cases if c.get("regions_pair")]
    if len(by_regions) == 2:
        few, many = by_regions
        lines += ["", f"Regions, same {m['elders']:,} elders ({first['format']}): A {few['a_wall']:.1f} s at "
                      f"{few['regions']} regions, {many['a_wall']:.1f} s at {many['regions']} regions: ratio "
                      f"**{many['a_wall'] / few['a_wall']:.2f}** (target ≤ 1.10); B {few['b_wall']:.1f} s vs "
                      f"{many['b_wall']:.1f} s ({many['b_wall'] / few['b_wall']:.2f})."]
    for label, seconds in generated.items():
        if seconds is not None:
            lines.append(f"Generated {label} in {seconds:.1f} s (not part of any measurement).")
    lines += ["", f"Time per asset of A ({first['label']}; STEP_SUCCESS durations from the run's event log), "
                  "slowest first; the rest of A's wall time is process start-up, imports, Dagster and the summary:",
              "", "| asset | " + " | ".join(c["label"] for c in cases) + " |",
              "| --- |" + " ---: |" * len(cases)]
    tables = [_assets(c["steps"], asset_keys) for c in cases]
    for key in tables[0][0]:
        lines.append(f"| {key.replace('__', '/')} | " + " | ".join(f"{t[0].get(key, 0.0):.1f}" for t in tables) + " |")
    lines.append("| check steps (checks outside their asset's step) | "
                 + " | ".join(f"{t[1]:.1f} ({t[2]})" for t in tables) + " |")
    lines.append("| sum of steps | " + " | ".join(f"{sum(t[0].values()) + t[1]:.1f}" for t in tables) + " |")
    lines.append("")
    for c in cases:
        lines.append(f"- {c['compared']}. A's {c['checks'] or 'checks: —'}. A runs {', '.join(f'{x:.1f}' for x in c['a_runs'])} s; "
                     f"B runs {', '.join(f'{x:.1f}' for x in c['b_runs'])} s (B inside its process {c['b_inner']:.1f} s).")
    for e in extra:
        if e.get("compared"):
            lines.append(f"- {e['compared']}.")
    values = scale_values(cases, extra, manifests, args)
    lines += ["", f"Capacity at this speed (nightly window {args.window_hours:g} h, the nightly run = 2 months, "
                  "counted as 2 × A): " + "; ".join(f"{k} {values[k]}" for k in (
                      "PERSON_MONTHS_PER_S", "NIGHTLY_MONTH_PAIRS", "ELDERS_PER_NIGHT", "REGIONS_5000",
                      "BACKFILLS_PER_WINDOW") if k in values) + "."]
    return "\n".join(lines)


def scale_values(cases: list[dict], extra: list[dict], manifests: dict, args) -> dict[str, str]:
    """The numbers bench/SCALE.md's placeholders stand for, from this run (those it measured)."""
    first = cases[0]
    m = manifests[first["label"]]
    rows = m["ledgers"]["rows"]
    window = args.window_hours * 3600
    pairs = window / (2 * first["a_wall"])
    v = {"DATE": f"{dt.date.today():%Y-%m-%d}", "ELDERS": f"{m['elders']:,}",
         "VISIT_ROWS": f"{m['visit_rows'][args.month]:,}", "BEDS": f"{rows['beds']:,}",
         "BED_ITEMS": f"{rows['bed_items']:,}", "FUNDS": f"{rows['funds']:,}", "SURVEY": f"{rows['survey']:,}",
         "WINDOW_H": f"{args.window_hours:g}", "PERSON_MONTHS_PER_S": f"{m['elders'] / first['a_wall']:,.0f}",
         "NIGHTLY_MONTH_PAIRS": f"{pairs:,.0f}", "ELDERS_PER_NIGHT": f"{pairs * m['elders']:,.0f}",
         "REGIONS_5000": f"{pairs * m['elders'] / 5000:,.0f}", "REGIONS_383": f"{pairs * m['elders'] / 383:,.0f}"}
    asset_keys = _asset_step_keys()
    assets, _, _ = _assets(first["steps"], asset_keys)
    if assets:
        name, seconds = next(iter(assets.items()))
        v.update(SLOWEST_ASSET=f"`{name.replace('__', '/')}`", SLOWEST_S=f"{seconds:.1f}")
    for c in cases:
        key = ("CSV" if c["format"] == "csv" else "PQ") + "_" + ("600" if c["regions"] == args.many_regions else "42")
        v.update({f"A_{key}": f"{c['a_wall']:.1f}", f"B_{key}": f"{c['b_wall']:.1f}",
                  f"RATIO_{key}": f"{c['a_wall'] / c['b_wall']:.2f}", f"RSS_{key}": _gib(c["a_rss"])})
    pair = [c for c in cases if c.get("regions_pair")]
    if len(pair) == 2:
        v["RATIO_600_42"] = f"{pair[1]['a_wall'] / pair[0]['a_wall']:.2f}"
    for e in extra:
        key = "RERUN" if "re-run" in e["label"] else "BACKFILL"  # the re-run's label names the backfill too
        v.update({f"A_{key}": f"{e['wall']:.1f}", f"RSS_{key}": _gib(e["peak_rss"])})
    if "A_BACKFILL" in v:
        v["BACKFILLS_PER_WINDOW"] = f"{window / float(v['A_BACKFILL']):,.0f}"
    return v


def fill_scale(values: dict[str, str]) -> str:
    """bench/SCALE.md with the placeholders this run measured filled in (the others left as they are)."""
    text = (ROOT / "bench" / "SCALE.md").read_text(encoding="utf-8")
    return re.sub(r"\{\{([A-Z0-9_]+)\}\}", lambda m: values.get(m.group(1), m.group(0)), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="8,400 elders over 42 and over --many-regions regions, one month, CSV, no backfill")
    parser.add_argument("--formats", nargs="+", choices=["csv", "parquet"], default=None,
                        help="visit file formats (default csv parquet; --quick: csv)")
    parser.add_argument("--month", default="2022-06", help="the month measured and re-run (YYYY-MM)")
    parser.add_argument("--months", nargs=2, default=["2022-01", "2022-12"], metavar=("FIRST", "LAST"),
                        help="the project period; the backfill runs all of it")
    parser.add_argument("--regions", type=int, default=42)
    parser.add_argument("--many-regions", type=int, default=600, help="the same elders spread over this many regions")
    parser.add_argument("--elders", type=int, default=None, help="total elders (default 210,000; --quick 8,400)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--repeat", type=int, default=1, help="A and B runs each (median shown)")
    parser.add_argument("--no-backfill", action="store_true", help="skip the 12-month backfill and the re-run")
    parser.add_argument("--export-regions", default="none",
                        help="ELDERCARE_EXPORT_REGIONS for A: none (a national run: warehouse tables, summary workbook, "
                             "data docs), all (a folder of workbooks per region), or codes")
    parser.add_argument("--window-hours", type=float, default=4.0, help="the nightly window (02:00–06:00 Beijing)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="raw folders are generated under it")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="warehouses and DAGSTER_HOME")
    args = parser.parse_args(argv)
    formats = args.formats or (["csv"] if args.quick else ["csv", "parquet"])
    os.environ["ELDERCARE_EXPORT_REGIONS"] = args.export_regions  # every A process inherits it
    elders = args.elders or (8_400 if args.quick else 210_000)
    backfill = not (args.quick or args.no_backfill)

    from bench.generators import month_range
    months = month_range(*args.months)
    if args.month not in months:
        raise SystemExit(f"--month {args.month} is not within --months")
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    home = work / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")

    cases, extra, manifests, generated = [], [], {}, {}
    plan = [(fmt, args.regions) for fmt in formats] + [(formats[0], args.many_regions)]
    for j, (fmt, regions) in enumerate(plan):
        per_region = max(1, elders // regions)
        label = f"{fmt}, {regions} regions × {per_region:,}"
        full = backfill and j == 0
        folder = args.data / f"r{regions}-e{per_region}-{fmt}-{f'{months[0]}_{months[-1]}' if full else args.month}"
        print(f"{label}:", flush=True)
        manifest, seconds = ensure_data(folder, regions, per_region, months, months if full else [args.month], fmt,
                                        args.seed)
        manifests[label], generated[label] = manifest, seconds
        case = run_case(label, folder, args.month, fmt, work, home, args.repeat)
        case["regions"] = regions
        case["regions_pair"] = fmt == formats[0] and regions in (args.regions, args.many_regions) and (
            j == 0 or j == len(plan) - 1)
        cases.append(case)
        if full:
            print(f"  [{label}] backfill {months[0]} … {months[-1]} as one run …", flush=True)
            warehouse = work / "backfill.duckdb"
            bf = measure_a(folder, warehouse, home, [months[0], months[-1]])
            extra.append({"label": f"{fmt}: {len(months)}-month backfill, one run", **bf})
            print(f"  [{label}] re-run {args.month} …", flush=True)
            rr = measure_a(folder, warehouse, home, [args.month], fresh=False)
            rerun = a_results(warehouse, args.month, list(_figure_ids()))
            rr["compared"] = compare(rerun, {"counts": case["b_counts"], "figures": case["b_figures"]},
                                     f"{fmt}: re-run of {args.month} after the backfill")
            extra.append({"label": f"{fmt}: re-run {args.month} after the backfill", **rr})
    text = report(cases, extra, manifests, args, generated)
    print("\n" + text)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "last_run.md").write_text(text + "\n", encoding="utf-8")
    (out / "SCALE.filled.md").write_text(fill_scale(scale_values(cases, extra, manifests, args)), encoding="utf-8")
    (out / "last_run.json").write_text(json.dumps({"cases": cases, "extra": extra, "generated": generated,
                                                   "manifests": manifests, "args": vars(args)},
                                                  default=str, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_b":
        print(json.dumps(child_b(*sys.argv[2:6]), default=str))
    else:
        raise SystemExit(main())
