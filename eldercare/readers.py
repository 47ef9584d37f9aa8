"""Read a raw ledger file (xlsx or csv, UTF-8 or GB18030) into cells with their row numbers and canonical headers.

A file that cannot be read as the ledger is refused whole with `LedgerRefused`, whose message names the file and
why; everything else (blank rows, totals rows, unreadable cells) is left for the row rules to judge. A workbook is
read by calamine (Rust) when its XML shows calamine gives exactly openpyxl's cells, else by openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import html
import io
import itertools
import os
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import openpyxl
import polars as pl
import python_calamine
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

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


def _read_workbook(path: Path, source_file: str) -> list[Grid]:
    """Every sheet of a workbook: read by calamine when it gives exactly openpyxl's cells, else by openpyxl."""
    grids = read_workbook_calamine(path)
    return grids if grids is not None else read_workbook_openpyxl(path, source_file)


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


# ---- calamine: the same grids without openpyxl's cost per workbook (~3 ms turning its styles into objects).
# calamine gives the layout, strings, plain numbers and booleans. What it reads otherwise than openpyxl is looked
# for in the XML bytes (patterns led by a literal: a few ms a MB): date-styled numbers and error cells are patched
# in with openpyxl's own conversion; anything else sends the workbook the openpyxl way.

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."
# openpyxl's order of workbook content types (reader.excel._find_workbook_part)
_WORKBOOK_TYPES = ("application/vnd.ms-excel.template.macroEnabled.main+xml", _SPREADSHEET_TYPE + "template.main+xml",
                   "application/vnd.ms-excel.sheet.macroEnabled.main+xml", _SPREADSHEET_TYPE + "sheet.main+xml")
_MAIN_NS_DECLARATION = re.compile(
    rb"xmlns(?::([\w.-]+))?=\"http://schemas\.openxmlformats\.org/spreadsheetml/2006/main\"")
_DECLARED_ENCODING = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding=[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData(?:\s[^>/]*)?(/?)>")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref=\"([^\"]*)\"")
_NUMBER_FORMAT = re.compile(rb"<(?:[\w.-]+:)?numFmt\s([^>]*)>")
_CELL_STYLES = re.compile(rb"<(?:[\w.-]+:)?cellXfs(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?cellXfs>", re.S)
_CELL_STYLE_ENTRY = re.compile(rb"<(?:[\w.-]+:)?xf(?=[\s/>])([^>]*)>")
_ATTRIBUTE = re.compile(rb"([\w:.-]+)=\"([^\"]*)\"")
_CELL_REF = re.compile(rb"\br=\"([A-Z]{1,3})(\d+)\"")
_CELL_TYPE = re.compile(rb"\bt=\"([^\"]*)\"")
_CELL_STYLE = re.compile(rb"\bs=\"(\d+)\"")
# XML white space, written or as a character reference
_WHITE = rb"(?:[ \t\r\n]|&#(?:x0*(?:9|[aAdD]|20)|0*(?:9|10|13|32));)"


class _ReadOtherwise(Exception):
    """The workbook goes the openpyxl way."""


class _Patterns(NamedTuple):
    """What to look for in the XML of a part whose elements carry `prefix` (b'' or b'x:'), compiled once."""

    prefix: bytes
    text_read_otherwise: tuple[re.Pattern, ...]
    sheet_read_otherwise: tuple[re.Pattern, ...]
    cell_without_reference: re.Pattern
    decimal_value: re.Pattern
    row_number: re.Pattern
    error_cell: re.Pattern
    empty_shared_string: re.Pattern
    text: re.Pattern


def _compile(prefix: bytes, pattern: bytes) -> re.Pattern:
    """A pattern whose <P / </P stand for an element of this prefix."""
    return re.compile(pattern.replace(b"<P", b"<" + re.escape(prefix)).replace(b"</P", b"</" + re.escape(prefix)))


@functools.lru_cache(maxsize=8)
def _patterns(prefix: bytes) -> _Patterns:
    def c(pattern: bytes) -> re.Pattern:
        return _compile(prefix, pattern)
    return _Patterns(
        prefix=prefix,
        # texts: an empty <t> ('' to openpyxl, an empty cell to calamine); one not marked xml:space="preserve" that
        # starts or ends with white space (calamine trims it); Excel's _xHHHH_ escapes (calamine decodes them)
        text_read_otherwise=(c(rb"<Pt(?:\s[^>]*)?(?:/>|></)"),
                             c(rb"<Pt(?:\s(?![^>]*xml:space=\"preserve\")[^>]*)?>(?:" + _WHITE + rb"|[^<]*?"
                               + _WHITE + rb"<)"),
                             re.compile(rb"_x[0-9A-Fa-f]{4}_")),
        # cells: a formula (openpyxl tells one saved without a cached value); a type other than n s str b e inlineStr
        # (t="d": ISO dates); an empty inline string; a cell or row without its reference; a value with white space
        # around it, an integer beyond 15 digits (calamine's numbers are floats), inf or nan
        sheet_read_otherwise=(c(rb"<Pf[\s/>]"),
                              re.compile(rb"t=\"(?!(?:n|s|str|b|e|inlineStr)\")(?<=\st=\")"),
                              c(rb"<Pis(?:\s[^>]*)?(?:/>|>\s*</)"),
                              c(rb"<Pc[>/\t\r\n]"),
                              c(rb"<Prow(?:>|/>|\s(?![^>]*\br=\"\d+\")[^>]*>)"),
                              c(rb"<Pv>(?:\s|[-+]?\d{16}|[-+]?(?i:inf|nan)|[^<]*\s</)")),
        cell_without_reference=c(rb"<Pc\s(?![^>]*\br=\")[^>]*>"),
        decimal_value=c(rb"<Pv>([-+]?(?:\d*\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+))</"),
        row_number=c(rb"<Prow\s[^>]*?\br=\"(\d+)\""),
        error_cell=c(rb"<Pc\s([^>]*?\bt=\"e\"[^>]*)>\s*<Pv>([^<]*)</"),
        empty_shared_string=c(rb"<Psi(?:\s[^>]*)?(?:/>|>\s*</)"),
        text=c(rb"<Pt[\s>]"))


@functools.lru_cache(maxsize=16)
def _styled_value_cells(prefix: bytes, styles: frozenset[int] | None) -> re.Pattern:
    """Cells of one of these styles (None: of any) with a value: (attributes, value as written)."""
    ids = b"|".join(str(i).encode() for i in sorted(styles)) if styles is not None else rb"\d+"
    return _compile(prefix, rb"<Pc\s(?=[^>]*\bs=\"(?:" + ids + rb")\")([^>]*)>\s*<Pv>([^<]*)</")


@dataclass
class _Package:
    """The parts of a workbook both readers use, found where both find them."""

    sheets: list[tuple[str, bytes]]  # (sheet name, worksheet XML) in workbook order
    shared_strings: bytes
    styles: bytes
    epoch: dt.datetime


@dataclass
class _Sheet:
    """A worksheet fit for calamine: its <sheetData>, openpyxl's rows and cells a row, the cells to patch in."""

    name: str
    patterns: _Patterns
    cells: bytes
    height: int
    width: int
    patches: dict[tuple[int, int], object]


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _part_path(target: str) -> str:
    """A relationship target of xl/workbook.xml as a zip member, the same for openpyxl (get_dependents) and calamine
    (xl/ + target); `_ReadOtherwise` for a target the two would resolve differently."""
    path = target[1:] if target.startswith("/") else "xl/" + target
    if path != posixpath.normpath(path):
        raise _ReadOtherwise
    return path


def _package(archive: zipfile.ZipFile) -> _Package:
    """The worksheets, shared strings, styles and date epoch of a workbook at xl/workbook.xml; `_ReadOtherwise` for
    a package laid out so that the two readers might find other parts."""
    types = ET.fromstring(archive.read("[Content_Types].xml"))
    overrides = {o.get("ContentType"): o.get("PartName") for o in reversed(types.findall(f"{_CT_NS}Override"))}
    office = [r.get("Target") for r in ET.fromstring(archive.read("_rels/.rels")).iter(f"{_PKG_NS}Relationship")
              if r.get("Type", "").endswith("/relationships/officeDocument")]
    if (next((overrides[t] for t in _WORKBOOK_TYPES if t in overrides), None) != "/xl/workbook.xml"
            or office[-1:] not in (["xl/workbook.xml"], ["/xl/workbook.xml"])):
        raise _ReadOtherwise  # openpyxl finds the workbook by content type, calamine by relationship
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = {r.get("Id"): r for r in
            ET.fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter(f"{_PKG_NS}Relationship")}
    sheets = []
    for sheet in book.iterfind(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet"):
        rel = rels.get(sheet.get(_REL_ID))
        if rel is None or rel.get("TargetMode") == "External" or not rel.get("Type", "").endswith("/worksheet"):
            raise _ReadOtherwise  # a chart sheet, or a sheet openpyxl would skip
        sheets.append((sheet.get("name"), archive.read(_part_path(rel.get("Target")))))
    # shared strings: openpyxl finds them by content type, calamine at xl/sharedStrings.xml
    strings = overrides.get(_SPREADSHEET_TYPE + "sharedStrings+xml", "/")[1:] or None
    if strings not in (None, "xl/sharedStrings.xml") or (strings is None and "xl/sharedStrings.xml" in
                                                          archive.NameToInfo):
        raise _ReadOtherwise
    properties = book.find(f"{_MAIN_NS}workbookPr")
    date1904 = properties.get("date1904") if properties is not None else None
    return _Package(
        sheets=sheets, shared_strings=archive.read(strings) if strings else b"",
        styles=archive.read("xl/styles.xml") if "xl/styles.xml" in archive.NameToInfo else b"",
        epoch=WINDOWS_EPOCH if date1904 in (None, "false", "f", "0") else CALENDAR_MAC_1904)  # openpyxl's Bool


@functools.lru_cache(maxsize=64)
def _date_styles(styles: bytes) -> tuple[frozenset[int], frozenset[int]]:
    """The cell styles (xf indexes) whose numbers openpyxl turns into datetimes, and those into timedeltas
    (openpyxl.styles.stylesheet._normalise_numbers: from the number format alone)."""
    custom = {}
    for attrs in _NUMBER_FORMAT.findall(styles):
        found = dict(_ATTRIBUTE.findall(attrs))
        custom[int(found[b"numFmtId"])] = _xml_text(found[b"formatCode"])
    cell_styles = _CELL_STYLES.search(styles)
    dates, timedeltas = set(), set()
    for i, attrs in enumerate(_CELL_STYLE_ENTRY.findall(cell_styles.group(1)) if cell_styles else ()):
        number_format = int(dict(_ATTRIBUTE.findall(attrs)).get(b"numFmtId", b"0"))
        code = custom[number_format] if number_format in custom else builtin_format_code(number_format)
        if is_date_format(code):
            dates.add(i)
            if is_timedelta_format(code):
                timedeltas.add(i)
    return frozenset(dates), frozenset(timedeltas)


def _check_utf8(xml: bytes) -> None:
    """`_ReadOtherwise` for XML not in UTF-8 (openpyxl's expat refuses GB18030, calamine reads UTF-8 only)."""
    declared = _DECLARED_ENCODING.match(xml)
    if not xml.lstrip(b"\xef\xbb\xbf").startswith(b"<") or (declared and declared.group(1).lower() not in
                                                            (b"utf-8", b"utf8")):
        raise _ReadOtherwise


def _main_patterns(head: bytes, body: bytes, element_prefix: bytes | None) -> _Patterns:
    """The patterns for a part whose elements carry `element_prefix`: it must be the one prefix `head` binds to the
    spreadsheet namespace (none bound in `body`; the strict-OOXML namespace is not this one)."""
    _check_utf8(head)
    bound = {p + b":" if p else b"" for p in _MAIN_NS_DECLARATION.findall(head)}
    if bound != {element_prefix or b""} or b"xmlns" in body:
        raise _ReadOtherwise
    return _patterns(element_prefix or b"")


def _check_shared_strings(xml: bytes) -> None:
    """`_ReadOtherwise` unless calamine reads every shared string as openpyxl does (and none is '')."""
    root = re.search(rb"<([\w.-]+:)?sst[\s>]", xml)
    if root is None:
        raise _ReadOtherwise
    root_end = xml.find(b">", root.start())
    patterns = _main_patterns(xml[:root_end], xml[root_end:], root.group(1))
    items = xml.split(b"</" + patterns.prefix + b"si>")[:-1]
    if any(p.search(xml) for p in patterns.text_read_otherwise) or b"x005F_" in xml \
            or patterns.empty_shared_string.search(xml) or not all(patterns.text.search(item) for item in items):
        raise _ReadOtherwise


def _sheet_data(xml: bytes) -> tuple[int, bytes, bytes | None]:
    """Where a worksheet's <sheetData> starts, the element itself (b'' when empty or missing) and its prefix."""
    found = _SHEET_DATA.search(xml)
    if found is None:
        return len(xml), b"", None
    if found.group(2):
        return found.start(), b"", found.group(1)
    end = xml.find(b"sheetData>", found.end())
    return found.start(), xml[found.start():] if end == -1 else xml[found.start():end + 10], found.group(1)


def _integral(text: bytes) -> bool:
    """A number written with a point or an exponent that is whole (openpyxl: float, calamine: like an integer)."""
    try:
        return float(text).is_integer()
    except ValueError:
        return True


def _sheet_shape(xml: bytes) -> tuple[_Patterns, bytes, int, int]:
    """(patterns, <sheetData>, rows, cells a row) where openpyxl's read-only sheet yields every row up to the last
    <row> element but none beyond the <dimension ref>, each as wide as the dimension; `_ReadOtherwise` for a
    worksheet calamine reads otherwise."""
    start, cells, prefix = _sheet_data(xml)
    patterns = _main_patterns(xml[:start], cells, prefix)
    opened, referenced = b"<" + patterns.prefix + b"c ", b"<" + patterns.prefix + b'c r="'
    if any(p.search(cells) for p in (*patterns.text_read_otherwise, *patterns.sheet_read_otherwise)) \
            or b"x005F_" in cells or any(_integral(v) for v in patterns.decimal_value.findall(cells)) \
            or (cells.count(opened) != cells.count(referenced) and patterns.cell_without_reference.search(cells)):
        raise _ReadOtherwise
    dimension = _DIMENSION.search(xml, 0, start)
    if dimension is None:
        raise _ReadOtherwise  # openpyxl's rows are then as long as each row's last cell
    try:
        _, _, width, height = range_boundaries(dimension.group(1).decode())
    except ValueError:
        raise _ReadOtherwise from None
    numbers = [int(n) for n in patterns.row_number.findall(cells)]
    if width is None or height is None or any(a >= b for a, b in zip(numbers, numbers[1:])):
        raise _ReadOtherwise  # openpyxl skips a row numbered below the one before it
    return patterns, cells, min(numbers[-1], height) if numbers else 0, width


def _position(attrs: bytes) -> tuple[int, int]:
    """(row, column) of a cell, 0-based, from its reference."""
    ref = _CELL_REF.search(attrs)
    if ref is None:
        raise _ReadOtherwise
    return int(ref.group(2)) - 1, column_index_from_string(ref.group(1).decode()) - 1


def _numeric(attrs: bytes) -> bool:
    kind = _CELL_TYPE.search(attrs)
    return kind is None or kind.group(1) == b"n"


def _openpyxl_number(text: bytes) -> int | float:
    """A number as openpyxl reads it (worksheet._reader._cast_number)."""
    raw = text.decode()
    try:
        return float(raw) if "." in raw or "e" in raw or "E" in raw else int(raw)
    except ValueError:
        raise _ReadOtherwise from None


def _openpyxl_date(text: bytes, epoch: dt.datetime, timedelta: bool):
    """A date-styled number as openpyxl reads it (from_excel; outside its range '#VALUE!')."""
    if not text:
        return None
    try:
        return from_excel(_openpyxl_number(text), epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _patches(cells: bytes, patterns: _Patterns, package: _Package) -> dict[tuple[int, int], object]:
    """Cells calamine cannot give as openpyxl does, by (row, column): error cells (calamine gives '') and
    date-styled numbers (openpyxl's own conversion of the number as written)."""
    found = {}
    if b't="e"' in cells:
        for attrs, text in patterns.error_cell.findall(cells):
            found[_position(attrs)] = _xml_text(text) or None
    _check_utf8(package.styles or b"<")
    dates, timedeltas = _date_styles(package.styles)
    if 0 in dates:
        raise _ReadOtherwise  # cells without a style are dates: there is no s="" to find them by
    if dates:
        for attrs, text in _styled_value_cells(patterns.prefix, dates).findall(cells):
            if _numeric(attrs):
                timedelta = int(_CELL_STYLE.search(attrs).group(1)) in timedeltas
                found[_position(attrs)] = _openpyxl_date(text, package.epoch, timedelta)
    return found


def _plain_numbers(sheet: _Sheet) -> dict[tuple[int, int], object]:
    """The numbers of styled cells as openpyxl reads them, for when calamine takes some for dates that openpyxl does
    not (built-in formats 27–36 and 50–58, the CJK dates, are plain numbers to openpyxl); date patches go over them."""
    return {_position(attrs): _openpyxl_number(text)
            for attrs, text in _styled_value_cells(sheet.patterns.prefix, None).findall(sheet.cells)
            if text and _numeric(attrs)}


def _openpyxl_rows(cells: list[list], height: int, width: int, patches: dict) -> list[tuple[int, list]]:
    """calamine's rows as openpyxl's: `height` rows of `width` cells, '' → None, whole floats → int, then the
    patches; `_ReadOtherwise` where calamine made a date of a cell not patched."""
    rows = []
    for i in range(height):
        row = [None] * width
        for j, v in enumerate(cells[i][:width] if i < len(cells) else ()):
            kind = type(v)
            if kind is str:
                if v:
                    row[j] = v
            elif kind is float:
                row[j] = int(v) if v.is_integer() else v
            elif kind is bool or kind is int:
                row[j] = v
            elif (i, j) not in patches:
                raise _ReadOtherwise
        rows.append((i + 1, row))
    for (i, j), v in patches.items():
        if i < height and j < width:
            rows[i][1][j] = v
    return rows


def _calamine_grid(book: python_calamine.CalamineWorkbook, k: int, sheet: _Sheet, package: _Package) -> Grid:
    """Sheet `k` as calamine reads it, made openpyxl's."""
    cells = book.get_sheet_by_index(k).to_python(skip_empty_area=False) if sheet.height else []
    try:
        return Grid(sheet.name, _openpyxl_rows(cells, sheet.height, sheet.width, sheet.patches))
    except _ReadOtherwise:  # calamine made dates of numbers openpyxl leaves numbers: patch those in too
        patches = {**_plain_numbers(sheet), **sheet.patches}
        return Grid(sheet.name, _openpyxl_rows(cells, sheet.height, sheet.width, patches))


def read_workbook_calamine(path: Path) -> list[Grid] | None:
    """Every sheet of a formula-free workbook read by calamine, each cell of the type and value openpyxl gives; None
    when the workbook must go the openpyxl way (formulas, cells calamine reads otherwise, what it cannot read)."""
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            package = _package(archive)
        if package.shared_strings:
            _check_shared_strings(package.shared_strings)
        sheets = []
        for name, xml in package.sheets:
            patterns, cells, height, width = _sheet_shape(xml)
            sheets.append(_Sheet(name, patterns, cells, height, width, _patches(cells, patterns, package)))
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if book.sheet_names != [sheet.name for sheet in sheets]:
            return None
        return [_calamine_grid(book, k, sheet, package) for k, sheet in enumerate(sheets)]
    except Exception:  # _ReadOtherwise, or what zipfile, ElementTree or calamine cannot read: openpyxl decides
        return None
    except BaseException as exc:  # a panic inside calamine (pyo3's PanicException is no Exception)
        if type(exc).__name__ == "PanicException":
            return None
        raise


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
