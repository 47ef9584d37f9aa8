"""Body rows written as text are the rows openpyxl writes: the same sheet XML, byte for byte, or openpyxl itself."""

import math
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from eldercare.exports import sheet_xml

FRAME = pd.DataFrame({
    "code": ["370303", "370304", "370305", "370306"],
    "text": ["a & b <c> \"d\" 'e'", " leading space", "trailing\n", "   "],
    "number": [1.5, float("nan"), 0.1 + 0.2, 1e20],
    "whole": [1, 2, 3, 12345678901234567],
    "mixed": [None, 2.0, "达到", ""],
    "flag": [True, False, True, False],
    "na": [pd.NA, None, np.nan, pd.NaT],
})


def _openpyxl(path, frame):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["title"])
    for row in frame.itertuples(index=False, name=None):
        ws.append([None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in row])
    wb.save(path)


def _spliced(path, frame):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["title"])
    sheet_xml.save(wb, path, {ws: sheet_xml.rows_xml(frame, first_row=2)})


def test_the_sheet_xml_is_openpyxls(tmp_path):
    _openpyxl(tmp_path / "a.xlsx", FRAME)
    _spliced(tmp_path / "b.xlsx", FRAME)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
        assert a.namelist() == b.namelist()
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")
    rows = list(load_workbook(tmp_path / "b.xlsx")["s"].iter_rows(values_only=True))
    assert rows[1][:4] == ("370303", "a & b <c> \"d\" 'e'", 1.5, 1)
    assert rows[2][2] is None and rows[4][3] == 12345678901234570  # %.16g, as openpyxl writes it
    assert math.isclose(rows[3][2], 0.3)


@pytest.mark.parametrize("value", ["=SUM(A1)", "#N/A", "bell\x07", pd.Timestamp("2022-06-30"), np.int64(3),
                                   float("inf")])
def test_values_openpyxl_writes_otherwise_are_left_to_it(value):
    with pytest.raises(sheet_xml.Unsupported):
        sheet_xml.rows_xml(pd.DataFrame({"v": pd.Series([value], dtype=object)}), first_row=3)


def test_an_empty_row_is_left_to_openpyxl():
    with pytest.raises(sheet_xml.Unsupported):
        sheet_xml.rows_xml(pd.DataFrame({"v": [None]}), first_row=3)
