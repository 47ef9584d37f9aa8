"""汇总表: one workbook for every region of the run — each project's rubric totals and grade, the 12 indicators
against their targets, and the findings per category — built from whole tables, one row per region × item, so a
national run hands on one file instead of a folder per region."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from eldercare.exports import workbook as wbk
from eldercare.exports.settings import CATEGORIES

FILE_NAME = "全部地区_汇总表.xlsx"
TOTAL_LEVELS = ("total", "总分", "合计")


def score_rows(totals: pd.DataFrame | None, names: dict[str, str]) -> pd.DataFrame:
    """Each region's project total per rubric (subject = the region code): points, maximum, grade, veto."""
    columns = ["region_code", "region_name", "rubric", "points", "max_points", "grade", "veto"]
    if totals is None:
        return pd.DataFrame(columns=columns)
    t = totals[totals["level"].isin(TOTAL_LEVELS) & (totals["subject"] == totals["region_code"])]
    t = t[t["region_code"].isin(list(names))].assign(region_name=lambda f: f["region_code"].map(names))
    return t.sort_values(["region_code", "rubric"])[columns]


def indicator_rows(indicators: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """indicators.indicator_tables with each target met, missed, or why it cannot be judged."""
    i = indicators.assign(region_name=indicators["region_code"].map(names))
    actual, target = pd.to_numeric(i["actual"], errors="coerce"), pd.to_numeric(i["target"], errors="coerce")
    judged = i["computable"].astype(bool) & target.notna() & actual.notna()
    ceiling = i["ceiling"].astype(bool)
    met = (ceiling & (actual <= target)) | (~ceiling & (actual >= target))
    i["verdict"] = [("达到" if m else "未达到") if j else (w or "未填报目标") for j, m, w in zip(judged, met, i["why_not"])]
    return i[["region_code", "region_name", "number", "indicator", "unit", "target", "actual", "verdict"]]


def finding_counts(counts: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Findings per region and category from their counts (region_code, category, n; grouped where they are
    stored): every category a column, 0 where none, with the total."""
    counts = (counts.pivot_table(index="region_code", columns="category", values="n", aggfunc="sum", fill_value=0)
              .reindex(index=list(names), columns=list(CATEGORIES), fill_value=0))
    counts["合计"] = counts.sum(axis=1)
    counts.insert(0, "region_name", [names[c] for c in counts.index])
    return counts.reset_index(names="region_code")


def _sheet(wb: Workbook, name: str, title: str, labels: list[str], rows, widths: list[float]) -> None:
    ws = wb.create_sheet(name)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A3"
    head = WriteOnlyCell(ws, title)
    head.font = wbk.TITLE
    ws.append([head])
    header = []
    for label in labels:
        c = WriteOnlyCell(ws, label)
        c.font, c.fill, c.border = wbk.BOLD, wbk.HEADER_FILL, wbk.BORDER
        header.append(c)
    ws.append(header)
    for row in rows:
        ws.append([None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in row])


def write_summary(path: Path | str, scores: pd.DataFrame, indicators: pd.DataFrame, findings: pd.DataFrame,
                  as_of: dt.date) -> Path:
    """Write the 汇总表 (write-only: rows stream to the file, the cost follows rows, never regions × rows)."""
    wb = Workbook(write_only=True)
    _sheet(wb, "评分汇总", f"各地区项目绩效评价得分汇总（{wbk.as_of_line(as_of)}）",
           ["地区代码", "地区", "评分表", "总分", "满分", "等级", "否决"],
           scores.itertuples(index=False, name=None), [10, 14, 30, 8, 8, 10, 8])
    _sheet(wb, "指标汇总", "各地区绩效指标完成情况（目标值、完成值、是否达到）",
           ["地区代码", "地区", "序号", "指标", "单位", "年度目标值", "完成值", "是否达到 / 不可计算原因"],
           indicators.itertuples(index=False, name=None), [10, 14, 6, 60, 8, 12, 12, 40])
    _sheet(wb, "问题汇总", "各地区问题清单汇总（按问题类别计数）",
           ["地区代码", "地区", *CATEGORIES, "合计"], findings.itertuples(index=False, name=None),
           [10, 14, 10, 10, 10, 10, 8])
    return wbk.save(wb, path)
