"""Policy what-if at national size: one variant re-scored from the stored person-month facts (issue 15: ≤ 10 s).

    python bench/whatif.py [--regions 600] [--elders 350] [--months 12] [--repeat 3]

Builds a synthetic metrics.elder_months in a DuckDB file under /tmp (600 regions × 350 home-service elders ≈
210,000 person-months a month, about 3 million visits at ~15 a month; 12 months ≈ 2.5 million person-months,
with partial months, visits without recorded time and excluded elders in realistic shares), then times
`eldercare.compare.rescore.rescore` — the policy in force and one variant, every measure and every changed
person-month — for each shipped variant, over one month and over all months. Medians of --repeat runs; the
table is printed and written to bench/out/whatif.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from eldercare.compare import VARIANTS_DIR  # noqa: E402
from eldercare.compare.rescore import rescore  # noqa: E402
from eldercare.compare.variants import load_variants, rules_for  # noqa: E402
from eldercare.policy import policy_for  # noqa: E402

FACTS_SQL = """
create schema if not exists metrics;
create or replace table metrics.elder_months as
with base as (
    select (100000 + r)::varchar as region_code, 'JG' || r || '-' || (e % 5) as institution_id,
           'E' || r || '-' || e as elder_id, date_add(DATE '2022-01-01', to_months(m)) as month,
           hash(r, e, m) as h
    from range({regions}) t1(r), range({elders}) t2(e), range({months}) t3(m)),
shaped as (
    select *, (h % 1000) as u, day(last_day(month)) as dim from base)
select region_code, month, institution_id, elder_id, '张*' as name_masked, 'both' as service_type,
       case when u < 10 then 'died_this_month' when u < 20 then 'paused' when u < 25 then 'self_funded'
            when u < 30 then 'not_home_service_recipient' else 'in_scope' end as scope,
       u >= 30 as in_scope, case when u < 20 then 'event ' || month end as scope_note,
       case when u < 20 then 1 + (h // 1000) % (dim - 1) when u < 30 then 0 else dim end as days_in_service,
       dim as days_in_month, 'exclude' as partial_month_rule,
       15.0 as min_visits, 900.0 as min_minutes, 2.0 as min_medical_visits,
       (8 + (h // 7) % 16)::bigint as visits, (480 + (h // 11) % 700)::double as minutes,
       case when u % 50 = 0 then 1 else 0 end::bigint as unrecorded_visits,
       ((h // 13) % 5)::bigint as medical_visits, 0::bigint as quarantined_rows,
       case when u >= 30 then (8 + (h // 7) % 16) < 15 end as below_visits,
       case when u >= 30 then (480 + (h // 11) % 700) < 900 end as below_minutes,
       case when u >= 30 then ((h // 13) % 5) < 2 end as below_medical_visits
from shaped
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=600)
    parser.add_argument("--elders", type=int, default=350)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="folder of whatif.md")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="eldercare-whatif-"))
    defaults = policy_for({})  # the programme defaults, validated once: what a region without `policy:` runs on
    regions = [SimpleNamespace(code=str(100000 + r), settings={}, policy=defaults, minimums={
        "visits_per_month": 15, "minutes_per_month": 900, "medical_visits_per_month": 2}) for r in range(args.regions)]
    lines = ["| variant | months | person-months | wall s (median) | runs | changed person-months |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for months in sorted({1, args.months}):
        db = work / f"facts_{months}.duckdb"
        con = duckdb.connect(str(db))
        started = time.perf_counter()
        con.execute(FACTS_SQL.format(regions=args.regions, elders=args.elders, months=months))
        rows = con.execute("select count(*) from metrics.elder_months").fetchall()[0][0]
        con.close()
        print(f"facts: {rows:,} person-months over {months} month(s), built in {time.perf_counter() - started:.1f} s")
        for variant in load_variants(VARIANTS_DIR):
            rules = rules_for(regions, [variant])
            times, changed = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                con = duckdb.connect(str(db))
                _, changes = rescore(con, rules)
                con.close()
                times.append(time.perf_counter() - t)
                changed = changes.height
            lines.append(f"| {variant.name} | {months} | {rows:,} | {statistics.median(times):.2f} | {args.repeat} | "
                         f"{changed:,} |")
            print(lines[-1], flush=True)
        db.unlink()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "whatif.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    work.rmdir()


if __name__ == "__main__":
    main()
