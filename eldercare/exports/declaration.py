"""项目绩效目标申报表 (seed 000): the project header, funds and the 12 indicators with last year's data, the two
targets and this year's actual (an added column), 'not computable: why' where there is none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eldercare.exports import workbook as wbk
from eldercare.exports.indicators import NOT_GIVEN

SHEET = "项目绩效目标申报表"
WIDTH = 9  # columns A–I


@dataclass(frozen=True)
class DeclarationHeader:
    """The head of the table: region, year, departments, funds (万元; None = 未填报), overall goals."""

    region_code: str
    region_name: str
    project_year: int
    province_department: str = ""
    funds_total_wan: float | None = None
    funds_central_wan: float | None = None
    funds_local_wan: float | None = None
    funds_other_wan: float | None = None
    goals: list[str] = field(default_factory=list)


def declaration_header(region) -> DeclarationHeader:
    """The head of a region's 申报表 from its region.yaml (an eldercare.region.Region): `declaration:` keys
    province_department, funds_wan {total, central, local, other}, goals; the total falls back to targets.budget_wan."""
    decl = region.settings.get("declaration") or {}
    funds = decl.get("funds_wan") or {}
    return DeclarationHeader(
        region.code, region.name, region.project_year, str(decl.get("province_department") or ""),
        funds.get("total", region.targets.get("budget_wan")), funds.get("central"), funds.get("local"),
        funds.get("other"), [str(g) for g in decl.get("goals") or []])


def write_declaration(path: Path | str, header: DeclarationHeader, indicators: pd.DataFrame, as_of: dt.date) -> Path:
    """Write the 申报表; `indicators` is eldercare.exports.indicators.indicator_table (12 rows, in order)."""
    wb = wbk.new_workbook()
    ws = wb.create_sheet(SHEET)
    y = header.project_year
    wbk.title(ws, "项目绩效目标申报表", WIDTH)
    rows = [("申报地区", f"{header.region_name}（{header.region_code}）"),
            ("项目名称", f"{y}年居家和社区基本养老服务提升行动项目"),
            ("中央主管部门", "民政部、财政部"),
            ("省级主管部门", header.province_department or "")]
    for i, (label, value) in enumerate(rows, start=2):
        wbk.cell(ws, i, 1, label, bold=True)
        wbk.merged(ws, i, 2, i, WIDTH, value, align=wbk.LEFT)
    # 项目资金(万元): total beside three sources, as printed.
    wbk.merged(ws, 6, 1, 8, 1, "项目资金(万元)", bold=True)
    wbk.merged(ws, 6, 2, 8, 2, header.funds_total_wan if header.funds_total_wan is not None else NOT_GIVEN,
               fmt=wbk.MONEY_FORMAT)
    funds = [("申请中央财政补助资金（万元）", header.funds_central_wan),
             ("地方财政补助资金（含省级和地市财政补助资金，万元）", header.funds_local_wan),
             ("其他资金（万元）", header.funds_other_wan)]
    for i, (label, value) in enumerate(funds, start=6):
        wbk.merged(ws, i, 3, i, 6, label, align=wbk.LEFT)
        wbk.merged(ws, i, 7, i, WIDTH, value if value is not None else NOT_GIVEN, fmt=wbk.MONEY_FORMAT)
    goals = "\n".join(f"目标{i}：{g}" for i, g in enumerate(header.goals, start=1)) or "目标1：\n目标2：\n……"
    wbk.merged(ws, 9, 1, 9, 1, "总\n体\n目\n标", bold=True)
    wbk.merged(ws, 9, 2, 9, WIDTH, goals, align=wbk.LEFT)
    ws.row_dimensions[9].height = 60
    first = 11
    last = first + len(indicators) - 1
    wbk.merged(ws, 10, 1, last, 1, "绩效指标", bold=True)
    wbk.header_row(ws, 10, ["一级指标", "二级指标", "三级指标", f"{y - 1}年\n数据", f"{y}年\n目标值", f"{y + 1}年目标值",
                            f"{y}年\n实际完成值", "说明"], first_col=2)
    ws.row_dimensions[10].height = 32
    wbk.merge_runs(ws, 2, first, list(indicators["level1"]))
    wbk.merge_runs(ws, 3, first, list(indicators["level2"]))
    for i, r in enumerate(indicators.to_dict("records")):
        row = first + i
        wbk.cell(ws, row, 4, r["indicator"], align=wbk.LEFT)
        for col, key in ((5, "last_year"), (6, "target"), (7, "next_target")):
            value = r[key]
            if value is None or pd.isna(value):
                wbk.cell(ws, row, col, NOT_GIVEN)
            else:
                wbk.cell(ws, row, col, value, fmt=wbk.unit_format(r["unit"]))
        wbk.value_or_reason(ws, row, 8, r["actual"], r["why_not"], r["unit"])
        wbk.cell(ws, row, 9, "不高于目标值为达标" if r["ceiling"] else "", align=wbk.LEFT)
        ws.row_dimensions[row].height = 45 if len(r["indicator"]) > 40 else 30
    wbk.note(ws, last + 1, "注：根据地方实际情况，可适当增加指标，相关指标内容要明确、可量化、可考核。", WIDTH)
    wbk.note(ws, last + 2, wbk.as_of_line(as_of), WIDTH)
    wbk.widths(ws, [10, 12, 14, 52, 12, 12, 12, 14, 40])
    return wbk.save(wb, path)

