"""A workbook read by calamine gives exactly the grids openpyxl gives (same sheets, rows, cells, types and values);
a workbook calamine would read otherwise (formulas, XML it reads differently) goes the openpyxl way and still reads
the same."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from eldercare.readers import FormulaWithoutValue, Grid, LedgerRefused, read_grids, read_workbook_openpyxl
from eldercare.xlsx_calamine import read_workbook_calamine
from synth.sample import Row, Table, save_xlsx

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# openpyxl on the workbooks written here: dates beyond 9999-12-31 (read as "#VALUE!"), hand-written styles, extLst
pytestmark = [pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning"),
              pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning"),
              pytest.mark.filterwarnings("ignore:Data Validation extension is not supported:UserWarning")]


def _cells(grids) -> list:
    """Grids as plain data in which a type difference shows: (sheet, encoding, [(row, [(type, value)])])."""
    def plain(v):
        return v.formula if isinstance(v, FormulaWithoutValue) else v  # compared by identity otherwise
    return [(g.sheet, g.encoding, [(i, [(type(v).__name__, plain(v)) for v in cells]) for i, cells in g.rows])
            for g in grids]


def _same_both_ways(path: Path, fast: bool | None = None) -> None:
    """calamine's grids (when it takes the workbook) equal openpyxl's, and so do the grids ledgers are read from;
    `fast` says which way the workbook must go."""
    slow = read_workbook_openpyxl(path, path.name)
    quick = read_workbook_calamine(path)
    if fast is not None:
        assert (quick is not None) == fast, f"{path.name}: expected the {'calamine' if fast else 'openpyxl'} way"
    if quick is not None:
        assert _cells([Grid(name, rows) for name, rows in quick]) == _cells(slow)
    assert _cells(read_grids(path, path.name)) == _cells(slow)


# ---------------------------------------------------------------------------------------- workbooks of the repo

REPO_WORKBOOKS = sorted(p for top in ("tests", "data_raw") for p in (ROOT / top).rglob("*.xlsx"))


@pytest.mark.parametrize("path", REPO_WORKBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_repo_workbooks_read_the_same(path):
    _same_both_ways(path, fast=True)


def test_sample_generator_workbooks_read_the_same(tmp_path):
    from synth.sample import generate
    generate(tmp_path, seed=7)  # another seed than the bundled sample: other dates, defects, blank rows
    paths = sorted(tmp_path.rglob("*.xlsx"))
    assert len(paths) >= 7
    for path in paths:
        _same_both_ways(path, fast=True)


def test_national_generator_workbooks_read_the_same(tmp_path):
    from synth.national import generate
    generate(tmp_path, regions=2, elders_per_region=60, months=["2022-06"])
    paths = sorted(tmp_path.rglob("*.xlsx"))
    assert len(paths) == 2
    for path in paths:
        _same_both_ways(path, fast=True)


def test_generator_layouts_read_the_same(tmp_path):
    """Dates, times, durations, money with units, a title row, a merged two-row header, blank and trailing rows and
    a second sheet, as `save_xlsx` writes them."""
    header_top = ["服务记录编号", "服务对象编号", "服务时间", None, "服务时长", "金额"]
    header_sub = [None, None, "签到时间", "签退时间", None, None]
    rows = [
        Row(["V1", "E1", dt.datetime(2022, 8, 1, 8), dt.datetime(2022, 8, 1, 9, 30, 15), "1小时30分钟", "65.124万元"]),
        Row(["V2", "E2", dt.date(2022, 8, 2), dt.time(10, 5), dt.timedelta(hours=26, minutes=3), 629728.0]),
        Row([], kind="blank"),
        Row(["V3", " E3 ", "2022/8/3 8:00", None, 45, 1.5]),
        Row(["合计", None, None, None, None, 1000.25], kind="totals"),
        Row([], kind="blank"),
        Row([], kind="blank"),
    ]
    items = [Row(["E1", "适老化改造", "卫生间扶手", 3, 450.0, True, False]),
             Row(["E2", None, "轮椅", 1, 650.5, "是", "否"])]
    save_xlsx(tmp_path / "layouts.xlsx", [
        Table("layouts.xlsx", "上门服务记录", [header_top, header_sub], rows, title="示例区2022年8月上门服务记录",
              merges=("C2:D2", "A2:A3", "B2:B3", "E2:E3", "F2:F3")),
        Table("layouts.xlsx", "明细", [["服务对象编号", "类别", "项目名称", "数量", "金额（元）", "是否个性化", "已录入"]],
              items),
    ])
    _same_both_ways(tmp_path / "layouts.xlsx", fast=True)


# ---------------------------------------------------------------------------------------- written by openpyxl

def _dates(wb):
    """Date, time and duration cells, and numbers in date, time and other formats, edge values included."""
    ws = wb.active
    for value in [dt.datetime(2022, 6, 1), dt.datetime(2022, 6, 1, 8, 30, 15, 123456),
                  dt.datetime(2022, 6, 1, 0, 0, 0, 1500), dt.datetime(2022, 6, 1, 23, 59, 59, 999600),
                  dt.date(1900, 1, 5), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.time(8, 30), dt.time(0, 0),
                  dt.time(23, 59, 59, 999500), dt.timedelta(hours=30, minutes=5), dt.timedelta(seconds=0.0015),
                  dt.timedelta(days=-1, hours=3)]:
        ws.append([value])
    formats = ['yyyy-mm-dd', 'yyyy"年"m"月"d"日"', "h:mm", "[h]:mm:ss", "mm:ss.0", "0.00", "@", "General",
               "[$-F800]dddd, mmmm dd, yyyy", "[Red]0.00", "\\h0", '"days" 0', "d-mmm-yy", "[hh]"]
    numbers = [44713, 44713.5, 0.25, 0, 1.5, 59.999, 60, 61, -1, -0.5, 2958465.9, 2958466, 44713.000005787,
               44713.99999999]
    for j, code in enumerate(formats, start=2):
        for i, number in enumerate(numbers, start=1):
            ws.cell(i, j, number).number_format = code
    ws.cell(20, 1).number_format = "yyyy-mm-dd"  # a styled empty cell: trailing rows of None


def _ledger_dates(wb):
    ws = wb.active
    ws.append(["签到时间", "签退时间", "出生日期", "时长", "金额"])
    for day in range(1, 29):
        ws.append([dt.datetime(2022, 6, day, 8, day), dt.datetime(2022, 6, day, 9, 30, day), dt.date(1940, 1, day),
                   dt.timedelta(minutes=30 + day), 100 + day / 7])
    for cell in ws["D"][1:]:
        cell.number_format = "[h]:mm"
    for cell in ws["E"][1:]:
        cell.number_format = '#,##0.00"元"'


def _text(wb):
    """Numbers, booleans, strings with white space, escapes and non-ASCII, error cells, far cells, more sheets."""
    ws = wb.active
    ws.append([1, 1.0, 1.5, -0.0, 10 ** 15 - 1, 1.5e-7, 0.1 + 0.2, 123456789.125, -7, True, False])
    ws.append(["", None, "  spaced  ", "a\nb", "tab\there", "'=not a formula", "中文，全角　空格", "😀", "&<>\"'", "x "])
    ws.append(["#N/A", "\u3000全角", "trailing\n", "#DIV/0!"])
    ws["A3"].data_type = ws["D3"].data_type = "e"
    ws.append([])
    ws.cell(5, 13, "far right")
    wb.create_sheet("第二页")["C5"] = "only cell"
    hidden = wb.create_sheet("hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = 3
    wb.create_sheet("empty")


def _epoch_1904(wb):
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append([dt.datetime(2022, 6, 1, 8, 0), dt.date(2022, 6, 1), 5])
    ws["C1"].number_format = "yyyy-mm-dd"


def _numbers_read_otherwise(wb):
    """Integers beyond 15 digits or written with an exponent, an _xHHHH_ escape, a lone space, a timedelta beyond
    what calamine converts."""
    wb.active.append([10 ** 16, 110101199001011234, 1e20, 2 ** 53 + 1, "x_x000D_y", 1e10, " "])
    wb.active["F1"].number_format = "[h]:mm"


@pytest.mark.parametrize("fill, fast", [(_dates, True), (_ledger_dates, True), (_text, True), (_epoch_1904, True),
                                        (_numbers_read_otherwise, False)])
def test_openpyxl_written_workbooks_read_the_same(tmp_path, fill, fast):
    wb = openpyxl.Workbook()
    fill(wb)
    wb.save(tmp_path / "book.xlsx")
    _same_both_ways(tmp_path / "book.xlsx", fast)


def test_formula_without_cached_value_goes_the_openpyxl_way(tmp_path):
    wb = openpyxl.Workbook()
    for row in (["机构编号", "合同金额"], ["JG001", "=B3*2"], ["JG002", 5]):
        wb.active.append(row)
    wb.save(tmp_path / "formula.xlsx")
    path = tmp_path / "formula.xlsx"
    assert read_workbook_calamine(path) is None
    grids = read_grids(path, "formula.xlsx")
    assert isinstance(grids[0].rows[1][1][1], FormulaWithoutValue)
    assert grids[0].rows[2][1] == ["JG002", 5]
    _same_both_ways(path, fast=False)


# ---------------------------------------------------------------------------------------- hand-written XML

DEFAULT_STYLES = f'<styleSheet xmlns="{MAIN}"><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>'
# cellXfs 0–11: General, 14, 22, 46 ([h]:mm:ss), 年月日, [h]:mm, 0.00"元", 31 and 57 (CJK built-ins: numbers to
# openpyxl, dates to calamine), "yyyy [h]", no numFmtId, 20 not applied
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm"/><numFmt numFmtId="166" formatCode="0.00&quot;元&quot;"/>'
    '<numFmt numFmtId="167" formatCode="yyyy [h]"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="12"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22"/>'
    '<xf numFmtId="46"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="31"/>'
    '<xf numFmtId="57"/><xf numFmtId="167"/><xf fontId="0"/><xf numFmtId="20" applyNumberFormat="0"/></cellXfs>'
    '</styleSheet>')
SHARED = [
    "<si><t>机构编号</t></si>",
    '<si><t xml:space="preserve"> 前后空格 </t></si>',
    '<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve">文本 </t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si>',
    '<si><t>有音</t><phoneticPr fontId="1" type="noConversion"/></si>',
    "<si><t>a&amp;b&lt;c&#10;d</t></si>",
    "<si><t>#N/A</t></si>",
]


def _raw_book(path: Path, sheets: list[str], strings: list[str] | None = None, styles: str = DEFAULT_STYLES,
              workbook_pr: str = "") -> Path:
    """A workbook of hand-written XML: whole worksheets, the shared string items (None: no part), the styles."""
    n = range(1, len(sheets) + 1)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>' for i in n)
    if strings is not None:
        types += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in n)
    rels += f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>'
    if strings is not None:
        rels += f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    names = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in n)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
                               f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>{types}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}<sheets>{names}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{rels}</Relationships>',
        "xl/styles.xml": styles,
        **{f"xl/worksheets/sheet{i}.xml": xml for i, xml in zip(n, sheets)},
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}" count="{len(strings)}">{"".join(strings)}</sst>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return path


def _sheet(*rows: str, dimension: str | None = "A1:H9") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{"".join(rows)}</sheetData></worksheet>'


def _row(r: int, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def _s(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def _n(ref: str, value: str, style: int | None = None, kind: str | None = None) -> str:
    style_attr = f' s="{style}"' if style is not None else ""
    kind_attr = f' t="{kind}"' if kind else ""
    return f'<c r="{ref}"{style_attr}{kind_attr}><v>{value}</v></c>'


def _inline(ref: str, text_xml: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is>{text_xml}</is></c>'


def _styled(r: int, value: str) -> str:
    """Row r: the value in each of the 12 cell styles of STYLES."""
    return _row(r, *(_n(f"{c}{r}", value, s) for s, c in enumerate("ABCDEFGHIJKL")))


@dataclass
class Case:
    sheet: str
    fast: bool  # read by calamine
    strings: list[str] | None = None
    styles: str = DEFAULT_STYLES
    workbook_pr: str = ""


CASES = {
    "plain": Case(_sheet(
        _row(1, *(_s(f"{c}1", i) for i, c in enumerate("ABCDE"))),
        _row(2, _n("A2", "93"), _n("B2", "65.124"), _n("C2", "-3"), _n("D2", "1", kind="b"), _n("E2", "0", kind="b")),
        _row(3, _s("A3", 5), _n("B3", "#N/A", kind="e"), _n("C3", "#DIV/0!", kind="e"), _n("D3", "x", kind="str")),
        '<row r="5"/>', '<row r="6"><c r="B6" s="0"/></row>'), True, SHARED),
    "date styles": Case(_sheet(
        _styled(1, "44713.5"), _styled(2, "0.75"), _styled(3, "-2"), _styled(4, "3000000"),
        _styled(5, "44713.00000578704"),
        _row(6, _s("A6", 0), _n("B6", "1", 1, "b"), _n("C6", "#N/A", 1, "e"), _n("D6", "12", 1, "str")),
        dimension="A1:L6"), True, SHARED, STYLES),
    "epoch 1904": Case(_sheet(_row(1, _n("A1", "44713.5", 1), _n("B1", "0.5", 3), _n("C1", "10"))), True,
                       styles=STYLES, workbook_pr='<workbookPr date1904="1"/>'),
    "wide dimension": Case(_sheet(_row(1, _s("A1", 0)), _row(3, _n("B3", "7")), dimension="A1:Z40"), True, SHARED),
    "narrow dimension": Case(_sheet(_row(1, _s("A1", 0), _n("E1", "5")), _row(3, _n("B3", "7")), _row(9, _n("A9", "1")),
                                    dimension="A1:C4"), True, SHARED),
    "dimension starts below": Case(_sheet(_row(3, _n("B3", "7"), _n("C3", "8")), dimension="B3:C3"), True),
    "one-cell dimension": Case(_sheet(_row(1, _n("A1", "1"), _n("B1", "2")), _row(2, _n("A2", "3")), dimension="A1"),
                               True),
    "attributes in another order": Case(_sheet('<row r="1"><c t="s" r="B1"><v>0</v></c><c s="0" r="C1"><v>2</v></c>'
                                               "</row>"), True, SHARED),
    "inline strings": Case(_sheet(_row(1, _inline("A1", "<t>x</t>"), _inline("B1", '<t xml:space="preserve"> y </t>'),
                                       _inline("C1", "<r><t>a</t></r><r><t>b</t></r>"))), True),
    "data validation list": Case(
        f'<worksheet xmlns="{MAIN}" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<dimension ref="A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><extLst>'
        '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"><xm:f>S2!$A$1:$A$5</xm:f></ext></extLst></worksheet>', True),
    "prefixed namespace": Case(
        f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1:C2"/><x:sheetData><x:row r="1"><x:c r="A1" t="s">'
        '<x:v>0</x:v></x:c><x:c r="B1"><x:v>2.5</x:v></x:c></x:row></x:sheetData></x:worksheet>', True, SHARED),
    "prefixed formula": Case(
        f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1"/><x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f>'
        "</x:c></x:row></x:sheetData></x:worksheet>", False),
    "unstyled cells are dates": Case(_sheet(_row(1, _n("A1", "44713.5"), _n("B1", "7", 0))), False, styles=(
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0*d"/></numFmts>'
        '<cellXfs count="1"><xf numFmtId="164"/></cellXfs></styleSheet>')),  # a date to openpyxl, not to calamine
    "formula with a value": Case(_sheet(_row(1, _n("A1", "2"), '<c r="B1"><f>A1*2</f><v>4</v></c>')), False),
    "no dimension": Case(_sheet(_row(2, _n("A2", "7"), _n("C2", "8")), dimension=None), False),
    "rows out of order": Case(_sheet(_row(1, _n("A1", "7")), _row(3, _n("A3", "8")), _row(2, _n("A2", "9"))), False),
    "row without number": Case(_sheet('<row><c r="A1"><v>1</v></c></row>'), False),
    "cells without reference": Case(_sheet('<row r="1"><c><v>7</v></c><c t="s"><v>0</v></c></row>'), False, SHARED),
    "whole numbers written as floats": Case(_sheet(_row(1, _n("A1", "1.0"), _n("B1", "1E3"), _n("C1", "2.5"))), False),
    "long integer": Case(_sheet(_row(1, _n("A1", "110101199001011234"))), False),
    "empty shared string": Case(_sheet(_row(1, _s("A1", 0), _s("B1", 1))), False,
                                ["<si><t>x</t></si>", "<si><t/></si>"]),
    "shared string without text": Case(_sheet(_row(1, _s("A1", 0), _s("B1", 1))), False,
                                       ["<si><t>x</t></si>", "<si></si>"]),
    "shared string of a phonetic property only": Case(_sheet(_row(1, _s("A1", 0))), False,
                                                      ['<si><phoneticPr fontId="1" type="noConversion"/></si>']),
    "unpreserved white space": Case(_sheet(_row(1, _s("A1", 0))), False, ["<si><t> x </t></si>"]),
    "escaped control character": Case(_sheet(_row(1, _s("A1", 0))), False, ["<si><t>a_x000D_b</t></si>"]),
    "empty inline string": Case(_sheet(_row(1, _inline("A1", "<t></t>"), _inline("B1", ""))), False),
    "iso date cell": Case(_sheet(_row(1, _n("A1", "2022-06-01T08:00:00", kind="d"))), False),
    "unknown error": Case(_sheet(_row(1, _n("A1", "#SPILL!", kind="e"))), False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_written_workbooks_read_the_same(tmp_path, name):
    case = CASES[name]
    path = _raw_book(tmp_path / "book.xlsx", [case.sheet, _sheet(_row(1, _n("A1", "1")))], case.strings, case.styles,
                     case.workbook_pr)
    _same_both_ways(path, case.fast)


def test_xml_in_another_encoding_is_refused_as_before(tmp_path):
    """An ASCII worksheet declared GBK: calamine could read it, openpyxl refuses the workbook, so it is refused."""
    path = _raw_book(tmp_path / "book.xlsx", [_sheet(_row(1, _n("A1", "1")))])
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"UTF-8", b"GBK")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert read_workbook_calamine(path) is None
    with pytest.raises(LedgerRefused, match=r"not a readable xlsx workbook \(ValueError\)"):
        read_grids(path, "book.xlsx")


def test_formula_behind_a_prefix_is_still_told(tmp_path):
    path = _raw_book(tmp_path / "book.xlsx", [CASES["prefixed formula"].sheet])
    assert isinstance(read_grids(path, "book.xlsx")[0].rows[0][1][0], FormulaWithoutValue)


def test_unreadable_workbooks_are_refused_as_before(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert read_workbook_calamine(bad) is None
    with pytest.raises(LedgerRefused, match=r"not a readable xlsx workbook \(BadZipFile\)"):
        read_grids(bad, "bad.xlsx")
    no_types = tmp_path / "no_types.xlsx"
    with zipfile.ZipFile(no_types, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}"/>')
    assert read_workbook_calamine(no_types) is None
    with pytest.raises(LedgerRefused, match=r"not a readable xlsx workbook \(KeyError\)"):
        read_grids(no_types, "no_types.xlsx")
