"""Read a raw ledger file (xlsx or csv, UTF-8 or GB18030) into cells with their row numbers and canonical headers.

A file that cannot be read as the ledger is refused whole with `LedgerRefused`, whose message names the file and
why; everything else (blank rows, totals rows, unreadable cells) is left for the row rules to judge.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import polars as pl

from eldercare.ledgers import Ledger, alias_index, header_key

HEADER_SCAN_ROWS = 12
HEAD_CHARS = 64 * 1024
# Files read at once (visit months, the small ledgers of many regions): one more than the cores, so that polars
# parsing one file (without the GIL) overlaps the Python steps of another.
READERS = min(4, (os.cpu_count() or 1) + 1)
UTF8_BOM = b"\xef\xbb\xbf"


class LedgerRefused(Exception):
    """A whole file refused: it cannot be read as the ledger its name says."""

    def __init__(self, source_file: str, reason: str):
        super().__init__(f"{source_file}: {reason}")
        self.source_file = source_file
        self.reason = reason


class FormulaWithoutValue:
    """A formula cell whose workbook holds no cached value (saved by a tool that does not compute)."""

    def __init__(self, formula: str):
        self.formula = formula

    def __repr__(self) -> str:
        return f"formula {self.formula} without a cached value"


@dataclass
class Grid:
    """The cells of one sheet (or CSV file), row numbers as a person sees them (1-based)."""

    sheet: str | None
    rows: list[tuple[int, list]]  # (row number, cells)
    encoding: str | None = None


@dataclass
class RawTable:
    """A ledger's data rows with canonical headers: `rows` as read, `positions` the canonical column's index in
    them; `records` are (row number, {canonical: cell}), `column(name)` one column's cells. A CSV read by polars
    holds `frame` instead of `rows` (source_row and every canonical column as text, null where a cell is empty)."""

    source_file: str
    sheet: str | None
    header_row: int
    headers: dict[str, str]  # canonical -> header as written
    units: dict[str, str]  # canonical -> unit written in the header (万元, 元, 分钟…)
    unknown_columns: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    frame: pl.DataFrame | None = None

    @property
    def height(self) -> int:
        """How many rows follow the header (blank ones included)."""
        return self.frame.height if self.frame is not None else len(self.rows)

    @functools.cached_property
    def records(self) -> list[tuple[int, dict]]:
        if self.frame is not None:
            names = list(self.positions)
            return [(number, dict(zip(names, cells)))
                    for number, *cells in self.frame.select("source_row", *names).iter_rows()]
        return [(number, {canon: (cells[j] if j < len(cells) else None) for canon, j in self.positions.items()})
                for number, cells in self.rows]

    def row_numbers(self) -> list[int]:
        if self.frame is not None:
            return self.frame["source_row"].to_list()
        return [number for number, _ in self.rows]

    @functools.cached_property
    def _columns(self) -> list[tuple]:
        """The grid transposed at once (in C), short rows padded with None: every column's cells."""
        return list(itertools.zip_longest(*(cells for _, cells in self.rows)))

    def column(self, name: str) -> list:
        """The cells of one canonical column, in row order (None where a short row has no such cell)."""
        if self.frame is not None:
            return self.frame[name].to_list()
        j = self.positions[name]
        return list(self._columns[j]) if j < len(self._columns) else [None] * len(self.rows)

    def cell(self, pos: int, name: str) -> object:
        """The cell of canonical column `name` in the data row at `pos` (0-based), None when there is none."""
        if name not in self.positions:
            return None
        if self.frame is not None:
            return self.frame[name][pos]
        cells, j = self.rows[pos][1], self.positions[name]
        return cells[j] if j < len(cells) else None

    @property
    def all_text(self) -> bool:
        """True for CSV: every cell is a string (or missing), nothing to convert."""
        return self.encoding is not None


def cell_text(v: object) -> str | None:
    """A cell read from a workbook as the text a CSV would hold: datetimes as 2022-09-01 08:30:00, whole floats
    without .0; strings as they are."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def decode_text(data: bytes, source_file: str) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), else GB18030; refuse anything else."""
    if not data.strip():
        raise LedgerRefused(source_file, "the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise LedgerRefused(source_file, f"not UTF-8 or GB18030 text (bad byte at offset {exc.start})") from None


def _utf8(data: bytes) -> bool:
    """True when the bytes are valid UTF-8: checked in Rust by polars, without a Python str of a 300 MB month."""
    try:
        pl.Series([data], dtype=pl.Binary).cast(pl.Utf8)
    except pl.exceptions.PolarsError:
        return False
    return True


def decode_payload(data: bytes, source_file: str) -> tuple[bytes, str, str]:
    """(UTF-8 payload without BOM, its first HEAD_CHARS characters, encoding): what `decode_text` decides, but a
    UTF-8 file (nearly every platform export) is only validated and its head decoded, not the whole file."""
    body = data[3:] if data.startswith(UTF8_BOM) else data
    if data.strip() and _utf8(body):
        # 4 bytes a character at most: this many bytes hold HEAD_CHARS whole characters (a cut one is dropped)
        head = body[: 4 * HEAD_CHARS + 4].decode("utf-8", errors="ignore")[:HEAD_CHARS]
        return body, head, "utf-8-sig" if body is not data else "utf-8"
    text, encoding = decode_text(data, source_file)  # empty, GB18030 or refused, as for every other ledger
    return text.encode("utf-8"), text[:HEAD_CHARS], encoding


def read_grids(path: Path, source_file: str) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, encoding = decode_text(path.read_bytes(), source_file)
        rows = list(enumerate(csv.reader(io.StringIO(text)), start=1))
        return [Grid(None, rows, encoding)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path, source_file)
    raise LedgerRefused(source_file, f"unsupported file type '{suffix}' (expected .xlsx or .csv)")


# Cells a workbook opened without cached values shows as they are in both modes (no formula behind them).
_PLAIN_CELLS = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta, type(None))


def _sheet_rows(book, name: str) -> list[tuple[int, list]]:
    return [(i, list(row)) for i, row in enumerate(book[name].iter_rows(values_only=True), start=1)]


def _read_workbook(path: Path, source_file: str) -> list[Grid]:
    """Every sheet, opened once for its formulas; only a workbook that has formulas is opened a second time for
    their cached values (a formula saved without one becomes `FormulaWithoutValue`)."""
    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerRefused(source_file, f"not a readable xlsx workbook ({type(exc).__name__})") from None
    try:
        sheets = {name: _sheet_rows(formulas, name) for name in formulas.sheetnames}
    finally:
        formulas.close()
    if all(type(v) in _PLAIN_CELLS and not (type(v) is str and v.startswith("="))
           for rows in sheets.values() for _, cells in rows for v in cells):
        return [Grid(name, rows) for name, rows in sheets.items()]
    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerRefused(source_file, f"not a readable xlsx workbook ({type(exc).__name__})") from None
    grids = []
    try:
        for name in values.sheetnames:
            rows = []
            for (i, vrow), (_, frow) in zip(enumerate(values[name].iter_rows(values_only=True), start=1),
                                            sheets[name]):
                cells = [
                    FormulaWithoutValue(f) if v is None and isinstance(f, str) and f.startswith("=") else v
                    for v, f in zip(vrow, frow)
                ]
                rows.append((i, cells))
            grids.append(Grid(name, rows))
    finally:
        values.close()
    return grids


def _header_at(grid: Grid, pos: int, index: dict[str, str]):
    """Columns named by row `pos`, completed by the row below where a merged group cell (建设日期 over 计划完成日期 /
    实际开工日期 / 实际完成日期) or an empty cell leaves them open: (hits, texts, units, rows used)."""
    cells = grid.rows[pos][1]
    hits = {j: index[header_key(c)[0]] for j, c in enumerate(cells) if c is not None and header_key(c)[0] in index}
    texts = {j: str(cells[j]) for j in hits}
    units = {j: header_key(cells[j])[1] for j in hits}
    used = 1
    if hits and pos + 1 < len(grid.rows):
        for j, c in enumerate(grid.rows[pos + 1][1]):
            if j in hits or c is None:
                continue
            key, unit = header_key(c)
            if key in index and index[key] not in hits.values():
                hits[j], texts[j], units[j] = index[key], str(c), unit
                used = 2
    return hits, texts, units, used


def match_header(grid: Grid, ledger: Ledger) -> tuple[int, dict[int, str], dict[int, str], dict[int, str]] | None:
    """Find the header row(s) of a grid, after any title rows: (index of first data row, col->canonical,
    col->header, col->unit). A two-row header with merged group cells counts as one header."""
    index = alias_index(ledger)
    best = None
    for pos in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        found = _header_at(grid, pos, index)
        if best is None or len(set(found[0].values())) > len(set(best[1][0].values())):
            best = (pos, found)
    if best is None or len(best[1][0]) < 2:
        return None
    pos, (hits, texts, units, used) = best
    return pos + used, hits, texts, units


def unknown_columns(grid: Grid, data_start: int, hits: dict[int, str], texts: dict[int, str]) -> list[str]:
    """Header cells no column of the ledger claims, from both rows of a two-row header (left out, and reported)."""
    rows = [grid.rows[data_start - 1][1]]
    if data_start >= 2:
        top = grid.rows[data_start - 2][1]
        if any(j < len(top) and top[j] is not None and str(top[j]) == texts[j] for j in hits):
            rows.append(top)  # the upper row of a two-row header named some columns: it is header too
    return sorted({str(c).strip() for cells in rows for j, c in enumerate(cells)
                   if c is not None and str(c).strip() and j not in hits})


def _choose_header(grids: list[Grid], ledger: Ledger, source_file: str):
    """The grid whose headers fit the ledger best and its header: (grid, data_start, hits, texts, units); refuse a
    file where none fits, two columns map to one, or a required column is missing."""
    candidates = []
    for grid in grids:
        found = match_header(grid, ledger)
        if found is None:
            continue
        canon = set(found[1].values())
        if ledger.sheet_hint and ledger.sheet_hint not in canon:
            continue
        candidates.append((len(canon), grid, found))
    if not candidates:
        raise LedgerRefused(source_file, f"no sheet has the headers of {ledger.label} ({ledger.name})")
    _, grid, (data_start, hits, texts, units) = max(candidates, key=lambda c: c[0])
    where = f"sheet '{grid.sheet}'" if grid.sheet else "the header"
    seen: dict[str, int] = {}
    for j, canon in sorted(hits.items()):
        if canon in seen:
            raise LedgerRefused(
                source_file, f"two columns in {where} map to {canon}: '{texts[seen[canon]]}' and '{texts[j]}'")
        seen[canon] = j
    missing = [c for c in ledger.required if c not in seen]
    if missing:
        names = ", ".join(f"{ledger.column(c).aliases[0]} ({c})" for c in missing)
        raise LedgerRefused(source_file, f"required column missing in {where}: {names}")
    return grid, data_start, hits, texts, units


def _csv_table(path: Path, ledger: Ledger, source_file: str) -> RawTable | None:
    """A CSV ledger read the way visit months are: header found in the first lines (csv module, `match_header`),
    the whole file read by polars as text, `source_row` its record number. None when the file must go the grid way
    to be read exactly as it always was: bare CR line ends, quoting polars refuses, a head that does not fit."""
    payload, head_text, encoding = decode_payload(path.read_bytes(), source_file)
    if payload.count(b"\r") != payload.count(b"\r\n"):
        return None
    try:
        head = list(itertools.islice(csv.reader(io.StringIO(head_text)), HEADER_SCAN_ROWS + 2))
    except csv.Error:
        return None
    if len(head_text) >= HEAD_CHARS:  # the head was cut: its last record may be too
        head = head[:-1]
        if len(head) < HEADER_SCAN_ROWS + 1:
            return None
    head = head[: HEADER_SCAN_ROWS + 1]  # what match_header and unknown_columns look at
    grid = Grid(None, list(enumerate(head, start=1)), encoding)
    _, data_start, hits, texts, units = _choose_header([grid], ledger, source_file)
    width = max(len(head[0]), max(hits) + 1)
    try:
        frame = pl.read_csv(io.BytesIO(payload), has_header=False, infer_schema=False, quote_char='"',
                            schema={f"column_{j}": pl.Utf8 for j in range(width)}, truncate_ragged_lines=True,
                            missing_columns="insert", columns=sorted(hits))
    except pl.exceptions.PolarsError:
        return None
    frame = frame.rename({f"column_{j}": hits[j] for j in hits})
    read_head = [[None if v == "" else v for v in row] for row in frame.head(len(head)).iter_rows()]
    csv_head = [[(cells[j] or None) if j < len(cells) else None for j in sorted(hits)] for cells in head]
    if read_head != csv_head:
        return None  # polars split the first records otherwise than the csv module
    frame = frame.slice(data_start).with_row_index("source_row", offset=data_start + 1).with_columns(
        pl.col("source_row").cast(pl.Int64))
    return RawTable(
        source_file=source_file, sheet=None, header_row=data_start,
        headers={canon: texts[j] for j, canon in hits.items()},
        units={canon: units[j] for j, canon in hits.items() if units[j]},
        unknown_columns=unknown_columns(grid, data_start, hits, texts),
        positions={canon: j for j, canon in hits.items()}, encoding=encoding, frame=frame,
    )


def read_ledger(path: Path, ledger: Ledger, source_file: str, grids: list[Grid] | None = None,
                polars_csv: bool = False) -> RawTable:
    """Read a ledger from a file, choosing the sheet whose headers fit it best; refuse what is unreadable. With
    `polars_csv`, a CSV file's rows come as a polars frame of text (`RawTable.frame`), read without Python rows."""
    if polars_csv and grids is None and path.suffix.lower() == ".csv":
        table = _csv_table(path, ledger, source_file)
        if table is not None:
            return table
    grids = grids if grids is not None else read_grids(path, source_file)
    grid, data_start, hits, texts, units = _choose_header(grids, ledger, source_file)
    unknown = unknown_columns(grid, data_start, hits, texts)
    return RawTable(
        source_file=source_file, sheet=grid.sheet, header_row=grid.rows[data_start - 1][0],
        headers={canon: texts[j] for j, canon in hits.items()},
        units={canon: units[j] for j, canon in hits.items() if units[j]},
        unknown_columns=unknown, rows=grid.rows[data_start:], positions={canon: j for j, canon in hits.items()},
        encoding=grid.encoding,
    )
