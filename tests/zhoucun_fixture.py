"""Build a raw region folder from the Zhoucun 期颐堂 monthly visit table (tests/fixtures/zhoucun_2022_qiyitang_visits.csv, the published table carried here).

One visit per counted visit, spread over the days the elder was in service that month, 60 minutes each and
2 of them 医疗护理 when there are at least 2; bed-only elders (`not_recipient`) become 家庭养老床位 elders.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from eldercare.formats import id_check_digit

SOURCE = Path(__file__).resolve().parent / "fixtures" / "zhoucun_2022_qiyitang_visits.csv"
CODE = "370306"
EVENTS = {"died": "去世", "paused": "暂停"}
REGION_YAML = """region_code: "370306"
name: 周村区
project_year: 2022
service_start: "2022-06-01"
evaluation_window: ["2022-06", "2022-09"]
minimums: {visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}
bed_subsidy_cap_yuan: 2500
targets: {beds: 248, service_person_times: 495, budget_wan: 180.5, satisfaction_pct: 85}
baseline: {elders_60plus: 0, low_income_elders: 0, disabled_low_income_elders: 0, facilities: 0}
policy:
  visits: {partial_month: exclude}
"""


def read_table() -> list[dict]:
    with SOURCE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _id_number(n: int) -> str:
    first17 = f"{CODE}1940{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n:03d}"
    return first17 + id_check_digit(first17)


def build(root: Path) -> Path:
    """Write <root>/370306/ and return it."""
    rows = read_table()
    folder = root / CODE
    (folder / "visits").mkdir(parents=True)
    (folder / "region.yaml").write_text(REGION_YAML, encoding="utf-8")
    (folder / "institutions.csv").write_text("机构编号,机构名称,合同签订日期,合同金额,计划床位数\n"
                                             "QYT,期颐堂,2022-02-11,65.124万元,92\n", encoding="utf-8")
    elders = {r["elder"]: r for r in rows}
    with (folder / "elders.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["服务对象编号", "身份证号", "姓名", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"])
        for n, (elder, r) in enumerate(sorted(elders.items()), start=1):
            kind = "家庭养老床位" if r["event"] == "not_recipient" else "两者"
            w.writerow([elder, _id_number(n), f"长者{elder}", "低保", "中度失能", "QYT", kind, "2022-03-01"])
    with (folder / "status_events.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["服务对象编号", "变更类型", "变更日期"])
        for elder, r in sorted(elders.items()):
            if r["event"] in EVENTS:
                w.writerow([elder, EVENTS[r["event"]], r["event_date"]])
    by_month: dict[str, list[dict]] = {}
    for r in rows:
        by_month.setdefault(r["month"], []).append(r)
    for month, month_rows in sorted(by_month.items()):
        first = dt.date.fromisoformat(f"{month}-01")
        days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
        with (folder / "visits" / f"{month}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"])
            for r in month_rows:
                count = int(r["visits"] or 0)
                last_day = days
                if r["event_date"] and r["event"] in EVENTS:
                    event = dt.date.fromisoformat(r["event_date"])
                    if first <= event < first + dt.timedelta(days=days):
                        last_day = max(1, event.day - 1)
                for k in range(count):
                    day = 1 + (k * last_day) // max(count, 1)
                    start = dt.datetime(first.year, first.month, day, 8 + (k % 3) * 3, 0)
                    item = "医疗护理" if k < 2 else "生活照料"
                    w.writerow([f"{r['elder']}-{month}-{k:02d}", r["elder"], "QYT", f"C{r['elder']}", item,
                                start.strftime("%Y-%m-%d %H:%M:%S"),
                                (start + dt.timedelta(minutes=60)).strftime("%Y-%m-%d %H:%M:%S"), "1小时"])
    return folder
