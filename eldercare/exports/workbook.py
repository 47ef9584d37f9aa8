"""Shared openpyxl layout of the official tables: titles, merged header cells, borders, number formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from weakref import WeakKeyDictionary

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
BOLD = Font(bold=True, name="宋体")
TITLE = Font(bold=True, size=16, name="宋体")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
MARK_FILL = PatternFill("solid", fgColor="FFF2CC")  # overrides and departures
RATIO_FORMAT = "0.00%"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"


def new_workbook() -> Workbook:
    """An empty workbook (its default sheet removed: each writer names its own sheets)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def save(wb: Workbook, path: Path | str) -> Path:
    """Write the workbook atomically (a temporary file renamed over the target)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


# Each combination of font, alignment, format and fill is registered once per workbook as a named style: assigning
# a Border/Font object per cell makes openpyxl hash it again for every cell (most of a workbook's time).
_STYLES: WeakKeyDictionary = WeakKeyDictionary()


def _style_name(ws: Worksheet, bold: bool, align, fmt: str | None, fill) -> str:
    names = _STYLES.setdefault(ws.parent, {})
    key = (bold, id(align), fmt, id(fill))
    name = names.get(key)
    if name is None:
        name = f"表格{len(names) + 1}"
        style = NamedStyle(name=name, border=BORDER, alignment=align, number_format=fmt or "General")
        if bold:
            style.font = BOLD
        if fill is not None:
            style.fill = fill
        ws.parent.add_named_style(style)
        names[key] = name
    return name


def merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """Merge a block whose cells are already written and styled. openpyxl's merge_cells restyles every edge cell and
    compares the block with every earlier one (milliseconds per block); the blocks written here never overlap."""
    ws.merged_cells.ranges.add(MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"))


def cell(ws: Worksheet, row: int, col: int, value=None, *, bold: bool = False, align=CENTER, fmt: str | None = None,
         fill=None):
    """Write one bordered cell; NaN and None become empty."""
    if value is not None and not isinstance(value, str):
        try:
            if pd.isna(value):
                value = None
        except (TypeError, ValueError):
            pass
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    c = ws.cell(row=row, column=col, value=value)
    c.style = _style_name(ws, bold, align, fmt, fill)
    return c


def merged(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value=None, **style):
    """Write `value` into a merged block, bordering every cell of it (LibreOffice draws borders per cell)."""
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            cell(ws, r, c, value if (r, c) == (r1, c1) else None, **style)
    if (r1, c1) != (r2, c2):
        merge(ws, r1, c1, r2, c2)


def title(ws: Worksheet, text: str, width: int, row: int = 1) -> None:
    merge(ws, row, 1, row, width)
    c = ws.cell(row=row, column=1, value=text)
    c.font = TITLE
    c.alignment = CENTER
    ws.row_dimensions[row].height = 30


def note(ws: Worksheet, row: int, text: str, width: int) -> None:
    """A merged, unbordered line of text under a table (注, 数据截至…)."""
    merge(ws, row, 1, row, width)
    c = ws.cell(row=row, column=1, value=text)
    c.alignment = LEFT


def header_row(ws: Worksheet, row: int, labels: list[str], first_col: int = 1) -> None:
    for i, label in enumerate(labels):
        cell(ws, row, first_col + i, label, bold=True, fill=HEADER_FILL)


def widths(ws: Worksheet, sizes: list[float]) -> None:
    for i, w in enumerate(sizes, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def merge_runs(ws: Worksheet, col: int, first_row: int, values: list, shown: list | None = None) -> None:
    """Merge vertically the runs of equal consecutive values in one column (一级指标 / 二级指标 as printed);
    `shown` is what to print when the run key is not the label itself."""
    shown = values if shown is None else shown
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            merged(ws, first_row + start, col, first_row + i - 1, col, shown[start])
            start = i


def unit_format(unit: str | None) -> str | None:
    """The number format of a value in its unit: % for ratios, money to the fen, counts whole."""
    if unit in ("%", "ratio"):
        return RATIO_FORMAT
    if unit in ("张", "人", "人次", "床", "份", "次", "人月"):
        return COUNT_FORMAT
    return MONEY_FORMAT


def value_or_reason(ws: Worksheet, row: int, col: int, value, reason: str | None, unit: str | None):
    """A number in its format, or the 'not computable: why' text where there is none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return cell(ws, row, col, reason or "", align=LEFT)
    return cell(ws, row, col, value, fmt=unit_format(unit))


def as_of_line(as_of: dt.date) -> str:
    return f"数据截至 {as_of.isoformat()}（由数据管道从数据仓库生成，请勿手工改动数值）"
