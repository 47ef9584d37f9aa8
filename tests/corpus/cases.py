"""The hostile-input corpus: small malformed raw files, one region folder per case, each with its expected outcome.

`build(root)` writes every case under `root` (a raw-data folder) and returns the manifest the tests judge the run
by: the data rows written per file (counted here, independently of the pipeline), the names and ID numbers
written (for the privacy scan) and each case's expectation per the raw-ledger contract (ledgers.md):

- `loaded`: every row of the case's file lands in its validated table (optionally a SQL fact about it holds);
- `quarantined`: named rows land in `quarantine.rows` with the file, row, column header and rule given;
- `refused`: the file (or the region folder) is in `quarantine.refused_files`, its reason naming what to fix.

Cases flagged `ingestion=True` are the real-file variants of issue 14 point 2 (landed with the ledger contract).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

MONTH = "2022-07-01"  # the one visit month the corpus runs
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id18(seventeen: str) -> str:
    """An 18-character ID number with its ISO 7064 MOD 11-2 check character (GB 11643), computed here."""
    return seventeen + "10X98765432"[sum(int(c) * w for c, w in zip(seventeen, ID_WEIGHTS)) % 11]


def id_ending_in_x() -> str:
    """The first made-up ID number (born 1949-12-31) whose check character is X."""
    return next(i for i in (id18(f"110105194912310{n:02d}") for n in range(100)) if i.endswith("X"))


def spaced(number: str) -> str:
    return f"{number[:6]} {number[6:14]} {number[14:]}"


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


INSTITUTION_HEADER = ["机构编号", "机构名称", "合同金额", "计划床位数"]
ELDER_HEADER = ["服务对象编号", "身份证号", "姓名", "性别", "经济困难类型", "能力等级", "服务机构", "服务类型", "纳入日期"]
VISIT_HEADER = ["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "签到时间", "签退时间", "服务时长"]
EVENT_HEADER = ["服务对象编号", "变更类型", "变更日期", "说明"]
BED_HEADER = ["服务对象编号", "服务机构", "计划完成日期", "实际开工日期", "实际完成日期", "验收日期", "验收结果", "验收金额"]
ITEM_HEADER = ["服务对象编号", "类别", "项目名称", "数量", "金额"]
FUND_HEADER = ["日期", "类型", "资金来源", "拨付对象", "金额（万元）", "文号", "用途"]
SURVEY_HEADER = ["问卷编号", "服务机构", "调查日期", "第1题", "第2题", "第3题", "第4题", "第5题", "第6题"]


def region_yaml(code: str, **changes) -> str:
    """A valid region.yaml for `code`; `changes` replace (value None: remove) top-level lines."""
    lines = {
        "region_code": f'"{code}"', "name": "测试区", "project_year": "2022", "service_start": '"2022-06-01"',
        "evaluation_window": '["2022-06", "2022-12"]',
        "minimums": "{visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}",
        "bed_subsidy_cap_yuan": "2500",
    }
    for key, value in changes.items():
        if value is None:
            lines.pop(key, None)
        else:
            lines[key] = value
    return "".join(f"{k}: {v}\n" for k, v in lines.items())


def base_elders(region_number: int) -> list[list]:
    """Two valid elders of institution JG1 (pseudonyms; ID numbers made up, with valid check digits)."""
    n = region_number % 100
    return [["E1", id18(f"37030619450101{n:03d}"), f"甲{chr(0x4E00 + 3 * n)}明", "男", "低保", "轻度失能", "JG1",
             "两者", "2022-05-10"],
            ["E2", id18(f"37030619380215{n + 500:03d}"), f"乙{chr(0x4E01 + 3 * n)}芳", "女", "特困", "重度失能", "JG1",
             "居家上门服务", "2022-05-12"]]


def visit(n: int, elder: str = "E1", day: str = "2022-07-05", start: str = "08:00:00", end: str = "09:00:00",
          duration: str = "60分钟", item: str = "生活照料") -> list[str]:
    end_at = end if " " in end else f"{day} {end}"
    return [f"V{n:03d}", elder, "JG1", "HG1", item, f"{day} {start}", end_at, duration]


@dataclass
class Case:
    """One malformed input and what the contract says must happen to it."""

    id: str
    what: str  # what was tried (the README table)
    expect: str  # loaded | quarantined | refused
    ledger: str  # the validated table the case is about ("regions" for the folder and region.yaml)
    file: str  # the file (relative to the region folder) the case is about; "" = the folder itself
    write: Callable[["Corpus", Path], None]
    rows: list[tuple[int, str | None, str]] = field(default_factory=list)  # quarantined: (row, header, rule)
    fact: str | None = None  # loaded: SQL over validated.<ledger> of this region that must be true
    reason: str | None = None  # refused: words the reason must contain
    ingestion: bool = False  # fails until the ingestion branch lands
    known: str | None = None  # a failure found here and reported, not fixed on this branch (xfail with this reason)
    folder: str | None = None  # a region folder name other than the case's 6-digit code
    code: str = ""


class Corpus:
    """Writes files and counts what it wrote: data rows per file, names and ID numbers in clear."""

    def __init__(self, root: Path):
        self.root = root
        self.rows: dict[str, int] = {}  # source file (relative to root) -> data rows written
        self.names: set[str] = set()
        self.ids: set[str] = set()

    def _record(self, path: Path, rows: int) -> None:
        self.rows[path.relative_to(self.root).as_posix()] = rows

    def _pii(self, header: list, rows: list[list]) -> None:
        for row in rows:
            for h, v in zip(header, row):
                if h in ("姓名", "长者姓名", "老人姓名") and v:
                    self.names.add(str(v).strip())
                if h in ("身份证号", "身份证号码") and v:
                    self.ids.add("".join(str(v).split()).upper())

    def csv(self, folder: Path, name: str, header: list, rows: list[list], encoding: str = "utf-8",
            above: list[list] = (), count: int | None = None) -> Path:
        """A CSV file (header after the `above` rows); `count` overrides the data rows counted (blank rows)."""
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        for r in [*above, header, *rows]:
            w.writerow(r)
        path.write_bytes(buf.getvalue().encode(encoding))
        self._record(path, len(rows) if count is None else count)
        self._pii(header, rows)
        return path

    def xlsx(self, folder: Path, name: str, sheets: dict[str, tuple[list[list], list, list[list]]],
             count: int | None = None, merges: dict[str, list[str]] | None = None) -> Path:
        """A workbook: sheet -> (rows above the header, header, data rows); rows counted over every data sheet."""
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        total = 0
        for sheet, (above, header, rows) in sheets.items():
            ws = wb.create_sheet(sheet)
            for r in [*above, header, *rows]:
                ws.append(r)
            for rng in (merges or {}).get(sheet, []):
                ws.merge_cells(rng)
            total += len(rows)
            self._pii(header, rows)
        wb.save(path)
        self._record(path, total if count is None else count)
        return path

    def text(self, folder: Path, name: str, content: bytes | str, rows: int = 0) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if name != "region.yaml":
            self._record(path, rows)
        return path

    def region(self, folder: Path, code: str, number: int, yaml_text: str | None = None,
               elders: bool = True, institutions: bool = True) -> None:
        """The valid base of a case's region: region.yaml, one institution, two elders."""
        folder.mkdir(parents=True, exist_ok=True)
        self.text(folder, "region.yaml", yaml_text if yaml_text is not None else region_yaml(code))
        if institutions:
            self.csv(folder, "institutions.csv", INSTITUTION_HEADER, [["JG1", "示范养老服务中心", "10000", "10"]])
        if elders:
            self.csv(folder, "elders.csv", ELDER_HEADER, base_elders(number))


# ---------------------------------------------------------------------------------------------------------------
# The cases. Each writer gets the corpus and the region folder (already holding the valid base files).
# ---------------------------------------------------------------------------------------------------------------


def _elders_csv(encoding: str):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, "elders.csv", ELDER_HEADER, base_elders(7), encoding=encoding)
    return write


def _elders_xlsx(above=(), header=ELDER_HEADER, rows=None, extra_sheets=None):
    def write(c: Corpus, f: Path) -> None:
        (f / "elders.csv").unlink()
        del c.rows[(f / "elders.csv").relative_to(c.root).as_posix()]
        sheets = dict(extra_sheets or {})
        sheets["服务对象台账"] = (list(above), list(header), rows if rows is not None else base_elders(9))
        c.xlsx(f, "elders.xlsx", sheets)
    return write


def _one_elder_row(row: list):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, "elders.csv", ELDER_HEADER, [*base_elders(11), row])
    return write


def _institutions(rows: list[list], header=INSTITUTION_HEADER, **kw):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, "institutions.csv", header, rows, **kw)
    return write


def _funds(rows: list[list], header=FUND_HEADER):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, "funds.csv", header, rows)
    return write


def _events(rows: list[list], name: str = "status_events.csv"):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, name, EVENT_HEADER, rows)
    return write


def _visits(rows: list[list], name: str = "visits/2022-07.csv", header=VISIT_HEADER, **kw):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, name, header, rows, **kw)
    return write


def _yaml(**changes):
    def write(c: Corpus, f: Path) -> None:
        c.text(f, "region.yaml", region_yaml(f.name, **changes))
    return write


def _corrupt_xlsx(c: Corpus, f: Path) -> None:
    c.text(f, "beds.xlsx", b"PK\x03\x04 this is not really a workbook \x00\x01\x02")


def _truncated_xlsx(c: Corpus, f: Path) -> None:
    path = c.xlsx(f, "beds.xlsx", {"床位": ([], BED_HEADER, [["E1", "JG1", "2022-09-30", None, None, None, None, None]])})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _formula_without_value(c: Corpus, f: Path) -> None:
    """openpyxl writes formulas without cached values, as a script or a non-computing tool saves them."""
    c.xlsx(f, "institutions.xlsx", {"机构": ([], INSTITUTION_HEADER, [["JG1", "示范养老服务中心", "10000", "=5+5"]])})
    (f / "institutions.csv").unlink()
    del c.rows[(f / "institutions.csv").relative_to(c.root).as_posix()]


def _several_sheets(c: Corpus, f: Path) -> None:
    c.xlsx(f, "beds.xlsx", {
        "填表说明": ([], ["说明"], [["本表一人一行"], ["金额单位：元"]]),
        "床位": ([], BED_HEADER, [["E1", "JG1", "2022-09-30", "2022-08-01", "2022-09-20", "2022-09-25", "合格", "2400"]]),
        "床位改造明细": ([], ITEM_HEADER, [["E1", "适老化改造", "扶手", "2", "300"],
                                      ["E1", "智能化设备", "烟感报警器", "1", "150"]]),
    }, count=1)
    c.rows[(f / "beds.xlsx").relative_to(c.root).as_posix() + "#items"] = 2


def _merged_beds(c: Corpus, f: Path) -> None:
    """A title row, then a two-row header with merged group cells (建设日期, 验收情况); the rest merged down."""
    top = ["服务对象编号", "服务机构", "建设日期", None, None, "验收情况", None, None]
    sub = [None, None, "计划完成日期", "实际开工日期", "实际完成日期", "验收日期", "验收结果", "验收金额"]
    rows = [["E1", "JG1", "2022-09-30", "2022-08-01", "2022-09-20", "2022-09-25", "合格", "2400"],
            ["E2", "JG1", "2022-10-31", "2022-09-01", "2022-10-20", "2022-10-25", "合格", "2300"]]
    c.xlsx(f, "beds.xlsx", {"床位": ([["家庭养老床位建设台账"], top], sub, rows)},
           merges={"床位": ["A1:H1", "A2:A3", "B2:B3", "C2:E2", "F2:H2"]})


def _embedded_newlines(c: Corpus, f: Path) -> None:
    c.csv(f, "status_events.csv", EVENT_HEADER,
          [["E1", "暂停", "2022-07-10", '住院治疗\n家属说"出院再说", 待定'], ["E1", "恢复", "2022-07-20", "出院"]])


def _future_event(c: Corpus, f: Path) -> None:
    c.csv(f, "status_events.csv", EVENT_HEADER, [["E1", "暂停", "2022-07-10", ""], ["E2", "去世", "2099-01-01", ""]])


def _duplicate_elder(c: Corpus, f: Path) -> None:
    rows = base_elders(21)
    clash = list(rows[0])
    clash[3], clash[4] = "女", "特困"
    c.csv(f, "elders.csv", ELDER_HEADER, [*rows, clash])


def _both_formats(c: Corpus, f: Path) -> None:
    c.xlsx(f, "institutions.xlsx", {"机构": ([], INSTITUTION_HEADER, [["JG1", "示范养老服务中心", "10000", "10"]])})


def _blank_rows(c: Corpus, f: Path) -> None:
    c.csv(f, "institutions.csv", INSTITUTION_HEADER,
          [["JG1", "示范养老服务中心", "10000", "10"], ["", "", "", ""], ["JG2", "第二中心", "5000", "3"]], count=2)


def _unknown_column_sql(c: Corpus, f: Path) -> None:
    header = [*INSTITUTION_HEADER, 'x"; drop table validated.elders; --', "备注'); delete from audit.ingest_files; --"]
    c.csv(f, "institutions.csv", header, [["JG1", "示范养老服务中心", "10000", "10", "a", "b"]])


def _sheet_name_quote(c: Corpus, f: Path) -> None:
    c.xlsx(f, "beds.xlsx", {"床位'; drop table beds; --": (
        [], BED_HEADER, [["E1", "JG1", "2022-09-30", "2022-08-01", "2022-09-20", "2022-09-25", "合格", "2400"]])})


def _gb18030_visits(c: Corpus, f: Path) -> None:
    c.csv(f, "visits/2022-07.csv", VISIT_HEADER, [visit(1), visit(2, day="2022-07-06")], encoding="gb18030")


def _xlsx_visits_serial(c: Corpus, f: Path) -> None:
    rows = [["V001", "E1", "JG1", "HG1", "生活照料", dt.datetime(2022, 7, 5, 8, 0), dt.datetime(2022, 7, 5, 9, 0), 60],
            ["V002", "E1", "JG1", "HG1", "生活照料", 44752.375, 44752.416666666664, None]]  # 2022-07-10 09:00–10:00
    c.xlsx(f, "visits/2022-07.xlsx", {"Sheet1": ([["2022年7月上门服务记录"]], VISIT_HEADER, rows)})


def _big_header_only_visits(c: Corpus, f: Path) -> None:
    c.csv(f, "visits/2022-07.csv", VISIT_HEADER, [])


def _utf16(c: Corpus, f: Path) -> None:
    c.csv(f, "institutions.csv", INSTITUTION_HEADER, [["JG1", "示范养老服务中心", "10000", "10"]], encoding="utf-16")


def _latin_garbage(c: Corpus, f: Path) -> None:
    c.text(f, "survey.csv", bytes(range(128, 256)) * 4 + b"\n\xff\xfe\x00\x81", rows=1)


def _yaml_broken(c: Corpus, f: Path) -> None:
    c.text(f, "region.yaml", 'region_code: "{}"\nname: [测试区\nminimums: {{visits_per_month: 15\n'.format(f.name))


def _no_yaml(c: Corpus, f: Path) -> None:
    (f / "region.yaml").unlink()


def _semicolon(c: Corpus, f: Path) -> None:
    c.text(f, "survey.csv", "问卷编号;服务机构;调查日期;第1题;第2题;第3题;第4题;第5题;第6题\r\n"
                           "Q1;JG1;2022-08-01;A;A;B;A;A;A\r\n", rows=1)


def _zip_named_csv(c: Corpus, f: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("funds.csv", "日期,类型\n")
    c.text(f, "funds.csv", buf.getvalue(), rows=1)


def _survey_ok(rows):
    def write(c: Corpus, f: Path) -> None:
        c.csv(f, "survey.csv", SURVEY_HEADER, rows)
    return write


B = BED_HEADER
CASES: list[Case] = [
    # --- encodings and BOM ------------------------------------------------------------------------------------
    Case("gb18030_csv", "elders.csv in GB18030 (a Windows export)", "loaded", "elders", "elders.csv",
         _elders_csv("gb18030"), fact="count(*) = 2"),
    Case("utf8_bom_csv", "elders.csv in UTF-8 with a BOM", "loaded", "elders", "elders.csv",
         _elders_csv("utf-8-sig"), fact="count(*) = 2 and bool_and(elder_id in ('E1', 'E2'))"),
    Case("utf16_csv", "institutions.csv in UTF-16 (neither UTF-8 nor GB18030)", "refused", "institutions",
         "institutions.csv", _utf16),
    Case("binary_garbage_csv", "survey.csv holding binary bytes", "refused", "survey", "survey.csv", _latin_garbage),
    Case("gb18030_visits", "a GB18030 month file of visits", "loaded", "visits", "visits/2022-07.csv",
         _gb18030_visits, fact="count(*) = 2"),
    # --- headers ----------------------------------------------------------------------------------------------
    Case("header_aliases", "elders with alias headers 身份证号码 / 老人姓名 / 失能等级 / 签约日期", "loaded", "elders",
         "elders.xlsx", _elders_xlsx(header=["服务对象编号", "身份证号码", "老人姓名", "性别", "困难类型", "失能等级",
                                             "机构编号", "服务类型", "签约日期"]), fact="count(*) = 2"),
    Case("header_noise", "headers written ' *姓名 ', '身份证号：', '纳入日期（必填）'-like noise and full-width space",
         "loaded", "elders", "elders.xlsx",
         _elders_xlsx(header=["服务对象编号", "身份证号：", " *姓名 ", "性别", "经济困难类型", "能力等级", "服务机构",
                              "服务类型", "纳入\u3000日期"]), fact="count(*) = 2"),
    Case("title_rows", "elders.xlsx with a title and a date line above the header", "loaded", "elders",
         "elders.xlsx", _elders_xlsx(above=[["服务对象台账"], ["填报日期：2022年7月1日"]]), fact="count(*) = 2"),
    Case("merged_two_row_header", "beds.xlsx: title row, two-row header with merged group cells 建设日期 / 验收情况",
         "loaded", "beds", "beds.xlsx", _merged_beds, fact="count(*) = 2 and count(completed_on) = 2",
         ingestion=True),
    Case("missing_required_column", "institutions.csv without its 计划床位数 column", "refused", "institutions",
         "institutions.csv", _institutions([["JG1", "示范养老服务中心", "10000"]], header=INSTITUTION_HEADER[:3]),
         reason="计划床位数"),
    Case("two_columns_same_meaning", "institutions.csv with both 机构编号 and 统一社会信用代码", "refused",
         "institutions", "institutions.csv",
         _institutions([["JG1", "91370000X", "示范养老服务中心", "10"]], header=["机构编号", "统一社会信用代码", "机构名称", "计划床位数"]),
         reason="institution_id"),
    Case("semicolon_csv", "survey.csv separated by semicolons", "refused", "survey", "survey.csv", _semicolon),
    Case("sql_in_column_names", "unknown headers holding SQL (quotes, semicolons, comments)", "loaded",
         "institutions", "institutions.csv", _unknown_column_sql, fact="count(*) = 1"),
    # --- workbooks --------------------------------------------------------------------------------------------
    Case("several_sheets", "beds.xlsx: an instructions sheet, the beds sheet and the items sheet", "loaded", "beds",
         "beds.xlsx", _several_sheets, fact="count(*) = 1 and max(accepted_amount_yuan) = 2400"),
    Case("sql_in_sheet_name", "beds.xlsx whose sheet name holds a quote and SQL", "loaded", "beds", "beds.xlsx",
         _sheet_name_quote, fact="count(*) = 1"),
    Case("formula_without_value", "institutions.xlsx: 计划床位数 is a formula =5+5 saved without its value",
         "quarantined", "institutions", "institutions.xlsx", _formula_without_value,
         rows=[(2, "计划床位数", "formula_without_value")]),
    Case("corrupt_xlsx", "beds.xlsx that is not a zip workbook", "refused", "beds", "beds.xlsx", _corrupt_xlsx,
         reason="xlsx"),
    Case("truncated_xlsx", "beds.xlsx cut in half (an interrupted upload)", "refused", "beds", "beds.xlsx",
         _truncated_xlsx, reason="xlsx"),
    Case("zip_named_csv", "funds.csv that is really a zip archive", "refused", "funds", "funds.csv", _zip_named_csv),
    Case("both_xlsx_and_csv", "institutions.xlsx and institutions.csv both present", "refused", "institutions",
         "institutions.xlsx", _both_formats, reason="keep one"),
    # --- CSV quoting ------------------------------------------------------------------------------------------
    Case("embedded_newlines_quotes", "status_events.csv: a 说明 with a quoted line break and double quotes",
         "loaded", "status_events", "status_events.csv", _embedded_newlines,
         fact="count(*) = 2 and bool_or(note = '住院治疗' || chr(10) || '家属说\"出院再说\", 待定')"),
    Case("free_text_verbatim", "a 说明 note with Chinese punctuation （，；） is kept verbatim", "loaded",
         "status_events", "status_events.csv", _events([["E1", "暂停", "2022-07-10", "住院（骨折），家属陪护；待出院"]]),
         fact="bool_and(note = '住院（骨折），家属陪护；待出院')", ingestion=True),
    # --- numbers and money ------------------------------------------------------------------------------------
    Case("fullwidth_digits_nbsp", "institutions.csv: ｜１２｜ full-width digits and NBSP around the code", "loaded",
         "institutions", "institutions.csv", _institutions([["JG1\u00a0", "示范养老服务中心", "１０，０００", "１２"]]),
         fact="max(planned_beds) = 12 and max(institution_id) = 'JG1'"),
    Case("numbers_as_text", "funds amounts written as text with separators, ￥ and units", "loaded", "funds",
         "funds.csv", _funds([["2022-06-10", "下达", "中央", "", "12.5", "民发〔2022〕1号", "家庭养老床位"],
                              ["2022-06-20", "拨付", "省级", "JG1", "￥3.2万元", "", "上门服务"]]),
         fact="count(*) = 2 and sum(amount_yuan) = 157000"),
    Case("negative_money_funds", "funds: a negative 支出 (-1.5 万元)", "quarantined", "funds", "funds.csv",
         _funds([["2022-06-10", "下达", "中央", "", "12.5", "", "其他"], ["2022-06-12", "支出", "中央", "", "-1.5", "", "其他"]]),
         rows=[(3, "金额（万元）", "")]),
    Case("negative_money", "beds: 验收金额 -2400 (an amount that cannot be negative)", "quarantined", "beds",
         "beds.csv", lambda c, f: c.csv(f, "beds.csv", B, [
             ["E1", "JG1", "2022-09-30", "", "2022-09-20", "2022-09-25", "合格", "2400"],
             ["E2", "JG1", "2022-09-30", "", "2022-09-20", "2022-09-25", "合格", "-2400"]]),
         rows=[(3, "验收金额", "")]),
    Case("money_both_units", "funds: header says 万元 and the cell says 元 (2500元)", "loaded", "funds", "funds.csv",
         _funds([["2022-06-10", "下达", "中央", "", "2500元", "", "其他"]]), fact="max(amount_yuan) = 2500"),
    Case("money_garbage", "funds: 金额 '约十万' (not a number)", "quarantined", "funds", "funds.csv",
         _funds([["2022-06-10", "下达", "中央", "", "约十万", "", "其他"]]), rows=[(2, "金额（万元）", "bad_money")]),
    Case("bad_int", "institutions: 计划床位数 '十个'", "quarantined", "institutions", "institutions.csv",
         _institutions([["JG1", "示范养老服务中心", "10000", "10"], ["JG2", "第二中心", "5000", "十个"]]),
         rows=[(3, "计划床位数", "bad_int")]),
    Case("totals_row", "institutions: a 合计 row at the bottom", "quarantined", "institutions", "institutions.csv",
         _institutions([["JG1", "示范养老服务中心", "10000", "10"], ["合计", "", "10000", "10"]]),
         rows=[(3, None, "totals_row")]),
    Case("blank_rows", "institutions: an empty line between records", "loaded", "institutions", "institutions.csv",
         _blank_rows, fact="count(*) = 2"),
    # --- dates ------------------------------------------------------------------------------------------------
    Case("future_event", "status_events: a death dated 2099-01-01", "quarantined", "status_events",
         "status_events.csv", _future_event, rows=[(3, "变更日期", "")], ingestion=True),
    Case("impossible_date", "status_events: 变更日期 2022-02-30", "quarantined", "status_events",
         "status_events.csv", _events([["E1", "暂停", "2022-02-30", ""]]), rows=[(2, "变更日期", "bad_date")]),
    Case("excel_serial_date", "elders: 纳入日期 as an Excel serial number (44743 = 2022-07-01)", "loaded",
         "elders", "elders.xlsx", _elders_xlsx(rows=[[*base_elders(13)[0][:8], 44743],
                                                     [*base_elders(13)[1][:8], dt.datetime(2022, 5, 12)]]),
         fact="min(enrolled_on) = DATE '2022-05-12' and max(enrolled_on) = DATE '2022-07-01'"),
    Case("two_digit_year", "status_events: 变更日期 '22-07-10' (which century?)", "quarantined", "status_events",
         "status_events.csv", _events([["E1", "暂停", "22-07-10", ""]]), rows=[(2, "变更日期", "bad_date")]),
    Case("chinese_date", "status_events: 变更日期 '2022年7月10日'", "loaded", "status_events", "status_events.csv",
         _events([["E1", "暂停", "2022年7月10日", ""]]), fact="max(event_date) = DATE '2022-07-10'"),
    # --- ID numbers -------------------------------------------------------------------------------------------
    Case("id_lowercase_x", "elders: an ID number ending in lowercase x", "loaded", "elders", "elders.csv",
         _one_elder_row(["E3", id_ending_in_x().lower(), "丙小红", "女", "低保", "轻度失能", "JG1", "两者",
                         "2022-05-01"]), fact="count(*) = 3"),
    Case("id_spaces", "elders: an ID number written with spaces '370306 19450101 0011'-style", "loaded", "elders",
         "elders.csv", _one_elder_row(["E3", spaced(id18("37030619400505123")),
                                       "丁大为", "男", "低保", "轻度失能", "JG1", "两者", "2022-05-01"]),
         fact="count(*) = 3"),
    Case("id_15_digits", "elders: a legacy 15-digit ID number", "quarantined", "elders", "elders.csv",
         _one_elder_row(["E3", "370306450101123", "戊小兰", "女", "低保", "轻度失能", "JG1", "两者", "2022-05-01"]),
         rows=[(4, "身份证号", "bad_id_number")]),
    Case("id_bad_check_digit", "elders: an ID number whose check digit is wrong", "quarantined", "elders",
         "elders.csv", _one_elder_row(["E3", wrong_check_digit(id18("37030619400505124")),
                                       "己小强", "男", "低保", "轻度失能", "JG1", "两者", "2022-05-01"]),
         rows=[(4, "身份证号", "bad_id_number")]),
    Case("duplicate_elder_conflict", "elders: E1 twice with a different sex and hardship", "quarantined", "elders",
         "elders.csv", _duplicate_elder, rows=[(4, "服务对象编号", "duplicate_key")]),
    Case("unknown_institution", "elders: an elder of institution JG9, not in institutions", "quarantined", "elders",
         "elders.csv", _one_elder_row(["E3", id18("37030619400505123"), "庚小军", "男", "低保", "轻度失能", "JG9",
                                       "两者", "2022-05-01"]), rows=[(4, "服务机构", "unknown_reference")]),
    Case("acceptance_pass_words", "beds: 验收结果 written 通过 / 未通过", "loaded", "beds", "beds.csv",
         lambda c, f: c.csv(f, "beds.csv", B, [["E1", "JG1", "2022-09-30", "", "2022-09-20", "2022-09-25", "通过", "2400"],
                                               ["E2", "JG1", "2022-09-30", "", "2022-09-20", "2022-09-25", "未通过", ""]]),
         fact="count(*) = 2 and count(acceptance) = 2", ingestion=True),
    # --- visits -----------------------------------------------------------------------------------------------
    Case("visit_across_midnight", "visits: 23:30 to 00:30 the next day", "loaded", "visits", "visits/2022-07.csv",
         _visits([visit(1, day="2022-07-05", start="23:30:00", end="2022-07-06 00:30:00", duration="")]),
         fact="max(duration_min) = 60"),
    Case("visit_across_month_end", "visits: 2022-07-31 23:30 to 2022-08-01 00:20 in the July file", "loaded",
         "visits", "visits/2022-07.csv",
         _visits([visit(1, day="2022-07-31", start="23:30:00", end="2022-08-01 00:20:00", duration="50分钟")]),
         fact="max(duration_min) = 50 and max(month) = DATE '2022-07-01'"),
    Case("visit_other_month", "visits: the July file holding a June record", "quarantined", "visits",
         "visits/2022-07.csv", _visits([visit(1), visit(2, day="2022-06-28")]),
         rows=[(3, "签到时间", "checkin_in_file_month")]),
    Case("visit_checkout_before_checkin", "visits: 签退 before 签到", "quarantined", "visits", "visits/2022-07.csv",
         _visits([visit(1, start="10:00:00", end="09:00:00", duration="")]),
         rows=[(2, "签退时间", "checkout_not_before_checkin")]),
    Case("visit_duration_text", "visits: 服务时长 '1小时20分钟' and '未记录时间'", "loaded", "visits",
         "visits/2022-07.csv", _visits([visit(1, end="09:20:00", duration="1小时20分钟"),
                                        visit(2, day="2022-07-06", duration="未记录时间")]),
         fact="max(duration_min) = 80 and count(*) = 2 and count(duration_min) = 1"),
    Case("visit_bad_duration", "visits: 服务时长 '很久'", "quarantined", "visits", "visits/2022-07.csv",
         _visits([visit(1, duration="很久")]), rows=[(2, "服务时长", "bad_duration")]),
    Case("visit_unknown_elder", "visits: a record of elder E99, not in the ledger", "quarantined", "visits",
         "visits/2022-07.csv", _visits([visit(1, elder="E99")]), rows=[(2, "服务对象编号", "unknown_reference")]),
    Case("visit_xlsx_serials", "visits as xlsx with a title row, real datetimes and Excel serial times", "loaded",
         "visits", "visits/2022-07.xlsx", _xlsx_visits_serial, fact="count(*) = 2 and sum(duration_min) = 120"),
    Case("visit_fullwidth_ids", "visits: 服务对象编号 and 服务机构 in full-width letters and digits (Ｅ１, ＪＧ１)",
         "loaded", "visits", "visits/2022-07.csv",
         _visits([["V001", "Ｅ１", "ＪＧ１", "ＨＧ１", "生活照料", "2022-07-05 08:00:00", "2022-07-05 09:00:00", "60"]]),
         fact="count(*) = 1 and max(elder_id) = 'E1'", ingestion=True),
    Case("visit_named_final", "visits: a month file named '2022-07 上门服务记录（终稿）.csv'", "loaded", "visits",
         "visits/2022-07 上门服务记录（终稿）.csv", _visits([visit(1)], name="visits/2022-07 上门服务记录（终稿）.csv"),
         fact="count(*) = 1", ingestion=True),
    Case("visit_header_only", "visits: a month file with its header and no rows yet", "loaded", "visits",
         "visits/2022-07.csv", _big_header_only_visits, fact="count(*) = 0", ingestion=True),
    Case("visit_fullwidth_digits_times", "visits: full-width digits in times ２０２２－０７－０５", "loaded", "visits",
         "visits/2022-07.csv",
         _visits([["V001", "E1", "JG1", "HG1", "生活照料", "２０２２-０７-０５ ０８:００:００", "2022-07-05 09:00:00", "６０"]]),
         fact="count(*) = 1 and max(duration_min) = 60"),
    # --- survey -----------------------------------------------------------------------------------------------
    Case("survey_words_and_letters", "survey: answers mixing letters and words (满意 / A)", "loaded", "survey",
         "survey.csv", _survey_ok([["Q1", "JG1", "2022-08-01", "A", "满意", "B", "非常满意", "A", "一般"]]),
         fact="count(*) = 1 and max(q2) = 'B'"),
    Case("survey_bad_answer", "survey: an answer 'F'", "quarantined", "survey", "survey.csv",
         _survey_ok([["Q1", "JG1", "2022-08-01", "A", "F", "B", "A", "A", "A"]]), rows=[(2, "第2题", "bad_enum")]),
    # --- region.yaml and folders ------------------------------------------------------------------------------
    Case("yaml_missing_key", "region.yaml without minimums", "refused", "regions", "", _yaml(minimums=None),
         reason="minimums"),
    Case("yaml_wrong_type", "region.yaml project_year: 二〇二二", "refused", "regions", "",
         _yaml(project_year="二〇二二"), reason="project_year"),
    Case("yaml_wrong_type_minimum", "region.yaml minimums.visits_per_month: '十五'", "refused", "regions", "",
         _yaml(minimums="{visits_per_month: 十五, minutes_per_month: 900}"), reason="minimums.visits_per_month"),
    Case("yaml_unknown_key", "region.yaml with an unknown key (contact: …): a misspelt key must never pass silently",
         "refused", "regions", "", _yaml(contact='"民政局养老科"'), reason="key 'contact': unknown key"),
    Case("yaml_broken", "region.yaml that is not valid YAML", "refused", "regions", "", _yaml_broken,
         reason="not valid YAML"),
    Case("yaml_absent", "a region folder without region.yaml", "refused", "regions", "", _no_yaml,
         reason="region.yaml is missing"),
    Case("yaml_code_mismatch", "region.yaml whose region_code is not the folder's", "refused", "regions", "",
         _yaml(region_code='"999999"'), reason="does not match"),
    Case("folder_not_a_code", "a region folder named 示例区 (not a 6-digit code)", "refused", "regions", "",
         lambda c, f: None, folder="示例区", reason="6-digit"),
    Case("folder_path_like", "a region folder named \"510001'; drop table validated.regions; --\"", "refused",
         "regions", "", lambda c, f: None, folder="510001'; drop table validated.regions; --", reason="6-digit"),
    Case("institutions_absent", "a region without institutions (a required ledger)", "refused", "institutions",
         "institutions.xlsx", lambda c, f: ((f / "institutions.csv").unlink(),
                                             c.rows.pop((f / "institutions.csv").relative_to(c.root).as_posix())),
         reason="no institutions"),
    Case("empty_file", "funds.csv of zero bytes", "refused", "funds", "funds.csv",
         lambda c, f: c.text(f, "funds.csv", b""), reason="empty"),
]

for _i, _case in enumerate(CASES):
    _case.code = f"51{_i + 1:04d}"


def build(root: Path, cases: list[Case] = CASES) -> Corpus:
    """Write `cases` under the raw folder `root`, one region folder each; the returned corpus counts the rows."""
    corpus = Corpus(root)
    for number, case in enumerate(cases, start=1):
        folder = root / (case.folder or case.code)
        corpus.region(folder, case.code if not case.folder else folder.name, number)
        case.write(corpus, folder)
    return corpus
