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


ROW = "V{k},E001,JG001,HL01,助餐,2022-07-01 08:00:00,2022-07-01 09:00:00,60"
BODIES = {
    "plain": "".join(ROW.format(k=k) + "\n" for k in range(5)),
    "crlf_bom": "\r\n".join(ROW.format(k=k) for k in range(3)) + "\r\n",
    "title": "",  # header comes after a title line (see below)
    "blank_lines_between": ROW.format(k=1) + "\n\n,,,\n" + ROW.format(k=2) + "\n",
    "shorter_rows": ROW.format(k=1) + "\nV2,E002\n" + ROW.format(k=3) + "\n",
    "longer_row": ROW.format(k=1) + "\n" + ROW.format(k=2) + ",多余\n",
    "quoted": ROW.format(k=1) + '\nV2,E002,JG001,HL01,"助餐,\n助浴",2022-07-01 08:00:00,,\n',
    "open_quote_at_end": ROW.format(k=1) + '\nV2,"E002\n',
    "no_final_newline": ROW.format(k=1) + "\n" + ROW.format(k=2),
    "header_only": "",
    "unknown_column": "",
}


def _month_files(tmp_path: Path) -> list[Path]:
    paths = []
    for name, body in BODIES.items():
        header = HEADER + (",备注" if name == "unknown_column" else "")
        text = ("2022年7月上门服务记录\n" if name == "title" else "") + header + "\n" + body
        if name in ("title", "unknown_column"):
            text += ROW.format(k=9) + ("," if name == "unknown_column" else "") + "\n"
        data = text.encode("utf-8")
        if name == "crlf_bom":
            data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("utf-8")
        path = tmp_path / name / "2022-07.csv"
        path.parent.mkdir()
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.mark.parametrize("broken", [True, False])
def test_month_files_parsed_together_read_as_each_alone(tmp_path: Path, monkeypatch, broken: bool):
    """With a broken file among them the files are read one by one; without, they are read by one scan, and either
    way each reads as it does alone."""
    from eldercare import visit_reader
    from eldercare.readers import LedgerRefused
    paths = [p for p in _month_files(tmp_path) if broken or p.parent.name not in ("longer_row", "open_quote_at_end")]
    heads = [visit_reader.csv_month_head(p, p.parent.name) for p in paths]
    assert sum(h.width is not None for h in heads) == len(paths) - 1  # all but the header-only file
    alone_calls = []
    read_alone = visit_reader.read_csv_month
    monkeypatch.setattr(visit_reader, "read_csv_month", lambda h, n: (alone_calls.append(h.source_file),
                                                                      read_alone(h, n))[1])
    together = visit_reader.read_csv_months(heads, list(range(len(paths))))
    assert (len(alone_calls) > 1) == broken
    monkeypatch.undo()
    for k, (path, got) in enumerate(zip(paths, together)):
        try:
            alone = read_visit_file(path, path.parent.name, k)
        except LedgerRefused as exc:
            assert isinstance(got, LedgerRefused) and str(got) == str(exc), path.parent.name
            continue
        assert not isinstance(got, LedgerRefused), (path.parent.name, got)
        assert got.frame.equals(alone.frame), path.parent.name
        assert (got.headers, got.unknown_columns, got.encoding, got.header_row) == (
            alone.headers, alone.unknown_columns, alone.encoding, alone.header_row), path.parent.name
