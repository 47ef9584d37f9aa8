"""A small ledger's CSV read by polars (`read_ledger(..., polars_csv=True)`) gives what the csv-module grid gives:
the same header, row numbers, blank rows, normalised rows and issues — or it falls back to the grid."""

import pytest

from eldercare.ledgers import BED_ITEMS, ELDERS, FUNDS
from eldercare.normalise import normalise
from eldercare.readers import HEAD_CHARS, LedgerRefused, read_ledger, read_ledgers

ELDER_HEADER = "服务对象编号,身份证号,姓名,性别,出生日期,所属镇街,经济困难类型,能力等级,服务机构,服务类型,纳入日期"
ROW1 = "E001,110102194006200014,邹平清,男,1940-06-20,东湖镇,低收入,中度失能,JG001,两者,2021-12-26"
ROW2 = "E002,110102193802120010,余永,男,1938-02-12,东湖镇,低保,完全失能,JG004,两者,2021-06-15"
BAD = "E003,11010219380212001X,王五,男,1938-13-12,东湖镇,低保,完全失能,JG004,两者,2021-06-15"

CASES = {
    "plain": f"{ELDER_HEADER}\n{ROW1}\n{ROW2}\n{BAD}\n",
    "crlf": f"{ELDER_HEADER}\r\n{ROW1}\r\n\r\n{ROW2}\r\n",
    "title_and_blank_lines": f"示例区服务对象台账,,\n\n{ELDER_HEADER}\n\n{ROW1}\n,,,,\n  \n{ROW2}\n\n\n",
    "totals_row": f"{ELDER_HEADER}\n{ROW1}\n合计,,,,,,,,,,\n",
    "ragged": f"{ELDER_HEADER},备注\n{ROW1},多,余,列\nE009,110102194006200014\n{ROW2}\n",
    "short_first_row": f"{ELDER_HEADER}\nE009\n{ROW1}\n",
    "quoted": f'{ELDER_HEADER}\n{ROW1.replace("东湖镇", chr(34) + "东湖镇,北" + chr(34))}\n'
              f'{ROW2.replace("余永", chr(34) + "余" + chr(34) * 2 + "永" + chr(34))}\n',
    "quoted_newline": f'{ELDER_HEADER}\n{ROW1.replace("东湖镇", chr(34) + "东湖" + chr(10) + "镇" + chr(34))}\n{BAD}\n',
    "quoted_empty": f'{ELDER_HEADER}\n{ROW1.replace("东湖镇", chr(34) * 2)}\n',
    "header_only": f"{ELDER_HEADER}\n",
    "header_only_blank_lines": f"{ELDER_HEADER}\n\n\n",
    "no_final_newline": f"{ELDER_HEADER}\n{ROW1}",
    "unknown_column": f"{ELDER_HEADER},备注\n{ROW1},x\n",
    "malformed_quote": f'{ELDER_HEADER}\n{ROW1.replace("东湖镇", chr(34) + "东湖" + chr(34) + "镇")}\n',
    "long_head": "说明" + "长" * (HEAD_CHARS + 10) + f"\n{ELDER_HEADER}\n{ROW1}\n",
}
FALLS_BACK = {"malformed_quote", "long_head"}
ENCODINGS = {"utf-8": lambda t: t.encode("utf-8"), "utf-8-sig": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
             "gb18030": lambda t: t.encode("gb18030")}


def _both(path, ledger):
    return (read_ledger(path, ledger, "r/x.csv", polars_csv=True), read_ledger(path, ledger, "r/x.csv"))


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_polars_csv_reads_what_the_grid_reads(tmp_path, case, encoding):
    path = tmp_path / "elders.csv"
    path.write_bytes(ENCODINGS[encoding](CASES[case]))
    fast, grid = _both(path, ELDERS)
    assert (fast.frame is None) == (case in FALLS_BACK)
    for attr in ("header_row", "headers", "units", "unknown_columns", "encoding", "positions", "height"):
        assert getattr(fast, attr) == getattr(grid, attr), attr
    assert fast.row_numbers() == grid.row_numbers()
    a, b = normalise([fast], ELDERS, "k"), normalise([grid], ELDERS, "k")
    assert a.rows.equals(b.rows) and a.issues.equals(b.issues)
    assert (a.blank_rows, a.rows_read) == (b.blank_rows, b.rows_read)


def test_files_of_both_kinds_normalise_together(tmp_path):
    (tmp_path / "a.csv").write_text("服务对象编号,类别,项目名称,数量,金额（元）\nE1,智能化设备,床垫,1,880.00\nE1,,,x,1万\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text("服务对象编号,类别,项目名称,数量,金额（万元）\n\nE2,辅具,报警器,2,0.1\n", encoding="gb18030")
    fast = [read_ledger(tmp_path / n, BED_ITEMS, n, polars_csv=True) for n in ("a.csv", "b.csv")]
    grid = [read_ledger(tmp_path / n, BED_ITEMS, n) for n in ("a.csv", "b.csv")]
    a, b = normalise(fast, BED_ITEMS, "k"), normalise(grid, BED_ITEMS, "k")
    assert a.rows.equals(b.rows) and a.issues.equals(b.issues) and a.blank_rows == b.blank_rows


def test_old_mac_line_ends_read_as_lines(tmp_path):
    (tmp_path / "cr.csv").write_text(f"{ELDER_HEADER}\r{ROW1}\r{ROW2}\r", encoding="utf-8")
    (tmp_path / "lf.csv").write_text(f"{ELDER_HEADER}\n{ROW1}\n{ROW2}\n", encoding="utf-8")
    cr, lf = (read_ledger(tmp_path / n, ELDERS, "r/x.csv", polars_csv=True) for n in ("cr.csv", "lf.csv"))
    assert cr.row_numbers() == lf.row_numbers() == [2, 3]
    a, b = normalise([cr], ELDERS, "k"), normalise([lf], ELDERS, "k")
    assert a.rows.equals(b.rows) and a.issues.is_empty()


def test_a_carriage_return_inside_a_cell_splits_its_record_and_loses_nothing(tmp_path):
    path = tmp_path / "elders.csv"
    path.write_text(f"{ELDER_HEADER}\n{ROW1.replace('东湖镇', 'a' + chr(13) + 'b')}\n{ROW2}\n", encoding="utf-8")
    table = read_ledger(path, ELDERS, "r/x.csv", polars_csv=True)
    assert table.row_numbers() == [2, 3, 4]
    parsed = normalise([table], ELDERS, "k")
    assert parsed.rows["source_row"].to_list() == [4]
    assert sorted(set(parsed.issues["source_row"].to_list())) == [2, 3]


def test_a_file_the_csv_module_cannot_split_is_refused_with_its_line(tmp_path):
    path = tmp_path / "elders.csv"
    path.write_text(f"{ELDER_HEADER}\n{ROW1}\nE002,\"{'长' * 140_000}\"\n", encoding="utf-8")
    with pytest.raises(LedgerRefused, match=r"^r/x.csv: cannot be read as CSV at line 3: field larger than"):
        read_ledger(path, ELDERS, "r/x.csv", polars_csv=True)


@pytest.mark.parametrize("content", [b"", b" \n\n", "no header here\n1,2\n".encode(), b"\xff\xfe\x00bad"])
def test_refusals_are_the_grids(tmp_path, content):
    path = tmp_path / "funds.csv"
    path.write_bytes(content)
    with pytest.raises(LedgerRefused) as fast:
        read_ledger(path, FUNDS, "r/funds.csv", polars_csv=True)
    with pytest.raises(LedgerRefused) as grid:
        read_ledger(path, FUNDS, "r/funds.csv")
    assert str(fast.value) == str(grid.value)


def _same(fast, alone):
    for attr in ("source_file", "header_row", "headers", "units", "unknown_columns", "encoding", "positions", "height"):
        assert getattr(fast, attr) == getattr(alone, attr), attr
    assert (fast.frame is None) == (alone.frame is None)
    assert fast.row_numbers() == alone.row_numbers()


def test_files_read_together_read_as_each_alone(tmp_path):
    rows = "\n".join(ROW1.replace("E001", f"E{k:03d}") for k in range(20))
    files = {
        "plain.csv": CASES["plain"].encode(),
        "header_only.csv": CASES["header_only"].encode(),
        "open_quote_past_the_head.csv": f'{ELDER_HEADER}\n{rows}\nE999,"never closed\n'.encode(),
        "quoted_newline.csv": CASES["quoted_newline"].encode("utf-8-sig"),
        "title.csv": CASES["title_and_blank_lines"].encode(),
        "gb.csv": CASES["ragged"].encode("gb18030"),
        "no_final_newline.csv": CASES["no_final_newline"].encode(),
        "malformed.csv": CASES["malformed_quote"].encode(),
        "unknown.csv": CASES["unknown_column"].encode(),
        "empty.csv": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    together = read_ledgers([(tmp_path / n, n) for n in files], ELDERS)
    for name, fast in zip(files, together):
        try:
            alone = read_ledger(tmp_path / name, ELDERS, name, polars_csv=True)
        except LedgerRefused as exc:
            assert isinstance(fast, LedgerRefused) and str(fast) == str(exc)
            continue
        _same(fast, alone)
    tables = [t for t in together if not isinstance(t, LedgerRefused)]
    alone = [read_ledger(tmp_path / t.source_file, ELDERS, t.source_file, polars_csv=True) for t in tables]
    a, b = normalise(tables, ELDERS, "k"), normalise(alone, ELDERS, "k")
    assert a.rows.equals(b.rows) and a.issues.equals(b.issues)
    assert (a.blank_rows, a.rows_read) == (b.blank_rows, b.rows_read)
