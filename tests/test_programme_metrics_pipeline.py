"""metrics.figures on the bundled sample region, each figure checked against one recomputed here from the raw files.

The raw workbooks and CSVs are read with openpyxl and csv directly (not through the pipeline's readers), applying
the contract's rules in a few lines: valid 18-digit IDs, first occurrence of an elder id, rows whose elder or bed
exists, 万元 × 10000, totals rows skipped. One materialisation serves every test of the module.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from assets.programme_metrics import PROGRAMME_METRIC_ASSETS
from tests.conftest import ALL_ASSETS, SAMPLE, SAMPLE_CODE, SAMPLE_MONTHS, resources_for

RAW = SAMPLE / SAMPLE_CODE
BASELINE = 412  # region.yaml baseline.disabled_low_income_elders of the sample
CAP = 2500.0
# the programme's four categories and the sample region's local one (region.yaml policy.eligibility.hardship)
HARDSHIP = {"低保", "低保边缘", "特困", "低收入", "支出型困难"}
DISABLED = {"轻度失能", "中度失能", "重度失能", "完全失能"}
POINTS = {"A": 18, "B": 13, "C": 8, "D": 2, "E": 0}  # Zhoucun questions 1–5
POINTS_Q6 = {"A": 10, "B": 7, "C": 4, "D": 1, "E": 0}
WORDS = {"非常满意": "A", "满意": "B", "一般": "C", "不满意": "D", "非常不满意": "E"}

pytestmark = pytest.mark.skipif(not RAW.is_dir(), reason="bundled sample data_raw/370399 not generated")


# ------------------------------------------------------------------------------------------ raw files, by hand

def _date(v) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
    y, m, d = (int(x) for x in re.findall(r"\d+", str(v))[:3])
    return dt.date(y, m, d)


def _money(v, unit: str | None = None) -> float | None:
    if v is None or v == "":
        return None
    text = str(v).replace(",", "").strip()
    scale = 10000.0 if "万元" in text or unit == "万元" else 1.0
    return float(text.replace("万元", "").replace("元", "")) * scale


def _sheet(path: Path, index: int = 0, key: str = "服务对象编号") -> list[dict]:
    """Data rows of a sheet as dicts keyed by header; the header is the first row holding `key`."""
    rows = list(openpyxl.load_workbook(path, data_only=True).worksheets[index].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if key in r)
    header = rows[at]
    out = []
    for r in rows[at + 1:]:
        if all(v is None for v in r) or str(r[0]).startswith("合计"):
            continue
        out.append({h: v for h, v in zip(header, r) if h})
    return out


def _id_ok(raw) -> bool:
    text = re.sub(r"\s", "", str(raw or "")).upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(text, weights)) % 11] == text[-1]


def _visit_rows(path: Path) -> list[dict]:
    if path.suffix == ".xlsx":  # title row, then a two-row merged header (服务时间 → 签到时间 / 签退时间)
        rows = list(openpyxl.load_workbook(path, data_only=True).active.iter_rows(values_only=True))
        at = next(i for i, r in enumerate(rows) if "服务对象编号" in r)
        header = [b or a for a, b in zip(rows[at], rows[at + 1])]
        return [dict(zip(header, r)) for r in rows[at + 2:] if r[0] and not str(r[0]).startswith("合计")]
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return [r for r in csv.DictReader(text.splitlines()) if r.get("服务对象编号")]


@pytest.fixture(scope="module")
def raw() -> dict:
    """The sample's ledgers as the contract says they must load."""
    elders, seen = {}, set()
    for r in _sheet(RAW / "elders.xlsx"):
        eid = r["服务对象编号"]
        if eid in seen or not _id_ok(r["身份证号"]):
            seen.add(eid)
            continue  # a second person under the same id, or an ID that fails its check digit: quarantined
        seen.add(eid)
        elders[eid] = r
    beds = {r["服务对象编号"]: r for r in _sheet(RAW / "beds.xlsx", 0) if r["服务对象编号"] in elders}
    items = [r for r in _sheet(RAW / "beds.xlsx", 1) if r["服务对象编号"] in beds]
    funds = [r for r in _sheet(RAW / "funds.xlsx", key="类型") if str(r["日期"]) != "合计"]
    survey = _sheet(RAW / "survey.xlsx", key="问卷编号")
    punched = set()  # open punches count as visits under the default policy (visits.open_punch_counts)
    for path in sorted((RAW / "visits").iterdir()):
        punched |= {r["服务对象编号"] for r in _visit_rows(path)}
    return {"elders": elders, "beds": beds, "items": items, "funds": funds, "survey": survey, "punched": punched}


def _eligible(r: dict) -> bool:
    born, enrolled = _date(r["出生日期"]), _date(r["纳入日期"])
    age = enrolled.year - born.year - ((enrolled.month, enrolled.day) < (born.month, born.day))
    return age >= 60 and r["经济困难类型"] in HARDSHIP and r["能力等级"] in DISABLED


def _self_funded(r: dict) -> bool:
    return r.get("社会化") == "是"


def _served(raw: dict) -> list[str]:
    return [e for e, r in raw["elders"].items() if r["服务类型"] in ("两者", "居家上门服务") and not _self_funded(r)
            and e in raw["punched"]]


# ------------------------------------------------------------------------------------------ the pipeline, once

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The validated assets and the metric assets with their checks, materialised once over every sample month."""
    base = tmp_path_factory.mktemp("metrics")
    shutil.copytree(SAMPLE, base / "raw")
    path = base / "warehouse.duckdb"
    result = dg.materialize(
        [*ALL_ASSETS, *PROGRAMME_METRIC_ASSETS],
        resources=resources_for(base / "raw", path),
        tags={"dagster/asset_partition_range_start": SAMPLE_MONTHS[0],
              "dagster/asset_partition_range_end": SAMPLE_MONTHS[-1]},
        raise_on_error=False)
    materialised = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()
                    if e.asset_key.path[0] == "metrics"}
    failed = [(c.asset_key.to_user_string(), c.check_name)
              for c in result.get_asset_check_evaluations() if not c.passed]
    assert materialised == {a.key.path[-1] for a in PROGRAMME_METRIC_ASSETS}, materialised
    assert not failed, failed
    return path


def metric(warehouse: Path, topic: str, name: str, institution: str | None = None) -> dict:
    """The one row of metrics.figures for a figure (`topic` names the detail list it belongs with, for reading)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = con.execute("select * from metrics.figures where metric = ? and region_code = ? and "
                            + ("institution_id is null" if institution is None else "institution_id = ?"),
                            [name, SAMPLE_CODE] + ([] if institution is None else [institution])).df()
    finally:
        con.close()
    assert len(frame) == 1, (topic, name, institution, frame)
    return frame.iloc[0].to_dict()


def detail(warehouse: Path, table: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select * from metrics.{table}_detail").df().to_dict("records")
    finally:
        con.close()


def close(row: dict, numerator: float, denominator: float | None = None):
    """The stored figure equals numerator ÷ denominator (or the amount itself), computed here."""
    assert row["computable"], row["why_not"]
    assert row["numerator" if denominator is not None else "value"] == pytest.approx(numerator, abs=1e-6)
    if denominator is not None:
        assert row["denominator"] == pytest.approx(denominator)
        assert row["value"] == pytest.approx(numerator / denominator, rel=1e-12)


# ------------------------------------------------------------------------------------------ the metrics

def test_coverage(warehouse, raw):
    programme = {e: r for e, r in raw["elders"].items() if not _self_funded(r)}
    eligible = {e for e, r in programme.items() if _eligible(r)}
    close(metric(warehouse, "coverage", "eligible_registration_share"), len(eligible), len(programme))
    built = [e for e, b in raw["beds"].items() if _date(b["实际完成日期"]) and e in eligible]
    close(metric(warehouse, "coverage", "bed_coverage"), len(built), BASELINE)
    served = [e for e in _served(raw) if e in eligible]
    close(metric(warehouse, "coverage", "home_service_coverage"), len(served), BASELINE)
    assert {r["elder_id"] for r in detail(warehouse, "coverage")} == set(programme) - eligible
    for inst in ("JG001", "JG002", "JG003"):
        mine = [e for e, r in programme.items() if r["服务机构"] == inst]
        close(metric(warehouse, "coverage", "eligible_registration_share", inst),
              len([e for e in mine if e in eligible]), len(mine))


def _priced(raw: dict) -> dict[str, dict]:
    return {e: b for e, b in raw["beds"].items() if _date(b["实际完成日期"]) and _money(b["实际支付金额"]) is not None}


def test_cost_per_bed(warehouse, raw):
    priced = _priced(raw)
    close(metric(warehouse, "cost_per_bed", "cost_per_bed"), sum(_money(b["实际支付金额"]) for b in priced.values()),
          len(priced))
    for inst in ("JG001", "JG002", "JG003"):
        mine = [b for b in priced.values() if b["服务机构"] == inst]
        close(metric(warehouse, "cost_per_bed", "cost_per_bed", inst), sum(_money(b["实际支付金额"]) for b in mine),
              len(mine))
    # the cap applies to the items of policy beds.cap_categories (适老化改造 + 智能化设备), summed per built bed
    capped = defaultdict(float)
    for i in raw["items"]:
        if i["类别"] in ("适老化改造", "智能化设备") and _date(raw["beds"][i["服务对象编号"]]["实际完成日期"]):
            capped[i["服务对象编号"]] += _money(i["金额（元）"])
    above = {e for e, amount in capped.items() if amount > CAP}
    assert {r["elder_id"] for r in detail(warehouse, "cost_per_bed")} == above
    close(metric(warehouse, "cost_per_bed", "beds_above_cap_share"), len(above), len(capped))


def test_cost_per_recipient(warehouse, raw):
    paid = sum(_money(f["金额"], f["单位"]) for f in raw["funds"] if f["类型"] == "拨付" and f["用途"] == "上门服务")
    close(metric(warehouse, "cost_per_recipient", "cost_per_recipient"), paid, len(_served(raw)))


def test_budget_execution(warehouse, raw):
    totals, by_source = defaultdict(float), defaultdict(float)
    for f in raw["funds"]:
        totals[f["类型"]] += _money(f["金额"], f["单位"])
        by_source[(f["类型"], f["资金来源"])] += _money(f["金额"], f["单位"])
    for kind, name in (("下达", "allocated"), ("到位", "received"), ("拨付", "paid"), ("支出", "spent")):
        close(metric(warehouse, "budget_execution", f"{name}_yuan"), totals[kind])
    close(metric(warehouse, "budget_execution", "rubric_execution_rate"), totals["支出"], totals["到位"])
    close(metric(warehouse, "budget_execution", "self_evaluation_execution_rate"), totals["支出"], totals["下达"])
    if by_source[("支出", "县级")] and by_source[("到位", "县级")]:
        close(metric(warehouse, "budget_execution", "rubric_execution_rate_county"), by_source[("支出", "县级")],
              by_source[("到位", "县级")])
    else:  # per-source rates only where both sides carry the source
        with pytest.raises(AssertionError):
            metric(warehouse, "budget_execution", "rubric_execution_rate_county")
    central = metric(warehouse, "budget_execution", "rubric_execution_rate_central")
    if by_source[("支出", "中央")] > by_source[("到位", "中央")]:  # all spending is booked to 中央 in the sample
        assert not central["computable"] and "more spent than 到位" in central["why_not"]
    for inst in ("JG001", "JG002", "JG003"):
        paid = sum(_money(f["金额"], f["单位"]) for f in raw["funds"] if f["类型"] == "拨付" and f["拨付对象"] == inst)
        close(metric(warehouse, "budget_execution", "paid_yuan", inst), paid)


def _score(r: dict) -> int:
    letters = [WORDS.get(str(r[f"第{i}题"]), str(r[f"第{i}题"])) for i in range(1, 7)]
    return sum(POINTS[a] for a in letters[:5]) + POINTS_Q6[letters[5]]


def test_satisfaction(warehouse, raw):
    # valid: not marked 有效=否 and every answer given (a blank answer: returned, not valid)
    valid = [r for r in raw["survey"] if r["有效"] != "否" and all(r[f"第{i}题"] for i in range(1, 7))]
    close(metric(warehouse, "satisfaction", "survey_returned"), len(raw["survey"]))
    close(metric(warehouse, "satisfaction", "survey_valid"), len(valid))
    total = sum(_score(r) for r in valid)
    close(metric(warehouse, "satisfaction", "mean_score"), total, len(valid))
    close(metric(warehouse, "satisfaction", "satisfaction_rate"), total / len(valid), 100)
    for inst in ("JG001", "JG002", "JG003"):
        mine = [r for r in valid if r["服务机构"] == inst]
        close(metric(warehouse, "satisfaction", "mean_score", inst), sum(_score(r) for r in mine), len(mine))


def test_bed_timeliness(warehouse, raw):
    beds = raw["beds"].values()
    done = [b for b in beds if _date(b["实际完成日期"])]
    late = [max(0, (_date(b["实际完成日期"]) - _date(b["计划完成日期"])).days) for b in done]
    close(metric(warehouse, "bed_timeliness", "days_late_mean"), sum(late), len(done))
    close(metric(warehouse, "bed_timeliness", "days_late_max"), max(late))
    close(metric(warehouse, "bed_timeliness", "late_bed_share"), sum(d > 0 for d in late), len(done))
    close(metric(warehouse, "bed_timeliness", "beds_not_completed"), len(beds) - len(done))
    judged = [b for b in beds if b["验收结果"] in ("合格", "不合格")]
    close(metric(warehouse, "bed_timeliness", "beds_not_accepted"), len(beds) - len(judged))
    close(metric(warehouse, "bed_timeliness", "beds_failed_acceptance"), sum(b["验收结果"] == "不合格" for b in beds))
    close(metric(warehouse, "bed_timeliness", "acceptance_pass_rate"), sum(b["验收结果"] == "合格" for b in judged),
          len(judged))


def test_renovation_overspend(warehouse, raw):
    for inst in (None, "JG001", "JG002", "JG003"):
        both = [b for b in raw["beds"].values() if (inst is None or b["服务机构"] == inst)
                and _money(b["实际支付金额"]) is not None and _money(b["验收金额"]) is not None]
        paid, accepted = sum(_money(b["实际支付金额"]) for b in both), sum(_money(b["验收金额"]) for b in both)
        close(metric(warehouse, "renovation_overspend", "renovation_paid_yuan", inst), paid)
        close(metric(warehouse, "renovation_overspend", "renovation_accepted_yuan", inst), accepted)
        close(metric(warehouse, "renovation_overspend", "renovation_overspend_yuan", inst), paid - accepted)
    above = {e for e, b in raw["beds"].items() if _money(b["实际支付金额"]) is not None
             and _money(b["验收金额"]) is not None and _money(b["实际支付金额"]) > _money(b["验收金额"])}
    listed = {r["elder_id"] for r in detail(warehouse, "renovation_overspend") if r["finding"] == "paid above 验收金额"}
    assert listed == above and above


def test_item_shares(warehouse, raw):
    items = raw["items"]
    close(metric(warehouse, "information_system_share", "information_system_share"),
          sum(i["已录入信息系统"] == "是" for i in items), len(items))
    close(metric(warehouse, "personalisation_share", "personalisation_share"),
          sum(i["是否个性化"] == "是" for i in items), len(items))


def test_double_renovation(warehouse, raw):
    """Only a flagged home's 适老化改造 items are double (policy beds.double_renovation_categories)."""
    flagged = {e for e, b in raw["beds"].items() if b["已享受适老化改造"] == "是"}
    double = defaultdict(float)
    for i in raw["items"]:
        if i["服务对象编号"] in flagged and i["类别"] == "适老化改造":
            double[i["服务对象编号"]] += _money(i["金额（元）"])
    close(metric(warehouse, "double_renovation", "double_renovation_beds"), len(double))
    close(metric(warehouse, "double_renovation", "double_renovation_share"), len(double), len(raw["beds"]))
    close(metric(warehouse, "double_renovation", "double_renovation_paid_yuan"), sum(double.values()))
    assert {r["elder_id"] for r in detail(warehouse, "double_renovation")} == set(double)
