"""Body rows of a write-only sheet as the SpreadsheetML openpyxl writes for them, built column by column and spliced
into the saved workbook: the same cells, without openpyxl's per-cell objects (about 10 µs a cell, most of a
national 汇总表's time: one row per region × indicator).

Plain values only (text, numbers, booleans, empty); a value openpyxl would write otherwise (a formula-like or error
text, a date, a control character) raises `Unsupported` and the caller writes that sheet through openpyxl instead.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_TEXT = 32767  # openpyxl truncates longer text: left to it


class Unsupported(ValueError):
    """A value this module does not write exactly as openpyxl would."""


def _text(value: str) -> str:
    if not value:
        return ' t="inlineStr" />'
    if len(value) > MAX_TEXT or (len(value) > 1 and value[0] == "=") or value in ERROR_CODES \
            or ILLEGAL_CHARACTERS_RE.search(value):
        raise Unsupported(value[:40])
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _content(value) -> str:
    """What follows `<c r="A1"` for one value, as openpyxl's write-only sheet writes it ('' for an empty cell,
    which it leaves out)."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is float:
        if value != value:  # NaN: empty
            return ""
        if value in (float("inf"), float("-inf")):
            raise Unsupported(repr(value))
        return f' t="n"><v>{"%.16g" % value}</v></c>'
    if kind is int:
        return f' t="n"><v>{"%.16g" % value}</v></c>'
    if kind is bool:
        return f' t="b"><v>{"%.16g" % value}</v></c>'
    if value is None:
        return ""
    try:
        missing = bool(pd.isna(value))  # pd.NA, NaT, numpy NaN
    except (TypeError, ValueError):
        missing = False
    if missing:
        return ""
    raise Unsupported(f"{kind.__name__}: {value!r}"[:60])


def _column(letter: str, numbers: range, values: list) -> list[str]:
    """The cells of one column; each distinct text is escaped once (labels, names and verdicts repeat). Only text
    is remembered: True == 1 == 1.0 as keys, but they are written differently."""
    texts: dict[str, str] = {}
    out = []
    for r, v in zip(numbers, values):
        if type(v) is str:
            content = texts.get(v)
            if content is None:
                content = texts[v] = _text(v)
        else:
            content = _content(v)
        out.append(f'<c r="{letter}{r}"{content}' if content else "")
    return out


def rows_xml(frame: pd.DataFrame, first_row: int) -> str:
    """The `<row>` elements of every row of `frame` (columns A, B, … in its order), numbered from `first_row`."""
    numbers = range(first_row, first_row + len(frame))
    columns = []
    for i, name in enumerate(frame.columns, start=1):
        columns.append(_column(get_column_letter(i), numbers, frame[name].tolist()))
    out = []
    for r, cells in zip(numbers, zip(*columns) if columns else [() for _ in numbers]):
        body = "".join(cells)
        if not body:
            raise Unsupported(f"row {r} is empty")
        out.append(f'<row r="{r}">{body}</row>')
    return "".join(out)


def save(wb: Workbook, path: Path | str, bodies: dict[WriteOnlyWorksheet, str]) -> Path:
    """Save the write-only workbook with each sheet's body rows (rows_xml) appended after the rows openpyxl wrote,
    atomically (a temporary file renamed over the target, as workbook.save does)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    names = {ws.path.lstrip("/"): body.encode("utf-8") for ws, body in bodies.items() if body}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in names:
                head, end, tail = data.rpartition(b"</sheetData>")
                if not end:
                    raise ValueError(f"{info.filename}: no <sheetData> to append rows to")
                data = head + names[info.filename] + end + tail
            out.writestr(info, data)
    tmp.replace(path)
    return path
