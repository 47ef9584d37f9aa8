"""Read a formula-free workbook with calamine (Rust), each cell of the type and value openpyxl gives.

openpyxl spends ~3 ms a workbook turning its styles into objects: 600 regions' small workbooks cost seconds.
calamine gives the layout, strings, plain numbers and booleans; what it reads otherwise than openpyxl is looked for
in the XML bytes (patterns led by a literal: a few ms a MB): date-styled numbers and error cells are patched in with
openpyxl's own conversion; anything else (formulas above all) sends the workbook the openpyxl way (`readers`).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import python_calamine
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

# A sheet as read: its name and its rows (1-based row number, cells), every row as wide as the sheet's dimension.
Sheet = tuple[str, list[tuple[int, list]]]

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


def _calamine_sheet(book: python_calamine.CalamineWorkbook, k: int, sheet: _Sheet) -> Sheet:
    """Sheet `k` as calamine reads it, made openpyxl's."""
    cells = book.get_sheet_by_index(k).to_python(skip_empty_area=False) if sheet.height else []
    try:
        return sheet.name, _openpyxl_rows(cells, sheet.height, sheet.width, sheet.patches)
    except _ReadOtherwise:  # calamine made dates of numbers openpyxl leaves numbers: patch those in too
        patches = {**_plain_numbers(sheet), **sheet.patches}
        return sheet.name, _openpyxl_rows(cells, sheet.height, sheet.width, patches)


def read_workbook_calamine(path: Path) -> list[Sheet] | None:
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
        return [_calamine_sheet(book, k, sheet) for k, sheet in enumerate(sheets)]
    except Exception:  # _ReadOtherwise, or what zipfile, ElementTree or calamine cannot read: openpyxl decides
        return None
    except BaseException as exc:  # a panic inside calamine (pyo3's PanicException is no Exception)
        if type(exc).__name__ == "PanicException":
            return None
        raise
