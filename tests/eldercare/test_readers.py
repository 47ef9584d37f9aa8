"""Reading raw ledger files: header aliases, title rows, merged headers, encodings, and the files refused whole."""

from pathlib import Path

import openpyxl
import pytest

from eldercare.ledgers import ELDERS, FUNDS, INSTITUTIONS, VISITS
from eldercare.readers import FormulaWithoutValue, LedgerRefused, read_ledger

INST_HEADER = ["机构编号", "机构名称", "合同签订日期", "合同金额（万元）", "计划床位数"]


def _xlsx(path: Path, rows: list[list], merge: str | None = None, sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_title_row_above_header_is_skipped_and_rows_keep_their_excel_numbers(tmp_path):
    path = _xlsx(tmp_path / "institutions.xlsx",
                 [["示例区服务机构名单"], INST_HEADER, ["JG001", "期颐堂", "2022-02-11", "65.124", 92]], merge="A1:E1")
    table = read_ledger(path, INSTITUTIONS, "370399/institutions.xlsx")
    assert table.header_row == 2
    assert table.records == [(3, {"institution_id": "JG001", "name": "期颐堂", "contract_signed": "2022-02-11",
                                  "contract_amount_yuan": "65.124", "planned_beds": 92})]
    assert table.units == {"contract_amount_yuan": "万元"}


def test_merged_two_row_header_names_the_columns_under_a_group_cell(tmp_path):
    header_top = ["服务记录编号", "服务对象编号", "服务机构", "护理员编号", "服务项目", "服务时间", None, "服务时长"]
    header_sub = [None, None, None, None, None, "签到时间", "签退时间", None]
    path = _xlsx(tmp_path / "2022-08.xlsx", [["八月上门服务记录"], header_top, header_sub,
                                             ["V1", "E1", "JG001", "C1", "生活照料", "2022-08-01 08:00", "2022-08-01 09:00", "1小时"]])
    table = read_ledger(path, VISITS, "v.xlsx")
    assert table.records[0][0] == 4
    assert table.records[0][1]["checkin_at"] == "2022-08-01 08:00"
    assert table.records[0][1]["checkout_at"] == "2022-08-01 09:00"


def test_gb18030_csv_is_decoded(tmp_path):
    path = tmp_path / "institutions.csv"
    path.write_bytes(("\n".join([",".join(INST_HEADER), "JG001,灯塔幸福苑,2022/2/11,50.722,66"]) + "\n").encode("gb18030"))
    table = read_ledger(path, INSTITUTIONS, "institutions.csv")
    assert table.encoding == "gb18030"
    assert table.records[0][1]["name"] == "灯塔幸福苑"


def test_unknown_columns_are_noted_and_left_out(tmp_path):
    path = tmp_path / "institutions.csv"
    path.write_text(",".join([*INST_HEADER, "备注"]) + "\nJG001,期颐堂,,,92,新机构\n", encoding="utf-8")
    table = read_ledger(path, INSTITUTIONS, "institutions.csv")
    assert table.unknown_columns == ["备注"]
    assert "备注" not in table.records[0][1]


def test_unit_column_and_header_unit_are_kept_for_money(tmp_path):
    path = tmp_path / "funds.csv"
    path.write_text("日期,类型,资金来源,金额,单位\n2022.9.1,下达,中央,180.5,万元\n", encoding="utf-8")
    table = read_ledger(path, FUNDS, "funds.csv")
    assert table.records[0][1]["unit"] == "万元"


def test_formula_without_cached_value_is_marked(tmp_path):
    path = _xlsx(tmp_path / "institutions.xlsx", [INST_HEADER, ["JG001", "期颐堂", None, "=B2*2", 92]])
    table = read_ledger(path, INSTITUTIONS, "institutions.xlsx")
    assert isinstance(table.records[0][1]["contract_amount_yuan"], FormulaWithoutValue)


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    ("机构编号,计划床位数\nJG001,3\n".encode(), "required column missing in the header: 机构名称 (name)"),
    ("机构编号,机构名称,服务机构,计划床位数\nJG001,a,b,3\n".encode(), "two columns in the header map to name: '机构名称' and '服务机构'"),
    ("a,b,c\n1,2,3\n".encode(), "no sheet has the headers of 服务机构 (institutions)"),
    (b"\xff\xfe\x00\x00garbage\x81", "not UTF-8 or GB18030 text"),
])
def test_unreadable_csv_is_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "institutions.csv"
    path.write_bytes(content)
    with pytest.raises(LedgerRefused) as exc:
        read_ledger(path, INSTITUTIONS, "370399/institutions.csv")
    assert exc.value.source_file == "370399/institutions.csv"
    assert exc.value.reason.startswith(reason)


def test_corrupt_xlsx_and_wrong_type_are_refused(tmp_path):
    bad = tmp_path / "elders.xlsx"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(LedgerRefused, match="not a readable xlsx workbook"):
        read_ledger(bad, ELDERS, "elders.xlsx")
    other = tmp_path / "elders.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(LedgerRefused, match="unsupported file type"):
        read_ledger(other, ELDERS, "elders.pdf")
