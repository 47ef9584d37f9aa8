"""Each cell kind has one cleaning path with a scalar and a vectorised (polars) side: fed the same cells, they agree."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from eldercare.formats import (
    clean_code, clean_text, id_number_problem, normalise_id_number, parse_bool, parse_date, parse_datetime,
    parse_duration_minutes, parse_int,
)
from eldercare.formats_polars import (
    bool_expr, code_expr, date_expr, datetime_expr, duration_minutes_expr, id_number_expr, int_expr, text_expr,
    valid_id_number_expr,
)

TEXT_CELLS = ["Ｅ００１", " E001 ", "E001", "\u3000Ａ\u3000", "住院（肺炎），暂停；待定", "", "   ", None, "\xa0x\xa0",
              "a\x1fb", "\x1fa", "JG００２", "ｅ００１", "２０２２－０７－０１　０８：００：００", "45分钟", "１小时"]
DATE_CELLS = ["2022-09-01", "2022/9/1", "2022.9.1", "2022年9月1日", "2022 年 9 月 1 日", "20220901", "44805",
              "44805.75", "59", "60", "61", "1", "0", "2958465", "2958466", "2022-02-30", "2022-13-01", "1899-12-31",
              "0022-09-01", "22-09-01", "9/1/2022", "2022-09-01 08:30", "2022-09-01 25:00", "2022-09-01 00:00:00",
              "２０２２－０９－０１", " 2022-09-01 ", "19400101", "99991231", "10000000", "abc", "", None,
              "2024-02-29", "2023-02-29", "2022-9-1日", "44805.5e0"]
INT_CELLS = ["3", "3.0", "3.00", "３", "1,200", "12,00", "-2", "+4", "2.5", "abc", "", None, " 7 ", "1,234,567",
             "007", "3.", "-0"]
BOOL_CELLS = ["是", "否", "Y", "n", "YES", "no", "True", "false", "T", "f", "1", "0", "√", "×", "✓", "有", "无",
              "不是", "没有", "对", "maybe", "", None, " 是 ", "１", "０"]
ID_FIRST17 = ["11010519491231002", "37039819400101001", "44030119990229123", "11010518991231002"]
ID_CELLS = ["11010519491231002X", "110105194912310021", "11010519491231002x", " 110105 19491231002X ",
            "１１０１０５１９４９１２３１００２Ｘ", "110105194912310", "11010519491231002", "1101051949123100XX",
            "440301199902291234", "110105189912310021", "\u200b11010519491231002X", "", None, "abc"]

PAIRS = {
    "code": (TEXT_CELLS, clean_code, code_expr),
    "text": (TEXT_CELLS, clean_text, text_expr),
    "datetime": (TEXT_CELLS + DATE_CELLS, lambda v: parse_datetime(v).value, datetime_expr),
    "duration": (TEXT_CELLS, lambda v: parse_duration_minutes(v).minutes, duration_minutes_expr),
    "date": (DATE_CELLS + TEXT_CELLS, lambda v: parse_date(v).value, date_expr),
    "int": (INT_CELLS + TEXT_CELLS, lambda v: parse_int(v).value, int_expr),
    "bool": (BOOL_CELLS + TEXT_CELLS, lambda v: parse_bool(v).value, bool_expr),
    "id_number": (ID_CELLS + TEXT_CELLS, normalise_id_number, id_number_expr),
    "valid_id_number": (ID_CELLS + TEXT_CELLS,
                        lambda v: None if normalise_id_number(v) is None or id_number_problem(v)
                        else normalise_id_number(v), valid_id_number_expr),
}


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_scalar_and_vectorised_give_the_same_value_for_every_cell(kind):
    cells, scalar, vectorised = PAIRS[kind]
    got = pl.DataFrame({"c": cells}, schema={"c": pl.Utf8}).select(vectorised("c")).to_series().to_list()
    assert got == [scalar(c) for c in cells]


def test_worked_examples():
    assert clean_code("Ｅ００１") == "E001"  # full-width letters and digits, as in a visit file
    assert clean_text("住院（肺炎），暂停；待定") == "住院（肺炎），暂停；待定"  # Chinese punctuation kept
    assert clean_text(" 说明 ") == "说明"  # only the ends are stripped
    assert parse_date("44805").value == dt.date(2022, 9, 1)  # Excel serial: 1899-12-30 + 44805 days
    assert parse_int("1,200").value == 1200
    # 11010519491231002X: check digit of 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2
    # = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> 'X'
    assert id_number_problem("11010519491231002X") is None
