"""Each cell kind has one cleaning path with a scalar and a vectorised (polars) side: fed the same cells, they agree."""

from __future__ import annotations

import polars as pl
import pytest

from eldercare.formats import clean_code, clean_text, parse_datetime, parse_duration_minutes
from eldercare.formats_polars import code_expr, datetime_expr, duration_minutes_expr, text_expr

CELLS = ["Ｅ００１", " E001 ", "E001", "\u3000Ａ\u3000", "住院（肺炎），暂停；待定", "", "   ", None, "\xa0x\xa0",
         "a\x1fb", "\x1fa", "JG００２", "ｅ００１", "２０２２－０７－０１　０８：００：００", "45分钟", "１小时"]

PAIRS = {
    "code": (clean_code, code_expr),
    "text": (clean_text, text_expr),
    "datetime": (lambda v: parse_datetime(v).value, datetime_expr),
    "duration": (lambda v: parse_duration_minutes(v).minutes, duration_minutes_expr),
}


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_scalar_and_vectorised_give_the_same_value_for_every_cell(kind):
    scalar, vectorised = PAIRS[kind]
    got = pl.DataFrame({"c": CELLS}, schema={"c": pl.Utf8}).select(vectorised("c")).to_series().to_list()
    assert got == [scalar(c) for c in CELLS]


def test_codes_are_half_width_and_free_text_is_verbatim():
    assert clean_code("Ｅ００１") == "E001"  # full-width letters and digits, as in a visit file
    assert clean_text("住院（肺炎），暂停；待定") == "住院（肺炎），暂停；待定"  # Chinese punctuation kept
    assert clean_text(" 说明 ") == "说明"  # only the ends are stripped
