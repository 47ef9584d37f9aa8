"""A month file with only its header — every month starts so — reads as 0 rows, never a phantom row or a refusal."""

from pathlib import Path

import openpyxl
import pytest

from eldercare.visit_loader import parse_month_frame
from eldercare.visit_reader import read_visit_file

HEADER = "服务记录编号,服务对象编号,服务机构,护理员编号,服务项目,签到时间,签退时间,服务时长"


@pytest.mark.parametrize("content", [
    (HEADER + "\n").encode(),  # header only
    HEADER.encode(),  # header only, no final newline
    (HEADER + "\n\n\n").encode(),  # header and blank lines
    b"\xef\xbb\xbf" + (HEADER + "\r\n").encode(),  # BOM and CRLF
    ("2022年7月上门服务记录\n" + HEADER + "\n").encode("gb18030"),  # a title row, GB18030
])
def test_a_csv_with_only_its_header_reads_zero_rows(tmp_path: Path, content: bytes):
    path = tmp_path / "2022-07.csv"
    path.write_bytes(content)
    vf = read_visit_file(path, "2022-07.csv")
    rows, issues, blank = parse_month_frame(vf.frame, vf.headers)
    assert (vf.frame.height - blank, rows.height, issues.height) == (0, 0, 0)


def test_an_xlsx_with_only_its_header_reads_zero_rows(tmp_path: Path):
    path = tmp_path / "2022-07.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.save(path)
    vf = read_visit_file(path, "2022-07.xlsx")
    assert vf.frame.height == 0
