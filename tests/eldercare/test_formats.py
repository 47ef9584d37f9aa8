"""Scalar parsers: accepted spellings give real values, bad input gives a reason, nothing raises."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from eldercare.formats import (
    Duration,
    Parsed,
    birth_date_from_id,
    clean_code,
    clean_text,
    id_check_digit,
    id_number_problem,
    normalise_id_number,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_duration_minutes,
    parse_int,
    parse_money,
    sex_from_id,
    to_halfwidth,
)

SEP1 = dt.date(2022, 9, 1)

# ---------------------------------------------------------------------------------------------- text


def test_to_halfwidth_maps_fullwidth_ascii_and_ideographic_space():
    assert to_halfwidth("２０２２－０９－０１　０８：３０") == "2022-09-01 08:30"
    assert to_halfwidth("ＡＢｃ！～") == "ABc!~"
    assert to_halfwidth("张三，１２３") == "张三,123"
    assert to_halfwidth("￥") == "￥"  # U+FFE5 is outside U+FF01–U+FF5E


@pytest.mark.parametrize("v", [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "\u3000\u3000", "\t\n"])
def test_clean_text_blank_is_none(v):
    assert clean_text(v) is None


def test_clean_text_strips_but_keeps_free_text_as_written():
    assert clean_text("  张三华 ") == "张三华"
    assert clean_text("\u3000ＡＢ１\u3000") == "ＡＢ１"  # free text: full-width kept, only the ends stripped
    assert clean_text("住院（肺炎），暂停；待定") == "住院（肺炎），暂停；待定"


def test_clean_code_strips_and_halfwidths():
    assert clean_code("\u3000ＡＢ１\u3000") == "AB1"
    assert clean_code("Ｅ００１") == "E001"
    long = "备注" * 5000
    assert clean_text(long) == long
    assert clean_text(42) == "42"
    assert clean_text(3.5) == "3.5"


# ---------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "v",
    [
        "2022.9.1", "2022/09/01", "2022-09-01", "2022年9月1日", "2022年09月01日", "20220901",
        "２０２２年９月１日", " 2022-09-01 ", "\u30002022/9/1\u3000", "2022-09-01 08:30:15",
        "2022-09-01T08:30:00", "2022年9月1日 8时30分", "2022/9/1 0:00",
        20220901, 20220901.0, 44805, 44805.0, "44805", 44805.75, "44805.75",
        dt.date(2022, 9, 1), dt.datetime(2022, 9, 1, 23, 59), pd.Timestamp("2022-09-01 10:00"),
        np.datetime64("2022-09-01"), np.int64(44805), np.float64(44805.2), Decimal("44805"),
    ],
)
def test_parse_date_accepts_every_listed_spelling(v):
    assert parse_date(v) == Parsed(SEP1, None)


def test_parse_date_excel_serials_follow_the_1900_system():
    assert parse_date(25569).value == dt.date(1970, 1, 1)
    assert parse_date(1).value == dt.date(1900, 1, 1)
    assert parse_date(59).value == dt.date(1900, 2, 28)
    assert parse_date(61).value == dt.date(1900, 3, 1)
    assert parse_date(2958465).value == dt.date(9999, 12, 31)
    assert parse_date(60) == Parsed(None, "Excel serial 60 is 1900-02-29, a day that does not exist")


@pytest.mark.parametrize("v", [None, "", "   ", float("nan"), pd.NA, pd.NaT, np.datetime64("NaT")])
def test_parse_date_blank_is_not_an_error(v):
    assert parse_date(v) == Parsed(None, None)


@pytest.mark.parametrize(
    ("v", "error"),
    [
        ("2022-13-45", "not a date: '2022-13-45'"),
        ("2022-02-30", "impossible date 2022-02-30"),
        ("2023年2月29日", "impossible date 2023-02-29"),
        ("20220230", "impossible date 2022-02-30"),
        (20221301, "not a date: '20221301'"),
        ("22.9.1", "two-digit year in '22.9.1'; write the full year"),
        ("22-09-01", "two-digit year in '22-09-01'; write the full year"),
        ("22年9月1日", "two-digit year in '22年9月1日'; write the full year"),
        ("9/1/2022", "year last in '9/1/2022'; write year-month-day"),
        ("0", "number 0 is outside the Excel date range (1 to 2958465)"),
        (0, "number 0 is outside the Excel date range (1 to 2958465)"),
        (-5, "number -5 is outside the Excel date range (1 to 2958465)"),
        (3000000, "number 3000000 is outside the Excel date range (1 to 2958465)"),
        ("1022-01-01", "implausible year 1022 in '1022-01-01'"),
        ("2022-09-01 25:00", "impossible time of day in '2022-09-01 25:00'"),
        ("2022-09-01 abc", "not a date: '2022-09-01 abc'"),
        ("2022年9月", "not a date: '2022年9月'"),
        ("下周一", "not a date: '下周一'"),
        ("2022-09-011", "not a date: '2022-09-011'"),
        (True, "not a date: True"),
        ([2022, 9, 1], "not a date: [2022, 9, 1]"),
    ],
)
def test_parse_date_rejects_with_a_reason(v, error):
    assert parse_date(v) == Parsed(None, error)


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        ("2022-09-01 08:30", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022-09-01 08:30:15", dt.datetime(2022, 9, 1, 8, 30, 15)),
        ("2022/9/1 8:30", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022.9.1 8:05:09", dt.datetime(2022, 9, 1, 8, 5, 9)),
        ("2022年9月1日 8时30分", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022年9月1日8点30分", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022年09月01日 08时30分15秒", dt.datetime(2022, 9, 1, 8, 30, 15)),
        ("2022年9月1日 8点30", dt.datetime(2022, 9, 1, 8, 30)),
        ("20220901 08:30", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022-09-01T08:30:00", dt.datetime(2022, 9, 1, 8, 30)),
        ("２０２２－０９－０１　０８：３０", dt.datetime(2022, 9, 1, 8, 30)),
        ("  2022-09-01 08:30  ", dt.datetime(2022, 9, 1, 8, 30)),
        ("2022-09-01 08:30:15.987", dt.datetime(2022, 9, 1, 8, 30, 15)),  # truncated to the second
        ("44805.5", dt.datetime(2022, 9, 1, 12, 0)),
        (44805.5, dt.datetime(2022, 9, 1, 12, 0)),
        (44805.541666666664, dt.datetime(2022, 9, 1, 13, 0)),  # rounded to the nearest second
        (1.25, dt.datetime(1900, 1, 1, 6, 0)),
        (dt.datetime(2022, 9, 1, 8, 30, 15, 999999), dt.datetime(2022, 9, 1, 8, 30, 15)),
        (pd.Timestamp("2022-09-01 08:30:15"), dt.datetime(2022, 9, 1, 8, 30, 15)),
        (np.datetime64("2022-09-01T08:30:15"), dt.datetime(2022, 9, 1, 8, 30, 15)),
        ("2022-09-01 00:00:00", dt.datetime(2022, 9, 1)),
    ],
)
def test_parse_datetime_accepts(v, expected):
    assert parse_datetime(v) == Parsed(expected, None)


@pytest.mark.parametrize(
    ("v", "error"),
    [
        ("2022-09-01", "no time of day in '2022-09-01'"),
        ("2022年9月1日", "no time of day in '2022年9月1日'"),
        (dt.date(2022, 9, 1), "no time of day in '2022-09-01'"),
        ("20220901", "no time of day in '20220901'"),
        (44805, "no time of day in '44805'"),
        ("44805", "no time of day in '44805'"),
        ("2022-02-30 08:00", "impossible date 2022-02-30"),
        ("2022-02-30", "impossible date 2022-02-30"),
        ("2022-13-01 08:00", "not a date: '2022-13-01 08:00'"),
        ("2022-09-01 24:00", "impossible time of day in '2022-09-01 24:00'"),
        ("2022-09-01 08:60", "impossible time of day in '2022-09-01 08:60'"),
        ("2022-09-01 08:30:60", "impossible time of day in '2022-09-01 08:30:60'"),
        ("22-09-01 08:30", "two-digit year in '22-09-01 08:30'; write the full year"),
        ("08:30", "not a date and time: '08:30'"),
        ("2022-09-01 8", "not a date and time: '2022-09-01 8'"),
        ("2022-09-018:30", "not a date and time: '2022-09-018:30'"),
        ("2022-09-01 下午3:30", "not a date and time: '2022-09-01 下午3:30'"),
        ("60.5", "Excel serial 60 is 1900-02-29, a day that does not exist"),
        ("2958466.5", "number 2958466.5 is outside the Excel date range (1 to 2958465)"),
        (float("inf"), "not a date and time: 'inf'"),
        (True, "not a date and time: True"),
    ],
)
def test_parse_datetime_rejects(v, error):
    assert parse_datetime(v) == Parsed(None, error)


def test_parse_datetime_blank():
    assert parse_datetime("  ") == Parsed(None, None)
    assert parse_datetime(pd.NaT) == Parsed(None, None)


# ---------------------------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("v", "yuan"),
    [
        ("178.8188万元", 1788188.0),
        ("65,124.00", 65124.0),
        ("2500元", 2500.0),
        ("￥2,500", 2500.0),
        ("¥2500", 2500.0),
        ("1.5 万", 15000.0),
        ("1.5万 元", 15000.0),
        ("2500元整", 2500.0),
        ("RMB 100", 100.0),
        ("人民币100元", 100.0),
        ("-300", -300.0),
        ("－３００元", -300.0),
        ("¥-12.5", -12.5),
        ("\u22127.5", -7.5),
        ("１２，３４５．６７", 12345.67),
        ("0.005", 0.01),  # half up
        ("1.23456万", 12345.6),
        ("12.", 12.0),
        (".5", 0.5),
        (2500, 2500.0),
        (2500.555, 2500.56),
        (0.1 + 0.2, 0.3),
        (Decimal("19.999"), 20.0),
        (np.float64(65124.0), 65124.0),
    ],
)
def test_parse_money_accepts(v, yuan):
    assert parse_money(v) == Parsed(yuan, None)


def test_parse_money_default_unit_wan_applies_to_bare_numbers_only():
    assert parse_money("180.5", default_unit="万元") == Parsed(1805000.0, None)
    assert parse_money(1.5, default_unit="万元") == Parsed(15000.0, None)
    assert parse_money("2500元", default_unit="万元") == Parsed(2500.0, None)
    assert parse_money("3万", default_unit="万元") == Parsed(30000.0, None)
    with pytest.raises(ValueError):
        parse_money("1", default_unit="千元")  # a caller's bug, not a data problem


@pytest.mark.parametrize(
    ("v", "error"),
    [
        ("abc", "not an amount of money: 'abc'"),
        ("1,5", "misplaced thousands separator in '1,5'"),
        ("6,5124.00", "misplaced thousands separator in '6,5124.00'"),
        ("--5", "not an amount of money: '--5'"),
        ("12.3.4", "not an amount of money: '12.3.4'"),
        ("2500美元", "not an amount of money: '2500美元'"),
        ("约2500", "not an amount of money: '约2500'"),
        ("/", "not an amount of money: '/'"),
        (True, "not an amount of money: True"),
        (float("inf"), "not an amount of money: inf"),
    ],
)
def test_parse_money_rejects(v, error):
    assert parse_money(v) == Parsed(None, error)


def test_parse_money_blank():
    assert parse_money(" ") == Parsed(None, None)
    assert parse_money(float("nan")) == Parsed(None, None)


# ---------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("v", "minutes"),
    [
        ("10小时19分钟", 619.0),
        ("1小时", 60.0),
        ("0分钟", 0.0),
        ("45分", 45.0),
        ("1.5小时", 90.0),
        ("1小时20分", 80.0),
        ("1 小时 20 分钟", 80.0),
        ("1个小时", 60.0),
        ("2h", 120.0),
        ("2 Hours", 120.0),
        ("30min", 30.0),
        ("1h30m", 90.0),
        ("1小时20分30秒", 80.5),
        ("90秒", 1.5),
        ("01:20", 80.0),
        ("1:20:30", 80.5),
        ("45", 45.0),
        ("45.5", 45.5),
        ("４５分钟", 45.0),
        (45, 45.0),
        (0, 0.0),
        (12.5, 12.5),
    ],
)
def test_parse_duration_accepts(v, minutes):
    assert parse_duration_minutes(v) == Duration(minutes, True, None)


@pytest.mark.parametrize("v", ["未记录时间", "未记录", " 未记录时长 ", "", "  ", None, float("nan")])
def test_parse_duration_unknown_is_neither_zero_nor_error(v):
    assert parse_duration_minutes(v) == Duration(None, False, None)


@pytest.mark.parametrize(
    ("v", "error"),
    [
        ("abc", "not a duration: 'abc'"),
        ("1小时20", "not a duration: '1小时20'"),
        ("半小时", "not a duration: '半小时'"),
        ("8时30分", "not a duration: '8时30分'"),
        ("1.5.2分钟", "not a duration: '1.5.2分钟'"),
        ("-5", "negative duration '-5'"),
        (-3, "negative duration -3"),
        ("1:75", "impossible duration '1:75' (minutes and seconds must be under 60)"),
        ("0:30:61", "impossible duration '0:30:61' (minutes and seconds must be under 60)"),
        (True, "not a duration: True"),
        (float("inf"), "not a duration: inf"),
    ],
)
def test_parse_duration_rejects(v, error):
    assert parse_duration_minutes(v) == Duration(None, False, error)


# ---------------------------------------------------------------------------------------------- int / bool


@pytest.mark.parametrize(
    ("v", "n"),
    [("3", 3), (3.0, 3), ("３", 3), (" 12 ", 12), ("3.00", 3), ("1,200", 1200), ("-4", -4), ("+7", 7),
     (np.int64(5), 5), (Decimal("6"), 6), (0, 0)],
)
def test_parse_int_accepts(v, n):
    result = parse_int(v)
    assert result == Parsed(n, None) and type(result.value) is int


@pytest.mark.parametrize(
    ("v", "error"),
    [(2.5, "not a whole number: 2.5"), ("2.5", "not a whole number: '2.5'"), ("三", "not a whole number: '三'"),
     ("1,20", "not a whole number: '1,20'"), (True, "not a whole number: True"),
     (float("inf"), "not a whole number: inf")],
)
def test_parse_int_rejects(v, error):
    assert parse_int(v) == Parsed(None, error)


@pytest.mark.parametrize("v", ["是", "Y", "y", "YES", "yes", "True", "true", "1", 1, 1.0, "√", "有", True, "１"])
def test_parse_bool_true(v):
    assert parse_bool(v) == Parsed(True, None)


@pytest.mark.parametrize("v", ["否", "N", "no", "NO", "FALSE", "false", "0", 0, "×", "无", False])
def test_parse_bool_false(v):
    assert parse_bool(v) == Parsed(False, None)


@pytest.mark.parametrize(("v", "error"), [("maybe", "not yes or no: 'maybe'"), (2, "not yes or no: 2"),
                                          ("是的吧", "not yes or no: '是的吧'")])
def test_parse_bool_rejects(v, error):
    assert parse_bool(v) == Parsed(None, error)


def test_blank_int_and_bool_are_not_errors():
    assert parse_int("") == Parsed(None, None)
    assert parse_bool(None) == Parsed(None, None)


def test_parsers_never_raise_on_odd_objects():
    odd = [object(), {"a": 1}, b"\xff", complex(1, 2), dt.time(8, 30), Decimal("sNaN"), [1]]
    for parser in (parse_date, parse_datetime, parse_money, parse_int, parse_bool, parse_duration_minutes):
        for v in odd:
            result = parser(v)
            assert result.error, (parser.__name__, v)


# ---------------------------------------------------------------------------------------------- ID numbers

VALID_ID = "11010519491231002X"  # the example in GB 11643-1999
VALID_FEMALE = "370306195202290044"  # born on a leap day, sequence 004 (even: female)


def test_check_digit_follows_iso_7064_mod_11_2():
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("37030619520229004") == "4"
    assert id_check_digit("37030619500101123") == "X"
    with pytest.raises(ValueError):
        id_check_digit("1234")


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        (" 370306 19500101 123x ", "37030619500101123X"),
        ("３７０３０６１９５００１０１１２３ｘ", "37030619500101123X"),
        ("370306\u300019500101123X", "37030619500101123X"),
        ("\ufeff37030619500101123X\u200b", "37030619500101123X"),
        (370306500101123, "370306500101123"),
        (370306500101123.0, "370306500101123"),
        (None, None),
        ("  ", None),
    ],
)
def test_normalise_id_number(raw, norm):
    assert normalise_id_number(raw) == norm


@pytest.mark.parametrize(
    ("s", "problem"),
    [
        (VALID_ID, None),
        ("11010519491231002x", None),
        (" 110105 19491231 002X ", None),
        (VALID_FEMALE, None),
        ("370306500101123", "legacy 15-digit ID number (no check digit to verify)"),
        ("3703061950010112", "wrong length (16 characters)"),
        ("", "wrong length (0 characters)"),
        (None, "wrong length (0 characters)"),
        ("37030619500101123Y", "invalid characters"),
        ("3703061950010112X3", "invalid characters"),
        ("37030650010112A", "invalid characters"),
        ("370306195002301234", "impossible birth date in ID"),
        ("370306189901011234", "impossible birth date in ID"),
        ("370306501301123", "impossible birth date in ID"),
        ("370306195001011230", "check digit is 0, expected X"),
        ("110105194912310021", "check digit is 1, expected X"),
        (3.703061950010112e17, "wrong length (21 characters)"),  # stored as a number: 3.70306195001011E+17
    ],
)
def test_id_number_problem(s, problem):
    assert id_number_problem(s) == problem


def test_birth_date_and_sex_from_id():
    assert birth_date_from_id(VALID_ID) == dt.date(1949, 12, 31)
    assert sex_from_id(VALID_ID) == "女"  # sequence 002
    assert birth_date_from_id(VALID_FEMALE) == dt.date(1952, 2, 29)
    assert sex_from_id(VALID_FEMALE) == "女"
    assert birth_date_from_id("37030619500101123x") == dt.date(1950, 1, 1)
    assert sex_from_id("37030619500101123x") == "男"
    assert birth_date_from_id("370306500101123") == dt.date(1950, 1, 1)  # legacy: 19YYMMDD
    assert sex_from_id("370306500101123") == "男"
    assert birth_date_from_id("370306195001011230") == dt.date(1950, 1, 1)  # wrong check digit still tells
    for bad in ("370306195002301234", "12345", None, "37030619500101123Y"):
        assert birth_date_from_id(bad) is None
    for bad in ("12345", None, "37030619500101123Y"):
        assert sex_from_id(bad) is None


def test_no_nan_leaks_from_id_helpers():
    assert normalise_id_number(float("nan")) is None
    assert id_number_problem(math.nan) == "wrong length (0 characters)"
