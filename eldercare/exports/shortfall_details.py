"""上门服务不达标明细: the in-scope person-months below a monthly minimum, per institution and month, with their
visits, hours and medical visits, and a summary of counts per institution × month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from eldercare.exports import workbook as wbk

# Columns read (from metrics.elder_months, below-minimum in-scope rows only; id_masked only in internal exports).
SHORT_COLUMNS = ["institution_id", "month", "elder_id", "name_masked", "visits", "minutes", "unrecorded_visits",
                 "medical_visits", "min_visits", "min_minutes", "min_medical_visits", "below_visits",
                 "below_minutes", "below_medical_visits", "scope_note"]
# metrics.visit_shortfalls columns used for the summary.
SUMMARY_COLUMNS = ["institution_id", "month", "metric", "in_scope_person_months", "person_months_below"]
METRIC_LABELS = {"visits": "次数不达标（人月）", "hours": "时长不达标（人月）", "medical_visits": "医疗护理不达标（人月）"}


def _month(v) -> str:
    return pd.Timestamp(v).strftime("%Y-%m")


def write_shortfall_details(path: Path | str, region_name: str, short_months: pd.DataFrame | None,
                            shortfalls: pd.DataFrame | None, as_of: dt.date) -> Path:
    """Write the workbook: sheet 汇总 (institution × month counts) and sheet 明细 (one row per short person-month)."""
    wb = wbk.new_workbook()
    ws = wb.create_sheet("汇总")
    metrics = list(METRIC_LABELS)
    wbk.title(ws, f"{region_name}居家养老上门服务不达标汇总", 3 + len(metrics))
    wbk.header_row(ws, 2, ["服务机构", "月份", "在范围人月", *METRIC_LABELS.values()])
    row = 3
    if shortfalls is None or not len(shortfalls):
        wbk.merged(ws, row, 1, row, 3 + len(metrics), "not computable: 尚未计算 (table missing)"
                   if shortfalls is None else "无不达标人月", align=wbk.LEFT)
    else:
        pivot = (shortfalls.pivot_table(index=["institution_id", "month"], columns="metric",
                                        values="person_months_below", aggfunc="sum")
                 .reindex(columns=metrics))
        scope = shortfalls.groupby(["institution_id", "month"])["in_scope_person_months"].max()
        keys = list(pivot.index)
        wbk.merge_runs(ws, 1, row, [k[0] for k in keys])
        for i, (inst, month) in enumerate(keys):
            wbk.cell(ws, row + i, 2, _month(month))
            wbk.cell(ws, row + i, 3, int(scope.loc[(inst, month)]), fmt=wbk.COUNT_FORMAT)
            for j, m in enumerate(metrics):
                v = pivot.loc[(inst, month), m]
                wbk.cell(ws, row + i, 4 + j, "—" if pd.isna(v) else int(v), fmt=wbk.COUNT_FORMAT)
        total = row + len(keys)
        wbk.merged(ws, total, 1, total, 2, "合计", bold=True)
        wbk.cell(ws, total, 3, int(scope.sum()), fmt=wbk.COUNT_FORMAT, bold=True)
        for j, m in enumerate(metrics):
            wbk.cell(ws, total, 4 + j, int(pivot[m].fillna(0).sum()), fmt=wbk.COUNT_FORMAT, bold=True)
        row = total
    wbk.note(ws, row + 1, "“—”：该地区未规定此项最低要求。" + wbk.as_of_line(as_of), 3 + len(metrics))
    wbk.widths(ws, [12, 10, 12, 18, 18, 20])

    ws = wb.create_sheet("明细")
    internal = short_months is not None and "id_masked" in short_months
    ident = ["服务机构", "月份", "服务对象编号", "姓名"] + (["身份证号（脱敏）"] if internal else [])
    n = len(ident)
    width = n + 8
    wbk.title(ws, f"{region_name}居家养老上门服务不达标明细", width)
    for c, label in enumerate(ident, start=1):
        wbk.merged(ws, 2, c, 3, c, label, bold=True, fill=wbk.HEADER_FILL)
    wbk.merged(ws, 2, n + 1, 2, n + 4, "服务情况", bold=True, fill=wbk.HEADER_FILL)
    wbk.merged(ws, 2, n + 5, 2, n + 7, "不达标项目", bold=True, fill=wbk.HEADER_FILL)
    wbk.merged(ws, 2, n + 8, 3, n + 8, "最低要求（次/小时/医疗次）", bold=True, fill=wbk.HEADER_FILL)
    wbk.header_row(ws, 3, ["服务次数（次）", "服务时长（小时）", "未记录时长（次）", "医疗护理（次）", "次数", "时长", "医疗护理"],
                   first_col=n + 1)
    if short_months is None:
        wbk.merged(ws, 4, 1, 4, width, "not computable: 尚未计算 (table missing)", align=wbk.LEFT)
    else:
        # Body rows appended unstyled: a region's detail runs to tens of thousands of rows (styling is per cell).
        rows = short_months.sort_values(["institution_id", "month", "elder_id"])
        minutes = (rows["minutes"].astype(float) / 60).round(2)
        floors = [" / ".join("—" if v is None or pd.isna(v) else f"{v:g}" for v in m) for m in
                  zip(rows["min_visits"], rows["min_minutes"] / 60, rows["min_medical_visits"])]
        mark = {True: "不达标", False: None}
        columns = [rows["institution_id"], rows["month"].map(_month), rows["elder_id"], rows["name_masked"]]
        if internal:
            columns.append(rows["id_masked"])
        columns += [rows["visits"].astype(int), minutes, rows["unrecorded_visits"].astype(int),
                    rows["medical_visits"].astype(int), *(rows[k].fillna(False).astype(bool).map(mark)
                                                          for k in ("below_visits", "below_minutes",
                                                                    "below_medical_visits")), floors]
        for values in zip(*columns):
            ws.append([v.item() if hasattr(v, "item") else v for v in values])
    ws.freeze_panes = f"{get_column_letter(n + 1)}4"
    wbk.widths(ws, [12, 10, 14, 10] + ([20] if internal else []) + [12, 14, 14, 12, 8, 8, 10, 22])
    return wbk.save(wb, path)
