"""问题清单: every finding as one row (category, institution, kind, the visit / person-month / bed behind it), the
count per category × institution × kind, and the workbook listing both. Categories come from configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from eldercare.exports import workbook as wbk
from eldercare.exports.settings import CATEGORIES, Findings

FINDING_COLUMNS = ["region_code", "category", "institution_id", "kind", "finding", "unit", "elder_id", "name_masked", "month",
                   "evidence", "source"]
FINDINGS_TABLE = "exports.findings"
# Every finding of every region, as collected: what the 问题清单 workbooks, the reports and the summary read.
FINDINGS_DDL = ("create schema if not exists exports; create table if not exists exports.findings (region_code varchar, "
                "category varchar, institution_id varchar, kind varchar, finding varchar, unit varchar, elder_id varchar, "
                "name_masked varchar, month date, evidence varchar, source varchar)")
SUMMARY_COLUMNS = ["category", "institution_id", "kind", "finding", "count", "unit", "detail_rows"]
REGION_WIDE = "全区"

KINDS: dict[str, tuple[str, str]] = {  # kind -> (问题 as printed, unit of the count)
    "figure_not_computable": ("指标无法计算（基础数据、目标或台账缺失）", "项"),
    "ineligible_registration": ("登记的服务对象不符合条件或无法确认", "人"),
    "visit_after_death": ("服务对象去世后仍有上门服务记录", "条"),
    "visit_during_pause": ("暂停服务期间有上门服务记录", "条"),
    "visit_for_bed_only_elder": ("仅建设床位的对象被记录上门服务", "条"),
    "visit_for_self_funded_elder": ("社会化（机构自费）服务对象的上门服务", "条"),
    "open_punch": ("上门服务缺少签退（服务时长未记录）", "条"),
    "caregiver_overlap": ("同一护理员同一时间在两户服务", "条"),
    "visit_too_short": ("单次服务时长过短", "条"),
    "visit_too_long": ("单次服务时长过长", "条"),
    "duplicate_punch": ("重复提交的打卡记录", "条"),
    "renovation_overspend": ("床位实际支付金额超出验收金额或无验收金额", "床"),
    "double_renovation": ("已享受适老化改造的家庭重复改造", "床"),
    "bed_above_cap": ("床位支付金额超过补助上限", "床"),
    "bed_timeliness": ("床位建设逾期、未完成、未验收或验收不合格", "床"),
    "below_visits": ("月上门服务次数低于最低要求", "人月"),
    "below_minutes": ("月上门服务时长低于最低要求", "人月"),
    "below_medical_visits": ("月医疗护理次数低于最低要求", "人月"),
    "output_target_missed": ("产出指标未达到年度目标值", "项"),
    "benefit_target_missed": ("效益、满意度指标未达到年度目标值", "项"),
}
BELOW = {"below_visits": ("visits", "min_visits", "次"), "below_minutes": ("minutes", "min_minutes", "分钟"),
         "below_medical_visits": ("medical_visits", "min_medical_visits", "次")}


def _frame(rows: pd.DataFrame, kind: str, evidence: pd.Series, source: pd.Series | str,
           month: pd.Series | None = None) -> pd.DataFrame:
    n = len(rows)
    label, unit = KINDS.get(kind, (kind, "条"))  # a finding rule added later still lists, under its id
    get = lambda col: rows[col].values if col in rows else [None] * n  # noqa: E731
    return pd.DataFrame({"region_code": get("region_code"), "category": None, "institution_id": get("institution_id"), "kind": kind,
                         "finding": label, "unit": unit, "elder_id": get("elder_id"),
                         "name_masked": get("name_masked"),
                         "month": (month.values if month is not None else get("month")),
                         "evidence": evidence.values if isinstance(evidence, pd.Series) else evidence,
                         "source": source.values if isinstance(source, pd.Series) else source}, dtype=object)


def collect_findings(region_code: str | None, rules: Findings, *, visit_findings: pd.DataFrame | None = None,
                     short_months: pd.DataFrame | None = None, details: dict[str, pd.DataFrame | None] | None = None,
                     figures: pd.DataFrame | None = None, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per finding (FINDING_COLUMNS) of one region, or of every region when `region_code` is None (one pass
    over whole tables), from the tables that hold them (each may be None).

    visit_findings: metrics.visit_findings (+ name_masked); short_months: the below-minimum rows of
    metrics.elder_months; details: metrics.<metric>_detail by metric name (coverage, cost_per_bed, bed_timeliness,
    renovation_overspend, double_renovation); figures: metrics.figures; indicators: indicators.indicator_table.
    """
    parts: list[pd.DataFrame] = []
    only = (lambda f: f[f["region_code"] == region_code]  # noqa: E731
            if region_code is not None and f is not None and "region_code" in f else f)
    vf = only(visit_findings)
    if vf is not None and len(vf):
        for kind, rows in vf.groupby("rule", sort=False):
            parts.append(_frame(rows, str(kind), rows["evidence"].astype(str),
                                rows["source_file"].astype(str) + " 第" + rows["source_row"].astype(str) + "行"))
    sm = only(short_months)
    if sm is not None and len(sm):
        for kind, (value, minimum, unit) in BELOW.items():
            rows = sm[sm[kind].fillna(False).astype(bool)]
            if len(rows):
                shown = (rows[value] / 60).round(2).astype(str) + "小时" if kind == "below_minutes" \
                    else rows[value].astype(int).astype(str) + unit
                floor = (rows[minimum] / 60).round(2).astype(str) + "小时" if kind == "below_minutes" \
                    else rows[minimum].astype(float).round(2).astype(str) + unit
                parts.append(_frame(rows, kind, "实际 " + shown + "，最低 " + floor, "metrics.elder_months"))
    details = {k: only(v) for k, v in (details or {}).items()}
    d = details.get("coverage")
    if d is not None and len(d):
        parts.append(_frame(d, "ineligible_registration", d["status"].astype(str) + "：" + d["reason"].astype(str),
                            "metrics.coverage_detail"))
    d = details.get("cost_per_bed")
    if d is not None and len(d):
        parts.append(_frame(d, "bed_above_cap", "限额类目合计 " + d["capped_items_yuan"].round(2).astype(str)
                            + " 元，上限 " + d["cap_yuan"].round(2).astype(str) + " 元，超出 "
                            + d["excess_yuan"].round(2).astype(str) + " 元", "metrics.cost_per_bed_detail"))
    d = details.get("bed_timeliness")
    if d is not None and len(d):
        parts.append(_frame(d, "bed_timeliness", d["findings"].astype(str), "metrics.bed_timeliness_detail"))
    d = details.get("renovation_overspend")
    if d is not None and len(d):
        parts.append(_frame(d, "renovation_overspend", d["finding"].astype(str) + "（差额 "
                            + d["difference_yuan"].round(2).astype(str) + " 元）", "metrics.renovation_overspend_detail"))
    d = details.get("double_renovation")
    if d is not None and len(d):
        parts.append(_frame(d, "double_renovation", "已享受适老化改造，重复改造项目 "
                            + d["double_items_yuan"].round(2).astype(str) + " 元", "metrics.double_renovation_detail"))
    f = only(figures)
    if f is not None and len(f):
        rows = f[~f["computable"].astype(bool) & f["institution_id"].isna()]
        if len(rows):
            parts.append(_frame(rows, "figure_not_computable", rows["label"].astype(str) + "：" + rows["why_not"].astype(str),
                                "metrics.figures"))
    if indicators is not None and len(indicators):
        ok = indicators[indicators["computable"] & indicators["target"].notna()]
        missed = ok[(ok["ceiling"] & (ok["actual"] > ok["target"])) | (~ok["ceiling"] & (ok["actual"] < ok["target"]))]
        for kind, rows in (("output_target_missed", missed[missed["level1"] == "产出指标"]),
                           ("benefit_target_missed", missed[missed["level1"] != "产出指标"])):
            if len(rows):
                parts.append(_frame(rows.assign(institution_id=None), kind,
                                    rows["indicator"] + "：完成 " + rows["actual"].round(4).astype(str) + "，目标 "
                                    + rows["target"].round(4).astype(str), "项目绩效目标申报表"))
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    if region_code is not None:
        out["region_code"] = region_code
    out["category"] = out["kind"].map(rules.categories).fillna("业务管理")
    out["category"] = pd.Categorical(out["category"], categories=list(CATEGORIES), ordered=True)
    out["kind"] = pd.Categorical(out["kind"], categories=list(dict.fromkeys([*KINDS, *out["kind"]])), ordered=True)
    out = out.sort_values(["region_code", "category", "institution_id", "kind", "month", "elder_id"], na_position="first",
                          kind="stable").reset_index(drop=True)
    out["category"] = out["category"].astype(str)
    out["kind"] = out["kind"].astype(str)
    return out[FINDING_COLUMNS]


def summarise(findings: pd.DataFrame, first_detail_row: int = 3) -> pd.DataFrame:
    """Count per category × institution × kind, with the rows of the detail sheet behind each count."""
    if not len(findings):
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    f = findings.assign(row=range(first_detail_row, first_detail_row + len(findings)),
                        institution_id=findings["institution_id"].fillna(REGION_WIDE))
    out = (f.groupby(["category", "institution_id", "kind", "finding", "unit"], sort=False)
           .agg(count=("row", "size"), first=("row", "min"), last=("row", "max")).reset_index())
    out["detail_rows"] = "明细第" + out["first"].astype(str) + "–" + out["last"].astype(str) + "行"
    return out[SUMMARY_COLUMNS]


def write_findings(path: Path | str, region_name: str, findings: pd.DataFrame, as_of: dt.date) -> Path:
    """Write the 问题清单: the summary sheet (category merged down, count, where the rows are) and the detail sheet."""
    wb = wbk.new_workbook()
    ws = wb.create_sheet("问题清单")
    width = 7
    wbk.title(ws, f"{region_name}居家和社区基本养老服务提升行动项目问题清单", width)
    wbk.header_row(ws, 2, ["序号", "问题类别", "服务机构", "问题", "数量", "单位", "依据（明细行）"])
    summary = summarise(findings)
    first = 3
    if len(summary):
        wbk.merge_runs(ws, 2, first, list(summary["category"]))
        for i, r in enumerate(summary.to_dict("records")):
            row = first + i
            wbk.cell(ws, row, 1, i + 1)
            wbk.cell(ws, row, 3, r["institution_id"])
            wbk.cell(ws, row, 4, r["finding"], align=wbk.LEFT)
            wbk.cell(ws, row, 5, int(r["count"]), fmt=wbk.COUNT_FORMAT)
            wbk.cell(ws, row, 6, r["unit"])
            wbk.cell(ws, row, 7, r["detail_rows"], align=wbk.LEFT)
        last = first + len(summary) - 1
    else:
        wbk.merged(ws, first, 1, first, width, "未发现问题 (no findings)")
        last = first
    wbk.note(ws, last + 1, f"问题类别：{' / '.join(CATEGORIES)}；人月 = 一位服务对象的一个月。", width)
    wbk.note(ws, last + 2, wbk.as_of_line(as_of), width)
    wbk.widths(ws, [6, 12, 12, 44, 8, 6, 22])
    ws = wb.create_sheet("明细")
    labels = ["问题类别", "服务机构", "问题", "服务对象编号", "姓名", "月份", "证据", "来源"]
    wbk.title(ws, "问题明细", len(labels))
    wbk.header_row(ws, 2, labels)
    # Body rows appended unstyled: a region's findings run to tens of thousands of rows (styling is per cell).
    months = pd.to_datetime(findings["month"], errors="coerce").dt.strftime("%Y-%m").fillna("")
    institutions = findings["institution_id"].where(findings["institution_id"].notna(), REGION_WIDE)
    for values in zip(findings["category"], institutions, findings["finding"], findings["elder_id"],
                      findings["name_masked"], months, findings["evidence"], findings["source"]):
        ws.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in values])
    wbk.widths(ws, [10, 10, 36, 14, 10, 10, 40, 30])
    ws.freeze_panes = "A3"
    return wbk.save(wb, path)
