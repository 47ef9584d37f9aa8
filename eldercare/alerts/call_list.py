"""The morning call list of an institution: an xlsx of its alerted elders (masked names only), most urgent first.

Sheet 本月预警: elders at risk of a shortfall this month (cannot reach first, then the hardest rest of month);
sheet 人次预警: recipients whose 30 visits are at risk. An institution without alerts still gets its file, saying
so, so that yesterday's list is never mistaken for today's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from eldercare.alerts.pace import LEVELS
from eldercare.alerts.person_times_risk import STATUSES

PACE_COLUMNS = {  # column of alerts.visit_pace -> header on the call list
    "urgency": "紧急顺序", "elder_id": "服务对象编号", "name_masked": "姓名", "risk_level": "风险等级",
    "visits": "本月已服务次数", "min_visits": "次数要求", "minutes": "已服务分钟", "min_minutes": "分钟要求",
    "medical_visits": "医疗护理次数", "min_medical_visits": "医疗护理要求", "days_left": "剩余天数",
    "visits_per_day_needed": "每日需服务次数", "risk_reason": "原因 reason", "quarantined_rows": "被隔离的打卡记录",
}
PERSON_TIMES_COLUMNS = {
    "elder_id": "服务对象编号", "name_masked": "姓名", "status": "人次状态", "visits": "项目期内已服务次数",
    "threshold": "人次门槛", "need": "还需次数", "days_left": "项目剩余天数", "visits_per_day_needed": "每日需服务次数",
}
ALERTED_PERSON_TIMES = ("cannot_reach", "at_risk")


def file_name(as_of: dt.date, institution_id: str) -> str:
    """预警名单_call_list_<as-of date>_<institution>.xlsx (one file per institution and day)."""
    return f"预警名单_call_list_{as_of.isoformat()}_{institution_id}.xlsx"


def _bold(ws, values: list) -> list[WriteOnlyCell]:
    cells = [WriteOnlyCell(ws, value=v) for v in values]
    for cell in cells:
        cell.font = Font(bold=True)
    return cells


def _sheet(wb: openpyxl.Workbook, title: str, heading: str, frame: pl.DataFrame, columns: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A3"
    ws.append(_bold(ws, [heading]))
    ws.append(_bold(ws, list(columns.values())))
    if frame.is_empty():
        ws.append(["无预警 no alerts"])
    for row in frame.select(list(columns)).iter_rows():
        ws.append([round(v, 2) if isinstance(v, float) else v for v in row])


def write_call_lists(pace: pl.DataFrame, person_times: pl.DataFrame, institutions: pl.DataFrame, as_of: dt.date,
                     root: Path) -> list[Path]:
    """One workbook per institution under root/<region_code>/; returns the paths written.

    pace: alerts.visit_pace rows (one margin); person_times: alerts.person_times_risk rows;
    institutions: region_code, institution_id, name (every institution gets a file).
    """
    pace = pace.filter(pl.col("risk_level").is_in(list(LEVELS)[:2])).with_columns(
        pl.col("risk_level").replace_strict(LEVELS)).sort("urgency")
    person_times = person_times.filter(pl.col("status").is_in(ALERTED_PERSON_TIMES)).with_columns(
        pl.col("status").replace_strict(STATUSES)).sort("need", "elder_id", descending=[True, False])
    written = []
    pace_by = pace.partition_by("region_code", "institution_id", as_dict=True) if pace.height else {}
    pt_by = person_times.partition_by("region_code", "institution_id", as_dict=True) if person_times.height else {}
    for code, inst, name in institutions.select("region_code", "institution_id", "name").iter_rows():
        folder = root / code
        folder.mkdir(parents=True, exist_ok=True)
        wb = openpyxl.Workbook(write_only=True)  # streams rows: a national month lists ~10k elders
        month = as_of.strftime("%Y-%m")
        _sheet(wb, "本月预警", f"{name} ({inst}) {month} 上门服务预警名单 call list, as of {as_of.isoformat()}",
               pace_by.get((code, inst), pace.clear()), PACE_COLUMNS)
        _sheet(wb, "人次预警", f"{name} ({inst}) 人次 (≥30 visits) at risk, as of {as_of.isoformat()}",
               pt_by.get((code, inst), person_times.clear()), PERSON_TIMES_COLUMNS)
        path = folder / file_name(as_of, inst)
        tmp = path.with_suffix(".tmp")
        wb.save(tmp)
        tmp.replace(path)
        written.append(path)
    return written
