"""绩效评价得分表: one sheet per subject (the project, then each institution) with each indicator's max, score and
rule or evidence, level totals, grade and veto; overrides and departures marked, and listed on their own sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from eldercare.exports import workbook as wbk
from eldercare.exports.indicators import MISSING_TABLE

WIDTH = 9
HEADER = ["一级指标", "二级指标", "三级指标", "分值", "得分", "计算得分", "评议/调整得分", "评分规则与依据", "状态"]
TOTAL_LEVELS = ("total", "总分", "合计")
# scores.indicator_scores.status as printed (the statuses of eldercare.rubrics.engine.STATUSES)
STATUS_LABELS = {"scored": "数据计算", "judged": "评议打分", "overridden": "调整（覆盖计算值）", "not_scored": "未评分"}
SCORE_COLUMNS = ["rubric", "subject", "level1", "level2", "indicator", "max_points", "computed", "judged", "override",
                 "final", "rule", "inputs", "evidence", "status"]
TOTAL_COLUMNS = ["rubric", "subject", "level", "points", "max_points", "grade", "veto"]
DEPARTURE_COLUMNS = ["rubric", "subject", "indicator", "computed", "final", "reason"]


def _sheet_name(label: str, used: set[str]) -> str:
    name = "".join(ch for ch in label if ch not in "[]:*?/\\")[:31] or "sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}_{n}"
        n += 1
    used.add(name)
    return name


def _is_set(v) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v)) and v is not pd.NA


def write_score_sheets(path: Path | str, region_name: str, subjects: list[tuple[str, str]],
                       indicator_scores: pd.DataFrame | None, totals: pd.DataFrame | None,
                       departures: pd.DataFrame | None, as_of: dt.date) -> Path:
    """Write the 得分表 workbook. `subjects`: (subject id, label) in sheet order — the region code first.

    indicator_scores / totals / departures have the columns of scores.* (SCORE_COLUMNS, TOTAL_COLUMNS,
    DEPARTURE_COLUMNS); None when the table does not exist yet: every sheet then says so.
    """
    wb = wbk.new_workbook()
    used: set[str] = set()
    for subject, label in subjects:
        ws = wb.create_sheet(_sheet_name(label, used))
        wbk.title(ws, f"{region_name}居家和社区基本养老服务提升行动项目绩效评价得分表（{label}）", WIDTH)
        rows = (indicator_scores[indicator_scores["subject"] == subject]
                if indicator_scores is not None else pd.DataFrame(columns=SCORE_COLUMNS))
        rubric = ", ".join(sorted(rows["rubric"].dropna().unique())) if len(rows) else ""
        wbk.note(ws, 2, f"评价对象：{label}（{subject}）    评分表：{rubric or '—'}", WIDTH)
        wbk.header_row(ws, 3, HEADER)
        first = 4
        if indicator_scores is None or not len(rows):
            wbk.merged(ws, first, 1, first, WIDTH, MISSING_TABLE if indicator_scores is None
                       else "not computable: 该对象没有评分 (no scores for this subject)", align=wbk.LEFT)
            row = first + 1
        else:
            rows = rows.reset_index(drop=True)
            wbk.merge_runs(ws, 1, first, list(rows["level1"]))
            wbk.merge_runs(ws, 2, first, [f"{a}|{b}" for a, b in zip(rows["level1"], rows["level2"])],
                           list(rows["level2"]))
            for i, r in enumerate(rows.to_dict("records")):
                row = first + i
                marked = _is_set(r["override"]) or r["status"] in ("overridden", "override")
                fill = wbk.MARK_FILL if marked else None
                wbk.cell(ws, row, 3, ("※ " if marked else "") + str(r["indicator"]), align=wbk.LEFT, fill=fill)
                wbk.cell(ws, row, 4, r["max_points"], fmt="0.##")
                final = r["final"]
                wbk.cell(ws, row, 5, final if _is_set(final) else "未评分", fmt="0.##", fill=fill)
                wbk.cell(ws, row, 6, r["computed"] if _is_set(r["computed"]) else "", fmt="0.##")
                other = r["override"] if _is_set(r["override"]) else r["judged"]
                wbk.cell(ws, row, 7, other if _is_set(other) else "", fmt="0.##", fill=fill)
                basis = "；".join(str(x) for x in (r["rule"], r["inputs"], r["evidence"]) if _is_set(x) and str(x))
                wbk.cell(ws, row, 8, basis, align=wbk.LEFT)
                wbk.cell(ws, row, 9, STATUS_LABELS.get(str(r["status"]), str(r["status"])), fill=fill)
            row = first + len(rows)
        row = _totals(ws, row + 1, totals, subject)
        wbk.note(ws, row + 1, "※ 标记（黄色）：评审人调整了计算得分，原值与理由见“调整与偏离”表。", WIDTH)
        wbk.note(ws, row + 2, wbk.as_of_line(as_of), WIDTH)
        wbk.widths(ws, [10, 14, 28, 8, 8, 10, 12, 60, 14])
    ws = wb.create_sheet("调整与偏离")
    wbk.title(ws, "评分调整与偏离（计算得分与最终得分不同的指标）", 6)
    wbk.header_row(ws, 2, ["评价对象", "评分表", "三级指标", "计算得分", "最终得分", "理由"])
    if departures is None:
        wbk.merged(ws, 3, 1, 3, 6, MISSING_TABLE, align=wbk.LEFT)
    else:
        for i, r in enumerate(departures.to_dict("records"), start=3):
            for col, key in enumerate(("subject", "rubric", "indicator", "computed", "final", "reason"), start=1):
                wbk.cell(ws, i, col, r[key], align=wbk.LEFT if key == "reason" else wbk.CENTER, fmt="0.##",
                         fill=wbk.MARK_FILL)
    wbk.widths(ws, [12, 26, 28, 10, 10, 60])
    return wbk.save(wb, path)


def _totals(ws, row: int, totals: pd.DataFrame | None, subject: str) -> int:
    """The level totals, total, grade and veto under the indicators; returns the last row written."""
    wbk.merged(ws, row, 1, row, 3, "分项得分", bold=True, fill=wbk.HEADER_FILL)
    wbk.cell(ws, row, 4, "分值", bold=True, fill=wbk.HEADER_FILL)
    wbk.cell(ws, row, 5, "得分", bold=True, fill=wbk.HEADER_FILL)
    if totals is None:
        wbk.merged(ws, row + 1, 1, row + 1, WIDTH, MISSING_TABLE, align=wbk.LEFT)
        return row + 1
    t = totals[totals["subject"] == subject]
    levels = t[~t["level"].isin(TOTAL_LEVELS)]
    whole = t[t["level"].isin(TOTAL_LEVELS)]
    for r in levels.to_dict("records"):
        row += 1
        wbk.merged(ws, row, 1, row, 3, r["level"])
        wbk.cell(ws, row, 4, r["max_points"], fmt="0.##")
        wbk.cell(ws, row, 5, r["points"], fmt="0.##")
    total = whole.iloc[0].to_dict() if len(whole) else None
    row += 1
    wbk.merged(ws, row, 1, row, 3, "总分", bold=True)
    wbk.cell(ws, row, 4, total["max_points"] if total else float(levels["max_points"].sum()), fmt="0.##", bold=True)
    wbk.cell(ws, row, 5, total["points"] if total else float(levels["points"].sum()), fmt="0.##", bold=True)
    grade = total["grade"] if total else (levels["grade"].dropna().iloc[0] if levels["grade"].notna().any() else "")
    veto = total["veto"] if total else None
    row += 1
    wbk.merged(ws, row, 1, row, 3, "评价等级", bold=True)
    wbk.merged(ws, row, 4, row, 5, grade, bold=True)
    row += 1
    wbk.merged(ws, row, 1, row, 3, "否决性指标", bold=True)
    wbk.merged(ws, row, 4, row, WIDTH, veto if _is_set(veto) and str(veto) else "无", align=wbk.LEFT,
               fill=wbk.MARK_FILL if _is_set(veto) and str(veto) else None)
    return row
