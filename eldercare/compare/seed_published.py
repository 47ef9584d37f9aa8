"""Write a sample region's `published/` folder: an evaluator's list built from the region's person-months as the
rules give them, with a few deliberate departures (the kinds real evaluations show), so that reconciling it has
something to find. Used once to produce data_raw/370399/published/; re-run it after regenerating the sample:

    python -m eldercare.compare.seed_published --warehouse var/warehouse.duckdb --out data_raw/370399/published
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

CODE = "370399"
LABELS = {"visits": "次数", "hours": "时长"}
# (elder, month, metric): listed although the rules do not count it (the rule that excludes it in the comment)
ADDED = [("E0109", "2022-08", "visits"),   # died 2022-08-04: month of death, out of scope
         ("E0047", "2022-08", "hours"),    # paused 2022-08-09: out of scope
         ("E0136", "2022-06", "visits"),   # 28 visits: meets the minimum
         ("E0076", "2022-06", "visits")]   # bed-only elder with visits punched by mistake
# left out although the rules count it
OMITTED = [("E0249", "2022-06", "visits"), ("E0091", "2022-11", "hours")]
WRONG_VALUE = {("E0007", "2022-07", "visits"): 12}  # listed, with 数值 12 where 11 visits were recorded
BAD_ROWS = [["JG001", "次数", "E0010", "2022-13", ""],  # no such month
            ["JG002", "人次", "E0011", "2022-07", ""]]  # not a metric of the list
TOTAL_SLIP = ("JG003", "visits", 1)  # the published total of JG003 is one more than the person-months it lists


def seed(warehouse: Path, out: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""
        select institution_id, elder_id, strftime(month, '%Y-%m') as month, metric, value from (
            select region_code, institution_id, elder_id, month, 'visits' as metric, visits::double as value,
                   below_visits as below
            from metrics.elder_months
            union all
            select region_code, institution_id, elder_id, month, 'hours', round(minutes / 60, 1), below_minutes
            from metrics.elder_months)
        where region_code = ? and (below or (elder_id, strftime(month, '%Y-%m'), metric) in (
            select * from (values {}) v(e, m, k)))
        order by institution_id, metric, month, elder_id""".format(
        ", ".join(f"('{e}', '{m}', '{k}')" for e, m, k in ADDED)), [CODE]).fetchall()
    con.close()
    out.mkdir(parents=True, exist_ok=True)
    listed = [r for r in rows if (r[1], r[2], r[3]) not in OMITTED]
    with (out / "shortfalls.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["服务机构", "指标", "服务对象编号", "月份", "数值"])
        for inst, elder, month, metric, value in listed:
            value = WRONG_VALUE.get((elder, month, metric), value)
            w.writerow([inst, LABELS[metric], elder, month, f"{value:g}"])
        w.writerows(BAD_ROWS)
    totals: dict[tuple[str, str], int] = {}
    for inst, _, _, metric, _ in listed:
        totals[(inst, metric)] = totals.get((inst, metric), 0) + 1
    inst, metric, slip = TOTAL_SLIP
    totals[(inst, metric)] += slip
    with (out / "totals.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["服务机构", "指标", "合计"])
        for (inst, metric), n in sorted(totals.items()):
            w.writerow([inst, LABELS[metric], n])
    with (out / "scores.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rubric", "subject", "indicator", "score"])
        for inst in sorted({i for i, _ in totals}):
            w.writerow(["zhoucun_2022_institution", inst, "居家上门护理服务次数", 0])
            w.writerow(["zhoucun_2022_institution", inst, "居家上门累计服务时长", 0])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m eldercare.compare.seed_published")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seed(args.warehouse, args.out)
