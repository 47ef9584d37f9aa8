"""The privacy scanner finds clear ID numbers and known names wherever a run could write them, and shows them masked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import openpyxl

from eldercare.privacy_scan import Known, Scanner, main

# 11010519491231002X: 17 digits weighted 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 sum to 167; 167 mod 11 = 2 -> 'X'.
VALID = "11010519491231002X"
WRONG_CHECK = "110105194912310021"  # same person, check digit 1 instead of X
KNOWN = Known(names=frozenset({"王小明", "李芳"}), ids=frozenset({WRONG_CHECK}))


def test_valid_id_numbers_and_known_names_are_found_masked():
    found = Scanner(KNOWN).text(f"老人王小明，身份证 {VALID}。", "note")
    assert {(f.kind, f.masked) for f in found} == {("id_number", "110105********002X"), ("name", "王*明")}
    assert all(VALID not in str(f) and "王小明" not in str(f) for f in found)


def test_masked_values_hashes_and_unknown_invalid_numbers_are_not_findings():
    text = "王*明 110105********002X 4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a99 110105194912310022 李*"
    assert Scanner(KNOWN).text(text, "t") == []


def test_a_known_number_is_found_even_with_a_wrong_check_digit_or_spaces():
    found = Scanner(KNOWN).text("110105 19491231 0021", "t")
    assert [(f.kind, f.masked) for f in found] == [("id_number", "110105********0021")]


def test_every_kind_of_file_a_run_writes_is_scanned(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema metrics; create table metrics.t (a varchar, b bigint)")
    con.execute("insert into metrics.t values ('李芳 visited', 1), ('fine', 2)")
    con.close()
    lite = sqlite3.connect(tmp_path / "runs.db")
    lite.execute("create table event_logs (event text, blob_col blob)")
    lite.execute("insert into event_logs values (?, ?)", ('{"metadata": "ok"}', f'{{"x": "{VALID}"}}'.encode()))
    lite.commit()
    lite.close()
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "姓名"])
    wb.active.append(["E1", "王小明"])
    (tmp_path / "exports").mkdir()
    wb.save(tmp_path / "exports" / "report.xlsx")
    (tmp_path / "exports" / "step.err").write_text(f"warning: row {VALID}\n", encoding="utf-8")
    found = {(f.where.split(": ", 1)[-1] if ": " in f.where else Path(f.where).name, f.kind)
             for f in Scanner(KNOWN).paths([tmp_path])}
    assert found == {("metrics.t.a", "name"), ("event_logs.blob_col", "id_number"), ("sheet Sheet", "name"),
                     ("step.err", "id_number")}


def test_the_command_exits_non_zero_and_never_prints_clear_values(tmp_path: Path, capsys):
    raw = tmp_path / "raw" / "510101"
    raw.mkdir(parents=True)
    (raw / "elders.csv").write_text("服务对象编号,身份证号,姓名\nE1,%s,王小明\n" % VALID, encoding="utf-8")
    (tmp_path / "out.csv").write_text("E1,王小明\n", encoding="utf-8")
    (tmp_path / "clean.csv").write_text("E1,王*明\n", encoding="utf-8")
    assert main(["--raw", str(tmp_path / "raw"), str(tmp_path / "clean.csv")]) == 0
    assert main(["--raw", str(tmp_path / "raw"), str(tmp_path / "out.csv")]) == 1
    out = capsys.readouterr().out
    assert "王*明" in out and "王小明" not in out and VALID not in out
