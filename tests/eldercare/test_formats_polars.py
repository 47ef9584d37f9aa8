"""The vectorised visit-path parsers must agree with the scalar parsers, row for row."""

import datetime as dt
import random

import polars as pl

from eldercare.formats import parse_datetime, parse_duration_minutes
from eldercare.formats_polars import (
    datetime_expr,
    duration_is_garbage_expr,
    duration_is_unknown_expr,
    duration_minutes_expr,
)

# Tricky punch times: every route (platform export, everyday written forms, odd spacing, compact,
# Excel serial) and every way to fail (impossible date, 24:00, leap second, no time, two-digit year).
DATETIME_INPUTS = [
    "2022-09-01 08:30:15", "2022-09-01 08:30", "2022/9/1 8:30", "2022/09/01 08:30:15", "2022.9.1 8:05:09",
    "2022年9月1日 8时30分", "2022年9月1日8点30分", "2022年09月01日 08时30分15秒", "2022年9月1日 8点30",
    "2022 年 9 月 1 日 8 时 30 分", "2022-9-1  8:30", "20220901 08:30", "2022-09-01T08:30:00",
    "２０２２－０９－０１　０８：３０", "  2022-09-01 08:30:15  ", "2022-09-01 08:30:15.987",
    "2022/9/1 8:30:15.5", "44805.5", "44805.541666666664", "1.25", "59.5", "61.5", "2958465.99",
    "2022-09-01", "2022年9月1日", "20220901", "44805", "60.5", "0.5", "2958466.5",
    "2022-02-30 08:00", "2024-02-29 08:00", "2022-13-01 08:00", "2022-09-01 24:00", "2022-09-01 08:60",
    "2022-09-01 08:30:60", "22-09-01 08:30", "0022-09-01 08:30:00", "1899-12-31 08:00", "08:30",
    "2022-09-018:30", "2022-09-01 下午3:30", "abc", "", "   ", None,
]

DURATION_INPUTS = [
    "10小时19分钟", "1小时", "0分钟", "45分", "1.5小时", "1小时20分", "1 小时 20 分钟", "1个小时", "2钟头",
    "2h", "2 Hours", "2HRS", "30min", "30 mins", "1h30m", "1小时20分30秒", "90秒", "01:20", "1:20:30",
    "100:00", "45", "45.5", "007", "４５分钟", "１小时", "未记录时间", "未记录", "未记录时长", " 未记录 ",
    "", "   ", None, "abc", "1小时20", "半小时", "8时30分", "1.5.2分钟", "-5", "1:75", "0:30:61",
    "m", "分钟", "NaN", "1h1h",
]


def _polars_datetimes(values):
    return pl.DataFrame({"t": values}, schema={"t": pl.String}).select(datetime_expr("t")).to_series().to_list()


def _polars_durations(values):
    frame = pl.DataFrame({"d": values}, schema={"d": pl.String}).select(
        duration_minutes_expr("d").alias("minutes"),
        duration_is_unknown_expr("d").alias("unknown"),
        duration_is_garbage_expr("d").alias("garbage"),
    )
    return list(frame.iter_rows())


def _assert_datetimes_agree(values):
    got = _polars_datetimes(values)
    mismatches = [(v, g, parse_datetime(v)) for v, g in zip(values, got) if parse_datetime(v).value != g]
    assert mismatches == []


def _assert_durations_agree(values):
    mismatches = []
    for v, (minutes, unknown, garbage) in zip(values, _polars_durations(values)):
        d = parse_duration_minutes(v)
        scalar = (d.minutes, not d.known and d.error is None, d.error is not None)
        if scalar != (minutes, unknown, garbage):
            mismatches.append((v, scalar, (minutes, unknown, garbage)))
    assert mismatches == []


def test_datetime_expr_agrees_with_parse_datetime_on_tricky_inputs():
    assert len(DATETIME_INPUTS) >= 40
    _assert_datetimes_agree(DATETIME_INPUTS)


def test_duration_exprs_agree_with_parse_duration_minutes_on_tricky_inputs():
    assert len(DURATION_INPUTS) >= 40
    _assert_durations_agree(DURATION_INPUTS)


def test_datetime_expr_values_and_failures():
    got = dict(zip(DATETIME_INPUTS, _polars_datetimes(DATETIME_INPUTS)))
    assert got["2022-09-01 08:30:15"] == dt.datetime(2022, 9, 1, 8, 30, 15)
    assert got["2022年9月1日8点30分"] == dt.datetime(2022, 9, 1, 8, 30)
    assert got["2022 年 9 月 1 日 8 时 30 分"] == dt.datetime(2022, 9, 1, 8, 30)
    assert got["20220901 08:30"] == dt.datetime(2022, 9, 1, 8, 30)
    assert got["２０２２－０９－０１　０８：３０"] == dt.datetime(2022, 9, 1, 8, 30)
    assert got["2022-09-01 08:30:15.987"] == dt.datetime(2022, 9, 1, 8, 30, 15)
    assert got["44805.541666666664"] == dt.datetime(2022, 9, 1, 13, 0)
    assert got["59.5"] == dt.datetime(1900, 2, 28, 12, 0)
    assert got["61.5"] == dt.datetime(1900, 3, 1, 12, 0)
    assert got["2024-02-29 08:00"] == dt.datetime(2024, 2, 29, 8, 0)
    for bad in ["2022-09-01", "20220901", "44805", "60.5", "2022-02-30 08:00", "2022-09-01 24:00",
                "2022-09-01 08:30:60", "22-09-01 08:30", "0022-09-01 08:30:00", "08:30", "abc", "", None]:
        assert got[bad] is None, bad


def test_duration_expr_values():
    rows = dict(zip(DURATION_INPUTS, _polars_durations(DURATION_INPUTS)))
    assert rows["10小时19分钟"] == (619.0, False, False)
    assert rows["0分钟"] == (0.0, False, False)  # a known zero
    assert rows["1.5小时"] == (90.0, False, False)
    assert rows["01:20"] == (80.0, False, False)
    assert rows["1小时20分30秒"] == (80.5, False, False)
    assert rows["未记录时间"] == (None, True, False)  # unknown: not zero, not garbage
    assert rows[None] == (None, True, False)
    assert rows["abc"] == (None, False, True)
    assert rows["1:75"] == (None, False, True)
    assert rows["-5"] == (None, False, True)


def _random_datetime_text(rng):
    y = rng.choice(["2022", "1899", "1900", "0022", "2024", "9999"])
    mo = rng.choice(["9", "09", "2", "02", "13", "0", "12"])
    d = rng.choice(["1", "01", "29", "30", "31", "0", "32"])
    form = rng.choice(["-", "/", ".", "cn", "compact", "mixed"])
    if form == "cn":
        date = f"{y}{rng.choice(['年', ' 年 '])}{mo}月{d}{rng.choice(['日', '日 ', ''])}"
    elif form == "compact":
        date = f"{y}{mo.zfill(2)}{d.zfill(2)}"
    elif form == "mixed":
        date = f"{y}-{mo}/{d}"
    else:
        date = f"{y}{form}{mo}{form}{d}"
    sep = rng.choice([" ", "T", "", "  ", "\u3000"])
    h, mi = rng.choice(["8", "08", "0", "23", "24"]), rng.choice(["30", "5", "05", "59", "60"])
    ss = rng.choice(["", "15", "0", "59", "60", "15.5"])
    mark = rng.choice([":", "时", "点"])
    if mark == ":":
        time = f"{h}:{mi}" + (f":{ss}" if ss else "")
    else:
        time = f"{h}{mark}{mi}" + rng.choice(["分", ""]) + (f"{ss}秒" if ss and rng.random() < 0.5 else "")
    text = date + sep + time
    if rng.random() < 0.1:
        text = text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    return f" {text} " if rng.random() < 0.1 else text


def _random_duration_text(rng):
    def num():
        return rng.choice(["0", "1", "1.5", "10", "19", "45", "59", "60", "75", "0.25", "007"])

    k = rng.random()
    if k < 0.5:
        parts = []
        if rng.random() < 0.6:
            parts.append(num() + rng.choice(["小时", "个小时", "钟头", "h", "hr", "hrs", "hours", "H", " 小时"]))
        if rng.random() < 0.6:
            parts.append(num() + rng.choice(["分钟", "分", "m", "min", "mins", "minutes", "MIN"]))
        if rng.random() < 0.3:
            parts.append(num() + rng.choice(["秒", "秒钟", "s", "sec", "secs"]))
        text = rng.choice(["", " "]).join(parts)
    elif k < 0.65:
        text = f"{rng.randint(0, 120)}:{rng.randint(0, 99):02d}"
        text += f":{rng.randint(0, 70):02d}" if rng.random() < 0.3 else ""
    elif k < 0.8:
        text = num()
    else:
        text = rng.choice(["未记录时间", "未记录", "", "  ", "abc", "-5", "1小时20", "半小时", "m", "1h1h"])
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) if rng.random() < 0.1 else text


def test_agreement_on_generated_spellings():
    rng = random.Random(20220901)
    datetimes = [_random_datetime_text(rng) for _ in range(3000)]
    datetimes += [f"{rng.uniform(0, 3e6):.{rng.randint(0, 8)}f}" for _ in range(500)]
    _assert_datetimes_agree(datetimes)
    _assert_durations_agree([_random_duration_text(rng) for _ in range(3000)])


def test_non_string_columns_are_cast_to_text():
    frame = pl.DataFrame(
        {
            "at": [dt.datetime(2022, 9, 1, 8, 30, 15, 500000), None],
            "day": [dt.date(2022, 9, 1), None],
            "serial": [44805.5, 44805.0],
            "minutes": [45, None],
        }
    )
    out = frame.select(
        datetime_expr("at"), datetime_expr("day"), datetime_expr("serial"), duration_minutes_expr("minutes")
    )
    assert out.schema == {"at": pl.Datetime("us"), "day": pl.Datetime("us"), "serial": pl.Datetime("us"),
                          "minutes": pl.Float64}
    assert out["at"].to_list() == [dt.datetime(2022, 9, 1, 8, 30, 15), None]
    assert out["day"].to_list() == [None, None]  # a date has no time of day
    assert out["serial"].to_list() == [dt.datetime(2022, 9, 1, 12, 0), None]
    assert out["minutes"].to_list() == [45.0, None]


def test_expressions_work_lazily_and_find_failures_by_comparing_with_input():
    lf = pl.LazyFrame({"checkin": ["2022-09-01 08:30:00", "2022-02-30 08:00", None, "2022/9/2 9:00"]})
    out = lf.with_columns(datetime_expr("checkin").alias("checkin_at")).with_columns(
        failed=pl.col("checkin").is_not_null() & pl.col("checkin_at").is_null()
    ).collect()
    assert out["checkin_at"].to_list() == [dt.datetime(2022, 9, 1, 8, 30), None, None, dt.datetime(2022, 9, 2, 9, 0)]
    assert out["failed"].to_list() == [False, True, False, False]


def test_empty_frame():
    out = pl.DataFrame({"t": []}, schema={"t": pl.String}).select(
        datetime_expr("t"), duration_minutes_expr("t").alias("m")
    )
    assert out.height == 0 and out.schema == {"t": pl.Datetime("us"), "m": pl.Float64}
