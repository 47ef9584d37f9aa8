"""National-scale benchmark: one national month through the pipeline (A) against one DuckDB query (B).

    python bench/national.py [--formats csv parquet] [--month 2022-06] [--repeat 3] [--no-backfill]

Generates the raw folders once (42 regions × 5,000 elders, ~3M visit rows a month; synth/national.py)
under /tmp (or --data): CSV for the 12 months, Parquet for the measured month (same seed: the same rows). Then,
for each format, measures, each in a fresh subprocess so that wall time and peak RSS belong to that
measurement alone (os.wait4 gives the child's own rusage):

  setup     the validated ledgers (regions, institutions, 210,000 elders, status events) as one Dagster run;
  A         one month end to end as one Dagster run: validated/visits → metrics/elder_months →
            metrics/visit_shortfalls, with every check of the three assets (9), into a copy of the setup warehouse;
  B         one hand-written DuckDB query computing the same per-institution counts straight from the raw files;
  backfill  the 12 months as ONE run (partition range tags, as `make run MONTH="2022-01 2022-12"` does),
            first format only;
  re-run    one month again on the backfilled warehouse, first format only.

A and B run --repeat times, interleaved; the table shows medians. A's counts (metrics.visit_shortfalls) must
equal B's, for the month measured and again after the re-run. Nothing is written into the repository except
the printed table, copied to bench/out/last_run.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = Path(os.environ.get("BENCH_DATA", "/tmp/eldercare-national"))
DEFAULT_WORK = Path(os.environ.get("BENCH_WORK", "/tmp/eldercare-bench"))
HASH_KEY = "bench-key-not-secret"
# The rules of B, as the generator writes them into every region.yaml (minimums) and policy_defaults.yaml says
# (medical items, partial months excluded): B is the practical limit, not a second implementation of the policy.
MIN_VISITS, MIN_MINUTES, MIN_MEDICAL = 15, 900, 2
HOME_SERVICE = ("两者", "居家上门服务")
GAP_EVENTS = ("去世", "暂停", "迁出", "入住机构", "终止")

B_SQL = """
with v as (
    select regexp_extract(filename, '([0-9]{{6}})[/\\\\]visits[/\\\\]', 1) as region_code,
           "服务记录编号" as visit_id, "服务对象编号" as elder_id, "服务项目" as item,
           "签到时间"::timestamp as checkin, "签退时间"::timestamp as checkout, "服务时长" as dur
    from {visits}),
e as (
    select regexp_extract(filename, '([0-9]{{6}})[/\\\\]elders', 1) as region_code, "服务对象编号" as elder_id,
           "服务机构" as institution_id, "服务类型" as service_type, "纳入日期"::date as enrolled_on,
           coalesce("社会化" = '是', false) as self_funded
    from read_csv('{raw}/*/elders.csv', filename = true, all_varchar = true)),
ev as (
    select regexp_extract(filename, '([0-9]{{6}})[/\\\\]status', 1) as region_code, "服务对象编号" as elder_id,
           "变更类型" as event, "变更日期"::date as day
    from read_csv('{raw}/*/status_events.csv', filename = true, all_varchar = true)),
gaps as (  -- a pause or an exit stops service until the next resumption, if any
    select p.region_code, p.elder_id, p.day as gap_start,
           (select min(r.day) from ev r where r.region_code = p.region_code and r.elder_id = p.elder_id
              and r.event = '恢复' and r.day > p.day) as gap_end
    from ev p where p.event in {gap_events}),
ok as (  -- the row rules: a known elder, check-out not before check-in, check-in in the file's month
    select v.* from v semi join e using (region_code, elder_id)
    where (checkout is null or checkout >= checkin) and date_trunc('month', checkin) = DATE '{first}'),
per_elder as (  -- exact duplicate punches count once
    select region_code, elder_id, count(*) as visits,
           coalesce(sum(coalesce(try_cast(regexp_extract(dur, '(\\d+)小时', 1) as int), 0) * 60
                        + coalesce(try_cast(regexp_extract(dur, '(\\d+)分钟', 1) as int), 0))
                    filter (where checkout is not null), 0) as minutes,
           count(*) filter (where item = '医疗护理') as medical
    from (select region_code, visit_id, any_value(elder_id) as elder_id, any_value(item) as item,
                 any_value(checkout) as checkout, any_value(dur) as dur from ok group by all)
    group by all),
pm as (  -- person-months: home-service elders (and anyone with visits); in scope for a whole month of service
    select e.region_code, e.institution_id, p.visits, p.minutes, p.medical,
           e.service_type in {home_service} and not e.self_funded and e.enrolled_on <= DATE '{first}'
           and not exists (select 1 from gaps g where g.region_code = e.region_code and g.elder_id = e.elder_id
                           and g.gap_start < DATE '{first}' + interval 1 month
                           and coalesce(g.gap_end, DATE '9999-12-31') > DATE '{first}') as in_scope
    from e left join per_elder p using (region_code, elder_id)
    where e.service_type in {home_service} or p.visits is not null)
select region_code, institution_id,
       count(*) filter (where in_scope) as in_scope_person_months,
       count(*) filter (where not in_scope) as excluded_person_months,
       count(*) filter (where in_scope and coalesce(visits, 0) < {min_visits}) as below_visits,
       count(*) filter (where in_scope and coalesce(minutes, 0) < {min_minutes}) as below_hours,
       count(*) filter (where in_scope and coalesce(medical, 0) < {min_medical}) as below_medical_visits
from pm group by all order by all
"""

A_COUNTS_SQL = """
select region_code, institution_id,
       max(in_scope_person_months) filter (where metric = 'visits') as in_scope_person_months,
       max(excluded_person_months) filter (where metric = 'visits') as excluded_person_months,
       coalesce(max(person_months_below) filter (where metric = 'visits'), 0) as below_visits,
       coalesce(max(person_months_below) filter (where metric = 'hours'), 0) as below_hours,
       coalesce(max(person_months_below) filter (where metric = 'medical_visits'), 0) as below_medical_visits
from metrics.visit_shortfalls where month = DATE '{first}' group by all order by all
"""


def b_sql(raw: Path, month: str, fmt: str) -> str:
    """B for one month: the whole computation as one statement over the raw files."""
    pattern = f"{raw}/*/visits/{month}.{fmt}"
    visits = (f"read_parquet('{pattern}', filename = true)" if fmt == "parquet"
              else f"read_csv('{pattern}', filename = true, all_varchar = true)")
    return B_SQL.format(visits=visits, raw=raw, first=f"{month}-01", gap_events=GAP_EVENTS, home_service=HOME_SERVICE,
                        min_visits=MIN_VISITS, min_minutes=MIN_MINUTES, min_medical=MIN_MEDICAL)


# ------------------------------------------------------------------------------------------- child processes

def _resources(raw: str, warehouse: str) -> dict:
    from resources import IdHashKey, RawFolder, Warehouse
    return {"raw_folder": RawFolder(path=raw), "warehouse": Warehouse(path=warehouse),
            "id_hash_key": IdHashKey(key=HASH_KEY)}


def _step_times(instance, run_id: str) -> dict[str, float]:
    """Seconds per step (asset or check) of a run, from its event log."""
    starts, out = {}, {}
    for rec in instance.all_logs(run_id):
        ev = rec.dagster_event
        if ev is None or not ev.step_key:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = rec.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            out[ev.step_key] = round(rec.timestamp - starts[ev.step_key], 2)
    return out


def child_run(kind: str, raw: str, warehouse: str, first: str, last: str) -> dict:
    """One Dagster run in this process: the validated ledgers (kind=setup) or the visit path over first..last."""
    imported = time.perf_counter()
    import warnings

    import dagster as dg
    warnings.filterwarnings("ignore")
    from assets.compliance import elder_months, visit_shortfalls
    from assets.validated import LEDGER_ASSETS, regions, visits
    from checks.asset_checks import VALIDATED_CHECKS
    from checks.compliance_checks import COMPLIANCE_CHECKS
    imported = time.perf_counter() - imported
    instance = dg.DagsterInstance.get()  # $DAGSTER_HOME, with the project's dagster.yaml (pools)
    resources = _resources(raw, warehouse)
    if kind == "setup":
        targets = [regions, *LEDGER_ASSETS]
        tags = {}
    elif kind == "alerts":  # the daily early-warning refresh of the month, as of its 15th (on A's warehouse)
        from assets.alerts import call_lists, person_times_outlook, person_times_risk, visit_pace
        from resources.exports_folder import ExportsFolder
        targets = [visit_pace, person_times_risk, person_times_outlook, call_lists]  # checks run inside
        resources["exports"] = ExportsFolder(path=str(Path(warehouse).with_suffix(".exports")))
        tags = {"eldercare/as_of": f"{last}-15"}
    else:
        targets = [visits, elder_months, visit_shortfalls]
        tags = {"dagster/asset_partition_range_start": f"{first}-01", "dagster/asset_partition_range_end": f"{last}-01"}
    selection = dg.AssetSelection.assets(*targets) | dg.AssetSelection.checks_for_assets(*targets)
    started = time.perf_counter()
    result = dg.materialize([*targets, *VALIDATED_CHECKS, *COMPLIANCE_CHECKS], selection=selection,
                            resources=resources, instance=instance, tags=tags, raise_on_error=False)
    wall = time.perf_counter() - started
    checks = [(e.asset_key.to_user_string(), e.check_name, e.passed) for e in result.get_asset_check_evaluations()]
    out = {"wall": wall, "imports": imported, "success": result.success, "checks": len(checks),
           "failed_checks": [f"{k}:{n}" for k, n, p in checks if not p], "steps": _step_times(instance, result.run_id)}
    import duckdb
    con = duckdb.connect(warehouse, read_only=True)
    try:
        if kind == "alerts":
            out["alerted"] = con.execute("select count(*) filter (where risk_level <> 'on_track'), count(*) "
                                         "from alerts.visit_pace").fetchall()[0]
        elif kind != "setup":
            out["counts"] = con.execute(A_COUNTS_SQL.format(first=f"{last}-01")).fetchall()
            out["visit_rows"] = con.execute(
                "select count(*) from validated.visits where month between ? and ?",
                [dt.date.fromisoformat(f"{first}-01"), dt.date.fromisoformat(f"{last}-01")]).fetchone()[0]
            out["rows_read"] = con.execute(
                "select coalesce(sum(rows_read), 0) from audit.ingest_files where ledger = 'visits' "
                "and month between ? and ?",
                [dt.date.fromisoformat(f"{first}-01"), dt.date.fromisoformat(f"{last}-01")]).fetchone()[0]
            out["quarantined"] = con.execute(
                "select count(distinct (source_file, source_row)) from quarantine.rows where ledger = 'visits' "
                "and month between ? and ?",
                [dt.date.fromisoformat(f"{first}-01"), dt.date.fromisoformat(f"{last}-01")]).fetchone()[0]
        else:
            out["elders"] = con.execute("select count(*) from validated.elders").fetchone()[0]
    finally:
        con.close()
    return out


def child_query(raw: str, month: str, fmt: str) -> dict:
    """B in this process: one DuckDB statement from the raw files to the counts."""
    imported = time.perf_counter()
    import duckdb
    imported = time.perf_counter() - imported
    sql = b_sql(Path(raw), month, fmt)
    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(sql).fetchall()
    wall = time.perf_counter() - started
    return {"wall": wall, "imports": imported, "counts": [list(r) for r in rows]}


# ------------------------------------------------------------------------------------------- the orchestrator

def measure(args: list[str], env: dict | None = None) -> dict:
    """Run this script as a child with `args`; its JSON result plus its own process wall time and peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, *args], stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the running maximum
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(err.read()[-4000:])
            raise SystemExit(f"bench step {args[:2]} failed (exit {proc.returncode})")
    result = json.loads(lines[-1])
    result["process_wall"] = elapsed
    result["peak_rss"] = usage.ru_maxrss * 1024  # kilobytes on Linux
    return result


def ensure_data(data: Path, regions: int, elders: int, months: list[str], visit_months: list[str], fmt: str,
                seed: int) -> tuple[dict, float | None]:
    """The raw folder for these parameters: reused when its manifest matches, generated (and timed) otherwise."""
    from synth import national
    manifest_path = data / "national_manifest.json"
    want = {"seed": seed, "regions": regions, "elders_per_region": elders, "months": months,
            "visit_months": visit_months, "visits_format": fmt}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(k) == v for k, v in want.items()):
            return manifest, None
        shutil.rmtree(data)
    print(f"generating {regions} regions × {elders} elders, visits {visit_months[0]}…{visit_months[-1]} ({fmt}) "
          f"into {data} …", flush=True)
    started = time.perf_counter()
    manifest = national.generate(data, regions, elders, months, fmt, seed, visit_months=visit_months)
    return manifest, time.perf_counter() - started


def _gib(n: float) -> str:
    return f"{n / 2 ** 30:.2f} GiB"


def _counts(rows) -> dict:
    return {(r[0], r[1]): tuple(int(x) for x in r[2:]) for r in rows}


def _walls(runs: list[dict]) -> str:
    return ", ".join(f"{r['wall']:.1f}" for r in runs)


def _median_steps(runs: list[dict]) -> dict[str, float]:
    return {k: statistics.median(r["steps"].get(k, 0.0) for r in runs) for k in runs[0]["steps"]}


def _steps_line(steps: dict[str, float]) -> str:
    assets = {k: v for k, v in steps.items() if k in ("validated__visits", "metrics__elder_months", "metrics__visit_shortfalls")}
    checks = sum(v for k, v in steps.items() if k not in assets)
    return ", ".join(f"{k.split('__')[1]} {v:.1f}" for k, v in assets.items()) + f", {len(steps) - len(assets)} checks {checks:.1f}"


def measure_format(fmt: str, data: Path, args, months: list[str], work: Path, env: dict, full: bool) -> dict:
    """setup, A and B (interleaved, --repeat times) for one format; with `full`, the backfill and the re-run too."""
    visit_months = months if full else [args.month]
    manifest, generated = ensure_data(data, args.regions, args.elders_per_region, months, visit_months, fmt, args.seed)
    raw = str(data)
    ledgers = work / f"ledgers-{fmt}.duckdb"
    print(f"[{fmt}] setup: validated ledgers …", flush=True)
    setup = measure(["_run", "setup", raw, str(ledgers), args.month, args.month], env)
    if not setup["success"] or setup["failed_checks"]:
        raise SystemExit(f"setup run failed: {setup['failed_checks']}")
    a_runs, b_runs = [], []
    for i in range(args.repeat):
        print(f"[{fmt}] A and B, round {i + 1}/{args.repeat} …", flush=True)
        warehouse = work / f"a-{fmt}-{i}.duckdb"
        shutil.copy(ledgers, warehouse)
        a_runs.append(measure(["_run", "month", raw, str(warehouse), args.month, args.month], env))
        b_runs.append(measure(["_query", raw, args.month, fmt]))
        if i:
            warehouse.unlink()  # keep the first for inspection
    for a in a_runs:
        if not a["success"] or a["failed_checks"]:
            raise SystemExit(f"A failed: {a['failed_checks']}")
    alerts = None
    if full:  # the daily alert refresh, on the first A warehouse (kept): the month as of its 15th
        print(f"[{fmt}] daily alert refresh …", flush=True)
        alerts = measure(["_run", "alerts", raw, str(work / f"a-{fmt}-0.duckdb"), args.month, args.month], env)
        if not alerts["success"]:
            raise SystemExit("the alert refresh failed")
    a_counts, b_counts = _counts(a_runs[0]["counts"]), _counts(b_runs[0]["counts"])
    assert all(_counts(r["counts"]) == a_counts for r in a_runs), "A's counts differ between runs"
    assert all(_counts(r["counts"]) == b_counts for r in b_runs), "B's counts differ between runs"
    assert a_counts == b_counts, (
        f"A and B disagree on {sum(a_counts.get(k) != b_counts.get(k) for k in a_counts.keys() | b_counts.keys())} "
        "institutions")
    backfill = rerun = None
    if full and not args.no_backfill:
        print(f"[{fmt}] backfill {months[0]} … {months[-1]} as one run …", flush=True)
        warehouse = work / f"backfill-{fmt}.duckdb"
        shutil.copy(ledgers, warehouse)
        backfill = measure(["_run", "month", raw, str(warehouse), months[0], months[-1]], env)
        print(f"[{fmt}] re-run {args.month} …", flush=True)
        rerun = measure(["_run", "month", raw, str(warehouse), args.month, args.month], env)
        for name, r in (("backfill", backfill), ("re-run", rerun)):
            if not r["success"] or r["failed_checks"]:
                raise SystemExit(f"{name} failed: {r['failed_checks']}")
        assert _counts(rerun["counts"]) == b_counts, "the re-run month's counts differ from B's"
    return {"format": fmt, "manifest": manifest, "generated": generated, "setup": setup, "a": a_runs, "b": b_runs,
            "counts": b_counts, "backfill": backfill, "rerun": rerun, "alerts": alerts}


def report(results: list[dict], args, months: list[str]) -> str:
    """The printed table (Markdown) and the lines under it."""
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    first = results[0]
    m = first["manifest"]
    a0 = first["a"][0]
    lines = [
        f"National month {args.month}: {m['regions']} regions, {m['elders']:,} elders, "
        f"{m['visit_rows'][args.month]:,} visit rows in the month's files ({a0['visit_rows']:,} valid, "
        f"{a0['quarantined']:,} quarantined); {sum(m['visit_rows'].values()):,} rows over {len(m['visit_rows'])} "
        f"months. {os.cpu_count()} cores. Medians of {args.repeat} interleaved runs; every measurement in a fresh "
        "process (wall inside it, after imports; process wall from exec to exit; peak RSS of that process).",
        "",
        "| measurement | wall s | process wall s | rows/s | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        fmt, a_runs, b_runs, setup = r["format"], r["a"], r["b"], r["setup"]
        a_wall, b_wall = med(a_runs, "wall"), med(b_runs, "wall")
        a_proc, b_proc = med(a_runs, "process_wall"), med(b_runs, "process_wall")
        rows_read = a_runs[0]["rows_read"]
        if r["generated"] is not None:
            lines.append(f"| {fmt}: generate the raw folder ({len(r['manifest']['visit_rows'])} month(s) of visits) "
                         f"| | {r['generated']:.1f} | | |")
        lines += [
            f"| {fmt}: setup, validated ledgers ({setup['elders']:,} elders; not part of A) | {setup['wall']:.1f} | "
            f"{setup['process_wall']:.1f} | | {_gib(setup['peak_rss'])} |",
            f"| {fmt}: **A**, one month end to end, one Dagster run ({a_runs[0]['checks']} checks) | {a_wall:.1f} | "
            f"{a_proc:.1f} | {rows_read / a_wall:,.0f} | {_gib(max(x['peak_rss'] for x in a_runs))} |",
            f"| {fmt}: **B**, one DuckDB query from the raw files | {b_wall:.1f} | {b_proc:.1f} | "
            f"{rows_read / b_wall:,.0f} | {_gib(max(x['peak_rss'] for x in b_runs))} |",
            f"| {fmt}: **A ÷ B** | **{a_wall / b_wall:.2f}** | {a_proc / b_proc:.2f} | | |",
        ]
        if r.get("alerts"):
            al = r["alerts"]
            lines.append(f"| {fmt}: daily alert refresh as of the 15th (visit pace, 人次 risk, call lists; "
                         f"{al['checks']} checks) | {al['wall']:.1f} | {al['process_wall']:.1f} | | "
                         f"{_gib(al['peak_rss'])} |")
        if r["backfill"]:
            bf, rr = r["backfill"], r["rerun"]
            lines += [
                f"| {fmt}: {len(months)}-month backfill, one run ({bf['rows_read']:,} rows) | {bf['wall']:.1f} | "
                f"{bf['process_wall']:.1f} | {bf['rows_read'] / bf['wall']:,.0f} | {_gib(bf['peak_rss'])} |",
                f"| {fmt}: re-run {args.month} after the backfill | {rr['wall']:.1f} | {rr['process_wall']:.1f} | "
                f"{rr['rows_read'] / rr['wall']:,.0f} | {_gib(rr['peak_rss'])} |",
            ]
    lines.append("")
    for r in results:
        c = r["counts"]
        lines.append(
            f"{r['format']}: A per step (medians), s: {_steps_line(_median_steps(r['a']))}. A runs: {_walls(r['a'])}; "
            f"B runs: {_walls(r['b'])}. A's counts equal B's for all {len(c)} institutions (in scope "
            f"{sum(v[0] for v in c.values()):,}, excluded {sum(v[1] for v in c.values()):,}, below 15 visits "
            f"{sum(v[2] for v in c.values()):,}, below 900 minutes {sum(v[3] for v in c.values()):,}, below 2 medical "
            f"visits {sum(v[4] for v in c.values()):,})" + (", and again after the re-run." if r["rerun"] else "."))
        if r.get("alerts"):
            al = r["alerts"]
            a_visits = _median_steps(r["a"]).get("validated__visits", 0.0)
            names = ("alerts__visit_pace", "alerts__person_times_risk", "alerts__person_times_outlook",
                     "alerts__call_lists")
            ratio = f"{al['wall'] / a_visits:.2f}" if a_visits else "–"
            lines.append(f"{r['format']}: alert refresh per step, s: "
                         + ", ".join(f"{k.split('__')[1]} {al['steps'].get(k, 0.0):.1f}" for k in names)
                         + f"; {al['alerted'][0]:,} of {al['alerted'][1]:,} in-scope elders alerted. Its wall ÷ the "
                         f"month's ingestion step (validated/visits, {a_visits:.1f} s): {ratio}.")
        if r["backfill"]:
            lines.append(f"{r['format']}: backfill per step, s: {_steps_line(r['backfill']['steps'])}. "
                         f"Re-run per step, s: {_steps_line(r['rerun']['steps'])}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", nargs="+", choices=["csv", "parquet"], default=["csv", "parquet"],
                        help="visit file formats; the first gets the backfill and re-run, the others A and B only")
    parser.add_argument("--month", default="2022-06", help="the month measured and re-run (YYYY-MM)")
    parser.add_argument("--months", nargs=2, default=["2022-01", "2022-12"], metavar=("FIRST", "LAST"))
    parser.add_argument("--regions", type=int, default=42)
    parser.add_argument("--elders-per-region", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--repeat", type=int, default=3, help="A and B runs each (median shown)")
    parser.add_argument("--no-backfill", action="store_true", help="skip the 12-month backfill and the re-run")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="raw folders go to <data>-<format>")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="warehouses and DAGSTER_HOME")
    args = parser.parse_args(argv)

    from synth.national import month_range
    months = month_range(*args.months)
    if args.month not in months:
        raise SystemExit(f"--month {args.month} is not within --months")
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    home = work / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "pipeline" / "dagster.yaml", home / "dagster.yaml")
    env = {"DAGSTER_HOME": str(home)}
    results = [measure_format(fmt, Path(f"{args.data}-{fmt}"), args, months, work, env, full=(i == 0))
               for i, fmt in enumerate(args.formats)]
    text = report(results, args, months)
    print("\n" + text)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "last_run.md").write_text(text + "\n", encoding="utf-8")
    for r in results:  # JSON keys must be text
        r["counts"] = {f"{region}/{institution}": v for (region, institution), v in r["counts"].items()}
    (out / "last_run.json").write_text(json.dumps(results, default=str, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        print(json.dumps(child_run(*sys.argv[2:7]), default=str))
    elif len(sys.argv) > 1 and sys.argv[1] == "_query":
        print(json.dumps(child_query(*sys.argv[2:5]), default=str))
    else:
        raise SystemExit(main())
