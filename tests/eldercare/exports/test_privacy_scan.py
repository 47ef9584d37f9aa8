"""The export scanner finds clear ID numbers and unmasked names, and nothing in masked exports."""

from openpyxl import Workbook

from eldercare.exports.privacy_scan import scan_exports, scan_file

# 11010519491231002X: a valid GB 11643 number (check digit X) from the standard's example.
CLEAR_ID = "11010519491231002X"


def _book(path, rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_finds_a_clear_id_number_and_an_unmasked_name(tmp_path):
    path = _book(tmp_path / "a.xlsx", [["服务对象编号", "姓名", "说明"], ["Q01", "张三华", f"身份证 {CLEAR_ID}"],
                                       ["Q02", "李*", "110105********002X"]])
    leaks = scan_file(path)
    assert sorted((l.kind, l.where) for l in leaks) == [("id_number", "Sheet!C2"), ("unmasked_name", "Sheet!B2")]
    assert all(CLEAR_ID not in l.excerpt for l in leaks)  # the report of a leak does not leak


def test_known_clear_names_anywhere_and_html(tmp_path):
    (tmp_path / "r.html").write_text("<p>王小明 的服务记录</p>", encoding="utf-8")
    _book(tmp_path / "b.xlsx", [["姓名"], ["王*明"]])
    leaks = scan_exports(tmp_path, clear_names={"王小明"})
    assert [(l.kind, l.file.endswith("r.html")) for l in leaks] == [("clear_name", True)]


def test_a_number_with_a_wrong_check_digit_is_not_an_id(tmp_path):
    path = _book(tmp_path / "c.xlsx", [["金额"], ["110105194912310021"]])
    assert scan_file(path) == []
