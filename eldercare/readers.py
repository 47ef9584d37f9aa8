"""Read a raw ledger file (xlsx or csv, UTF-8 or GB18030) into cells with their row numbers and canonical headers.

A file that cannot be read as the ledger is refused whole with `LedgerRefused`, whose message names the file and
why; everything else (blank rows, totals rows, unreadable cells) is left for the row rules to judge. A workbook is
read by calamine (Rust) when its XML shows calamine gives exactly openpyxl's cells, else by openpyxl.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import polars as pl

from eldercare.ledgers import Ledger, alias_index, header_key
from eldercare.xlsx_calamine import read_workbook_calamine

HEADER_SCAN_ROWS = 12
HEAD_CHARS = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
SMALL_FILE = 1 << 18  # bytes: below this a UTF-8 check in Python costs less than a polars call
_WRITTEN = re.compile(rb"\S")  # a byte that is not ASCII white space: the file is not empty (no copy, unlike strip)


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
    if not _WRITTEN.search(data):
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


def _head_bytes(body: bytes, lines: int | None) -> bytes:
    """The bytes that hold a text's first HEAD_CHARS characters (4 bytes a character at most), ending after its first
    `lines` line feeds when that is sooner: no more is decoded than the head needs."""
    end = 4 * HEAD_CHARS + 4
    at = -1
    for _ in range(lines or 0):
        at = body.find(b"\n", at + 1, end)
        if at < 0:
            return body[:end]
    return body[:end] if lines is None else body[:at + 1]


def _first_lines(text: str, lines: int | None) -> str:
    """The first HEAD_CHARS characters of a text, ending after its first `lines` line feeds when that is sooner."""
    head = text[:HEAD_CHARS]
    at = -1
    for _ in range(lines or 0):
        at = head.find("\n", at + 1)
        if at < 0:
            return head
    return head if lines is None else head[:at + 1]


def decode_payload(data: bytes, source_file: str, head_lines: int | None = None) -> tuple[bytes, str, str]:
    """(UTF-8 payload without BOM, its first HEAD_CHARS characters, encoding): what `decode_text` decides, but a
    UTF-8 file (nearly every platform export) is only validated and its head decoded, not the whole file. With
    `head_lines`, a UTF-8 head ends after that many line feeds: all a caller that reads only the first lines needs."""
    body = data[3:] if data.startswith(UTF8_BOM) else data
    encoding = "utf-8-sig" if body is not data else "utf-8"
    if _WRITTEN.search(data) and len(body) < SMALL_FILE:  # a small file: decoded once, checked and cut in Python
        try:
            return body, _first_lines(body.decode("utf-8"), head_lines), encoding
        except UnicodeDecodeError:
            pass
    elif _WRITTEN.search(data) and _utf8(body):  # a cut last character is dropped
        return body, _first_lines(_head_bytes(body, head_lines).decode("utf-8", errors="ignore"), head_lines), encoding
    text, encoding = decode_text(data, source_file)  # empty, GB18030 or refused, as for every other ledger
    return text.encode("utf-8"), text[:HEAD_CHARS], encoding


def read_head(path: Path, head_lines: int) -> tuple[str, str] | None:
    """(its first `head_lines` lines, encoding) of a UTF-8 file too long to hold whole in HEAD_CHARS, from its first
    bytes only (a reader that parses the body from the file itself checks the rest); None for any other file, which
    `decode_payload` then reads whole."""
    with path.open("rb") as f:
        start = f.read(4 * HEAD_CHARS + 4)
    if len(start) < 4 * HEAD_CHARS + 4 or not _WRITTEN.search(start):
        return None
    body = start[3:] if start.startswith(UTF8_BOM) else start
    try:  # a cut last character waits: it is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(_head_bytes(body, head_lines), final=False)
    except UnicodeDecodeError:
        return None
    return _first_lines(text, head_lines), "utf-8-sig" if body is not start else "utf-8"


def read_grids(path: Path, source_file: str) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, encoding = decode_text(path.read_bytes(), source_file)
        reader = csv.reader(io.StringIO(text, newline=""))  # lines end at CR LF, LF or a lone CR (old Mac exports)
        try:
            rows = list(enumerate(reader, start=1))
        except csv.Error as exc:
            raise LedgerRefused(source_file, f"cannot be read as CSV at line {reader.line_num}: {exc}") from None
        return [Grid(None, rows, encoding)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path, source_file)
    raise LedgerRefused(source_file, f"unsupported file type '{suffix}' (expected .xlsx or .csv)")


def _read_workbook(path: Path, source_file: str) -> list[Grid]:
    """Every sheet of a workbook: read by calamine when it gives exactly openpyxl's cells, else by openpyxl."""
    sheets = read_workbook_calamine(path)
    if sheets is None:
        return read_workbook_openpyxl(path, source_file)
    return [Grid(name, rows) for name, rows in sheets]


# Cells a workbook opened without cached values shows as they are in both modes (no formula behind them).
_PLAIN_CELLS = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta, type(None))


def _sheet_rows(book, name: str) -> list[tuple[int, list]]:
    return [(i, list(row)) for i, row in enumerate(book[name].iter_rows(values_only=True), start=1)]


def read_workbook_openpyxl(path: Path, source_file: str) -> list[Grid]:
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
    hits, texts, units = {}, {}, {}
    for j, c in enumerate(grid.rows[pos][1]):
        if c is not None:
            key, unit = header_key(c)
            if key in index:
                hits[j], texts[j], units[j] = index[key], str(c), unit
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


@dataclass
class CsvHead:
    """A CSV ledger's body as UTF-8 (`payload`, no BOM), its first records as the csv module splits them and the
    header found in them: all that reading the body with polars needs."""

    source_file: str
    encoding: str
    payload: bytes
    head: list[list[str]]
    grid: Grid
    data_start: int
    hits: dict[int, str]
    texts: dict[int, str]
    units: dict[int, str]

    @property
    def width(self) -> int:
        """The columns polars is told the file has: the header's, or more if a claimed column lies beyond it."""
        return max(len(self.head[0]), max(self.hits) + 1)


def csv_head(path: Path, ledger: Ledger, source_file: str) -> CsvHead | None:
    """The header of a CSV ledger, found in its first lines by the csv module (`match_header`); refuse what the grid
    refuses. None when the file must go the grid way to be read exactly as it always was: bare CR line ends, quoting
    the csv module refuses in the head, a head that does not fit in HEAD_CHARS."""
    payload, head_text, encoding = decode_payload(path.read_bytes(), source_file)
    if b"\r" in payload and payload.count(b"\r") != payload.count(b"\r\n"):
        return None
    try:
        head = list(itertools.islice(csv.reader(io.StringIO(head_text, newline="")), HEADER_SCAN_ROWS + 2))
    except csv.Error:
        return None
    if len(head_text) >= HEAD_CHARS:  # the head was cut: its last record may be too
        head = head[:-1]
        if len(head) < HEADER_SCAN_ROWS + 1:
            return None
    head = head[: HEADER_SCAN_ROWS + 1]  # what match_header and unknown_columns look at
    grid = Grid(None, list(enumerate(head, start=1)), encoding)
    _, data_start, hits, texts, units = _choose_header([grid], ledger, source_file)
    return CsvHead(source_file, encoding, payload, head, grid, data_start, hits, texts, units)


# A line no ledger writes, put before each file's records when several files are parsed as one text.
FILE_MARK = b"\x1eeldercare-next-file\x1e"


def read_csv_bodies(heads: list[CsvHead]) -> list[RawTable | None]:
    """The CSV ledgers whose headers were found, read by polars as text (`RawTable.frame`): files with the same
    columns at the same places parsed as one text, so that 600 regions' small files cost one parse, not 600 (a
    multi-file scan costs polars a step per file; a month's large visit files are scanned instead, as they need no
    copy: `visit_reader.read_csv_months`). None for a file polars splits otherwise than the csv module (it goes the
    grid way)."""
    groups: dict[tuple, list[int]] = {}
    for i, head in enumerate(heads):
        groups.setdefault((tuple(sorted(head.hits.items())), head.width), []).append(i)
    tables: list[RawTable | None] = [None] * len(heads)
    for members in groups.values():
        for i, table in zip(members, _parse_group([heads[i] for i in members])):
            tables[i] = table
    return tables


def _parse_group(heads: list[CsvHead]) -> list[RawTable | None]:
    """Files of one header layout parsed as one text, each after a FILE_MARK line (`_file` their index, `_row` a
    record's index in its file). Should a file's records not end where it does (an open quote swallowing the next
    mark), the files are parsed one by one; a file whose first records polars splits otherwise than the csv module
    is None."""
    hits = heads[0].hits
    text = b"".join(FILE_MARK + b"\n" + h.payload + (b"" if h.payload.endswith(b"\n") else b"\n") for h in heads)
    mark = FILE_MARK.decode()
    try:
        parsed = pl.read_csv(
            io.BytesIO(text), has_header=False, infer_schema=False, quote_char='"', truncate_ragged_lines=True,
            schema={f"column_{j}": pl.Utf8 for j in range(heads[0].width)}, missing_columns="insert",
        ).with_columns(pl.col("column_0").eq_missing(mark).alias("_mark"))
    except pl.exceptions.PolarsError:
        parsed = None
    if parsed is None or parsed["_mark"].sum() != len(heads) or not parsed["_mark"][0]:
        if len(heads) == 1:
            return [None]
        return [table for head in heads for table in _parse_group([head])]  # only the file at fault falls back
    frame = parsed.lazy().with_columns((pl.col("_mark").cum_sum().cast(pl.Int32) - 1).alias("_file")).filter(
        ~pl.col("_mark")).select("_file", *[pl.col(f"column_{j}").alias(hits[j]) for j in sorted(hits)]).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).over("_file").alias("_row")).collect()
    names = [hits[j] for j in sorted(hits)]
    head_rows = frame.filter(pl.col("_row") < pl.col("_file").replace_strict(
        {k: len(h.head) for k, h in enumerate(heads)}, return_dtype=pl.Int64))
    read_heads: list[list[list]] = [[] for _ in heads]
    for file, *cells in head_rows.select("_file", *names).iter_rows():
        read_heads[file].append([None if v == "" else v for v in cells])
    starts = {k: h.data_start for k, h in enumerate(heads)}
    body = frame.filter(pl.col("_row") >= pl.col("_file").replace_strict(starts, return_dtype=pl.Int64))
    heights = dict(body.group_by("_file").len().iter_rows())
    body = body.select((pl.col("_row") + 1).alias("source_row"), *names)
    tables: list[RawTable | None] = []
    offset = 0
    for k, head in enumerate(heads):
        height = heights.get(k, 0)
        csv_rows = [[(cells[j] or None) if j < len(cells) else None for j in sorted(hits)] for cells in head.head]
        part, offset = body.slice(offset, height), offset + height
        if read_heads[k] != csv_rows:
            tables.append(None)  # polars split the first records otherwise than the csv module
            continue
        tables.append(RawTable(
            source_file=head.source_file, sheet=None, header_row=head.data_start,
            headers={canon: head.texts[j] for j, canon in hits.items()},
            units={canon: head.units[j] for j, canon in hits.items() if head.units[j]},
            unknown_columns=unknown_columns(head.grid, head.data_start, hits, head.texts),
            positions={canon: j for j, canon in hits.items()}, encoding=head.encoding, frame=part,
        ))
    return tables


def read_ledgers(files: list[tuple[Path, str]], ledger: Ledger) -> list[RawTable | LedgerRefused]:
    """Read a ledger from many files ((path, source file) each; a refusal comes back instead of raising): the
    headers file by file, then the bodies of the CSV files together (`read_csv_bodies`)."""
    def first_pass(item: tuple[Path, str]) -> RawTable | CsvHead | LedgerRefused:
        path, source = item
        try:
            if path.suffix.lower() == ".csv":
                head = csv_head(path, ledger, source)
                if head is not None:
                    return head
            return read_ledger(path, ledger, source)
        except LedgerRefused as exc:
            return exc

    results = [first_pass(item) for item in files]  # Python's work: threads only contend for the GIL
    heads = [k for k, r in enumerate(results) if isinstance(r, CsvHead)]
    for k, table in zip(heads, read_csv_bodies([results[k] for k in heads])):
        try:
            results[k] = table if table is not None else read_ledger(files[k][0], ledger, files[k][1])
        except LedgerRefused as exc:
            results[k] = exc
    return results


def read_ledger(path: Path, ledger: Ledger, source_file: str, grids: list[Grid] | None = None,
                polars_csv: bool = False) -> RawTable:
    """Read a ledger from a file, choosing the sheet whose headers fit it best; refuse what is unreadable. With
    `polars_csv`, a CSV file's rows come as a polars frame of text (`RawTable.frame`), read without Python rows."""
    if polars_csv and grids is None and path.suffix.lower() == ".csv":
        head = csv_head(path, ledger, source_file)
        table = read_csv_bodies([head])[0] if head is not None else None
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
