"""Vectorised polars versions of the punch-time and duration parsers for the visit path (~3M rows a month).

Same accepted spellings and same results as `parse_datetime` / `parse_duration_minutes` in
`eldercare.formats` (they share its regular expressions); a null result for a non-blank input is a
failure the caller quarantines, with the scalar parser supplying the reason for those few rows.
Inputs are expected as text (read visit files with every column as String); other dtypes are cast.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eldercare.formats import (
    DATE_RE,
    DATETIME_RE,
    FALSE_SPELLINGS,
    ID_CHECK_MAP,
    ID_WEIGHTS,
    INT_RE,
    INVISIBLE_CHARS,
    TRUE_SPELLINGS,
    WHITE_SPACE,
    DURATION_CLOCK_RE,
    DURATION_NUMBER_RE,
    DURATION_UNITS_RE,
    EXCEL_EPOCH,
    EXCEL_SERIAL_MAX,
    EXCEL_SERIAL_MIN,
    FULLWIDTH_CHARS,
    HALFWIDTH_CHARS,
    MIN_YEAR,
    NUMBER_RE,
    UNKNOWN_DURATIONS,
)

_HAS_FULLWIDTH_RE = r"[\x{FF01}-\x{FF5E}\x{3000}]"
# Routes, cheapest first; every row takes at most one: the platform export spelling (strptime at
# once), everyday written forms (separators mapped, then strptime), anything else DATETIME_RE accepts
# (captured and zero-padded), Excel serials.
CANONICAL_DATETIME_RE = (
    r"^(?:19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2} "
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?$"
)
CANONICAL_DATETIME_FMT = "%Y-%m-%d %H:%M:%S"
# Everyday written forms with no stray spaces: 2022/9/1 8:30, 2022.9.1 08:30:15, 2022年9月1日 8时30分.
_SIMPLE_RE = (
    r"^(?:19|[2-9][0-9])[0-9]{2}"
    r"(?:[-/.][0-9]{1,2}[-/.][0-9]{1,2}[ T]|年[0-9]{1,2}月[0-9]{1,2}日 ?)"
    r"(?:[01]?[0-9]|2[0-3])[:时点][0-5]?[0-9](?:[:分][0-5]?[0-9]秒?|分)?$"
)
_SIMPLE_FROM = ["/", ".", "T", "年", "月", "日", "时", "点", "分", "秒"]
_SIMPLE_TO = ["-", "-", " ", "-", "-", " ", ":", ":", ":", ""]
_SHORT_FMT = "%Y-%m-%d %H:%M"
_US_PER_S = 1_000_000
_EPOCH_OFFSET_S = int((EXCEL_EPOCH - dt.datetime(1970, 1, 1)).total_seconds())


def _staged(source: pl.Expr, *stages: dict[str, pl.Expr], result: str) -> pl.Expr:
    """Run named steps as fields of one struct so each costly string op runs once (polars does not
    reliably share repeated sub-expressions); a stage reads the fields made by earlier stages."""
    e = pl.struct(source.alias("raw"))
    for stage in stages:
        e = e.struct.with_fields(**stage)
    return e.struct.field(result)


def _f(name: str) -> pl.Expr:
    return pl.field(name)


def _only(cond: pl.Expr, s: pl.Expr) -> pl.Expr:
    """s where cond holds, else null, so the string ops that follow skip the other rows."""
    return pl.when(cond).then(s)


def _source(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String)


def _normalise_stage() -> dict[str, pl.Expr]:
    """`norm`: full-width ASCII made half-width (only on rows that have any), then stripped."""
    raw = _f("raw")
    wide = _only(raw.str.contains(_HAS_FULLWIDTH_RE), raw).str.replace_many(FULLWIDTH_CHARS, HALFWIDTH_CHARS)
    return {"norm": pl.coalesce(wide, raw).str.strip_chars()}


# Cells that code cleaning changes: whitespace at either end, or a full-width character. Every other cell is left
# as it is (no copy of 3M strings), which is what replacing and stripping would give it anyway.
_NEEDS_CLEANING_RE = r"^\s|\s$|" + _HAS_FULLWIDTH_RE


def code_expr(col: str) -> pl.Expr:
    """`formats.clean_code` of every cell: full-width ASCII made half-width, stripped, blank -> null (`Ｅ００１` -> `E001`)."""
    c = _source(col)
    cleaned = pl.when(c.str.contains(_NEEDS_CLEANING_RE)).then(
        c.str.replace_many(FULLWIDTH_CHARS, HALFWIDTH_CHARS).str.strip_chars()).otherwise(c)
    return pl.when(cleaned != "").then(cleaned).alias(col)


def text_expr(col: str) -> pl.Expr:
    """`formats.clean_text` of every cell: free text as written, only stripped; blank -> null."""
    stripped = _source(col).str.strip_chars()
    return pl.when(stripped != "").then(stripped).alias(col)


def _datetime_stages() -> list[dict[str, pl.Expr]]:
    norm, rest, text = _f("norm"), _f("rest"), _f("simple_text")
    # General route: the shared DATETIME_RE, captured, range-checked, zero-padded, parsed.
    wr = _f("written")
    y = pl.coalesce(wr.struct.field("y"), wr.struct.field("y2"))
    m = pl.coalesce(wr.struct.field("m"), wr.struct.field("m2"))
    d = pl.coalesce(wr.struct.field("d"), wr.struct.field("d2"))
    hh, mi, ss = wr.struct.field("hh"), wr.struct.field("mi"), wr.struct.field("ss").fill_null("00")
    written_ok = (
        (y.cast(pl.Int32) >= MIN_YEAR)
        & (hh.cast(pl.Int32) <= 23)
        & (mi.cast(pl.Int32) <= 59)
        & (ss.cast(pl.Int32) <= 59)
    )
    written_text = pl.concat_str(
        [y, pl.lit("-"), m.str.zfill(2), pl.lit("-"), d.str.zfill(2), pl.lit(" "),
         hh.str.zfill(2), pl.lit(":"), mi.str.zfill(2), pl.lit(":"), ss.str.zfill(2)]
    )
    # Excel serials with a fraction (same arithmetic as formats._serial_to_datetime).
    f = _f("serial")
    serial_ok = (f >= EXCEL_SERIAL_MIN) & (f < EXCEL_SERIAL_MAX + 1) & ~((f >= 60) & (f < 61)) & (f != f.floor())
    seconds = (f * 86400.0 + 0.5).floor().cast(pl.Int64) + pl.when(f < 60).then(86400).otherwise(0)
    serial_us = (seconds + _EPOCH_OFFSET_S) * _US_PER_S
    dtype = pl.Datetime("us")
    return [
        _normalise_stage(),
        {"canonical": norm.str.contains(CANONICAL_DATETIME_RE)},
        {
            # cache=False: punch times to the second are mostly distinct, a cache only costs time here
            "fast": _only(_f("canonical"), norm.str.slice(0, 19)).str.strptime(
                dtype, CANONICAL_DATETIME_FMT, strict=False, cache=False
            ),
            "rest": _only(~_f("canonical"), norm),
        },
        {"simple": rest.str.contains(_SIMPLE_RE), "numeric": rest.str.contains(NUMBER_RE)},
        {
            "simple_text": _only(_f("simple"), rest)
            .str.replace_many(_SIMPLE_FROM, _SIMPLE_TO)
            .str.strip_chars_end(":"),
            "written": _only(~_f("simple") & ~_f("numeric"), rest).str.extract_groups(DATETIME_RE),
            "serial": _only(_f("numeric"), rest).cast(pl.Float64, strict=False),
        },
        {"with_seconds": text.str.count_matches(":", literal=True) == 2},
        {
            # each strptime sees only its own rows: parsing unpadded text is the slow part
            "simple_dt": pl.coalesce(
                _only(_f("with_seconds"), text).str.strptime(dtype, CANONICAL_DATETIME_FMT, strict=False),
                _only(~_f("with_seconds"), text).str.strptime(dtype, _SHORT_FMT, strict=False),
            ),
            "written_dt": _only(written_ok, written_text).str.strptime(dtype, CANONICAL_DATETIME_FMT, strict=False),
            "serial_dt": _only(serial_ok, serial_us).cast(dtype),
        },
        {"result": pl.coalesce(_f("fast"), _f("simple_dt"), _f("written_dt"), _f("serial_dt"))},
    ]


def datetime_expr(col: str) -> pl.Expr:
    """Punch times in `col` as pl.Datetime("us"); null where blank or not a date with a time of day."""
    return _staged(_source(col), *_datetime_stages(), result="result").alias(col)


def _duration_stages() -> list[dict[str, pl.Expr]]:
    norm, rest, clock, units = _f("norm"), _f("rest"), _f("clock"), _f("units")
    ch, cm = clock.struct.field("h").cast(pl.Float64), clock.struct.field("m").cast(pl.Float64)
    cs = clock.struct.field("s").cast(pl.Float64).fill_null(0.0)
    uh, um, us = (units.struct.field(k).cast(pl.Float64) for k in ("h", "m", "s"))
    any_unit = uh.is_not_null() | um.is_not_null() | us.is_not_null()
    return [
        _normalise_stage(),
        {"norm": norm.str.to_lowercase()},
        {
            "unknown": norm.is_null() | (norm == "") | norm.is_in(list(UNKNOWN_DURATIONS)),
            "plain": norm.str.contains(DURATION_NUMBER_RE),
        },
        {
            "plain_min": _only(_f("plain"), norm).cast(pl.Float64, strict=False),
            "rest": _only(~_f("plain") & ~_f("unknown"), norm),
        },
        {"is_clock": rest.str.contains(":", literal=True)},
        {
            "clock": _only(_f("is_clock"), rest).str.extract_groups(DURATION_CLOCK_RE),
            "units": _only(~_f("is_clock"), rest).str.extract_groups(DURATION_UNITS_RE),
        },
        {
            # same operation order as formats._minutes, so results are bit-identical
            "clock_min": _only((cm <= 59) & (cs <= 59), ch * 60.0 + cm + cs / 60.0),
            "unit_min": _only(any_unit, uh.fill_null(0.0) * 60.0 + um.fill_null(0.0) + us.fill_null(0.0) / 60.0),
        },
        {"minutes": pl.coalesce(_f("plain_min"), _f("clock_min"), _f("unit_min"))},
        {"garbage": ~_f("unknown") & _f("minutes").is_null()},
    ]


def duration_parts_expr(col: str) -> pl.Expr:
    """A struct of `minutes`, `unknown` and `garbage` for each duration cell, in one pass of the general parser."""
    e = pl.struct(_source(col).alias("raw"))
    for stage in _duration_stages():
        e = e.struct.with_fields(**stage)
    return e.alias(col)


def duration_minutes_expr(col: str) -> pl.Expr:
    """Service minutes (Float64) from 10小时19分钟, 1.5小时, 45分, 2h, 30min, 01:20 or plain minutes; null otherwise."""
    return _staged(_source(col), *_duration_stages()[:-1], result="minutes").alias(col)


def duration_is_unknown_expr(col: str) -> pl.Expr:
    """True where the duration is blank or says it was not recorded (未记录时间, 未记录): unknown, not zero."""
    return _staged(_source(col), *_duration_stages()[:3], result="unknown").alias(col)


def duration_is_garbage_expr(col: str) -> pl.Expr:
    """True where a duration is written but cannot be read (neither minutes nor a not-recorded marker)."""
    return _staged(_source(col), *_duration_stages(), result="garbage").alias(col)


# --------------------------------------------------------------------------------------------------
# Small-ledger kinds: dates, whole numbers, yes/no, ID numbers (same answers as the scalar parsers)
# --------------------------------------------------------------------------------------------------


def _padded_date(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """A date from year, month, day (Int64 expressions); null when impossible or before MIN_YEAR."""
    text = pl.concat_str([y.cast(pl.Utf8).str.zfill(4), pl.lit("-"), m.cast(pl.Utf8).str.zfill(2), pl.lit("-"),
                          d.cast(pl.Utf8).str.zfill(2)])
    ok = (y >= MIN_YEAR) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    return _only(ok, text).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


_ISO_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_WRITTEN_DATE_START = r"^[0-9]{4}\s*[-/.年]"  # what DATE_RE and DATETIME_RE's first form begin with


def date_expr(col: str) -> pl.Expr:
    """`formats.parse_date` of every cell as pl.Date: written dates, dates with a time, yyyymmdd, Excel serials.
    Routes, cheapest first; each cell takes one: ISO (2022-09-01), numbers, written forms (captured)."""
    norm, rest = _f("norm"), _f("rest")
    f = _f("number")
    compact = (f == f.floor()) & (f >= 10_000_000) & (f <= 99_999_999)
    n = _only(compact, f).cast(pl.Int64)
    serial_ok = ~compact & (f >= EXCEL_SERIAL_MIN) & (f < EXCEL_SERIAL_MAX + 1) & ~((f >= 60) & (f < 61))
    days = _only(serial_ok, f).floor().cast(pl.Int64) + pl.when(f < 60).then(1).otherwise(0)
    written, timed = _f("written"), _f("timed")
    wy, wm, wd = (written.struct.field(k).cast(pl.Int64) for k in ("y", "m", "d"))
    ty = pl.coalesce(timed.struct.field("y"), timed.struct.field("y2")).cast(pl.Int64)
    tm = pl.coalesce(timed.struct.field("m"), timed.struct.field("m2")).cast(pl.Int64)
    td = pl.coalesce(timed.struct.field("d"), timed.struct.field("d2")).cast(pl.Int64)
    time_ok = ((timed.struct.field("hh").cast(pl.Int64) <= 23) & (timed.struct.field("mi").cast(pl.Int64) <= 59)
               & (timed.struct.field("ss").cast(pl.Int64).fill_null(0) <= 59))
    return _staged(code_expr(col), {"norm": _f("raw")}, {"iso": norm.str.contains(_ISO_DATE_RE)}, {
        "iso_date": _only(_f("iso"), norm).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        "rest": _only(~_f("iso"), norm)}, {
        "numeric": rest.str.contains(NUMBER_RE), "wordy": rest.str.contains(_WRITTEN_DATE_START)}, {
        "number": _only(_f("numeric"), rest).cast(pl.Float64, strict=False),
        "written": _only(_f("wordy"), rest).str.extract_groups(DATE_RE)}, {
        "timed": _only(_f("wordy") & wy.is_null(), rest).str.extract_groups(DATETIME_RE)}, {
        "result": pl.coalesce(
            _only(_f("iso_date").dt.year() >= MIN_YEAR, _f("iso_date")),
            _padded_date(n // 10000, n // 100 % 100, n % 100),
            _only(serial_ok, (pl.lit(EXCEL_EPOCH.date()) + pl.duration(days=days)).cast(pl.Date)),
            _padded_date(wy, wm, wd), _only(time_ok, _padded_date(ty, tm, td)))},
        result="result").alias(col)


def int_expr(col: str) -> pl.Expr:
    """`formats.parse_int` of every cell as Int64: 3, 3.0, "３", "1,200", -2; 2.5 and text are null."""
    parts = code_expr(col).str.extract_groups(INT_RE)
    number = parts.struct.field("num").str.replace_all(",", "", literal=True).cast(pl.Int64, strict=False)
    return pl.when(parts.struct.field("sign") == "-").then(-number).otherwise(number).alias(col)


def bool_expr(col: str) -> pl.Expr:
    """`formats.parse_bool` of every cell: 是/否, Y/N, yes/no, true/false, 1/0, √/×, 有/无; anything else null."""
    low = code_expr(col).str.to_lowercase()
    return (pl.when(low.is_in(sorted(TRUE_SPELLINGS))).then(True)
            .when(low.is_in(sorted(FALSE_SPELLINGS))).then(False).otherwise(None).alias(col))


_ID_SPACES = "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in INVISIBLE_CHARS + WHITE_SPACE) + "]"


def _id_normalised(source: pl.Expr) -> pl.Expr:
    text = source.str.replace_all(_ID_SPACES, "").str.to_uppercase()
    return pl.when(text != "").then(text)


def id_number_expr(col: str) -> pl.Expr:
    """`formats.normalise_id_number`: half-width, every space and invisible character removed, X upper-cased."""
    return _id_normalised(code_expr(col)).alias(col)


def valid_id_number_expr(col: str) -> pl.Expr:
    """The normalised ID number where `formats.id_number_problem` finds none (18 characters, a real birth date,
    the right check digit), else null."""
    digits = _f("digits")
    total = pl.sum_horizontal([digits.str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(ID_WEIGHTS)])
    expected = (total % 11).replace_strict(dict(enumerate(ID_CHECK_MAP)), return_dtype=pl.Utf8)
    born = digits.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    ok = (born.dt.year() >= MIN_YEAR) & (digits.str.slice(17, 1) == expected)
    return _staged(code_expr(col), {"norm": _id_normalised(_f("raw"))},
                   {"digits": _only(_f("norm").str.contains(r"^[0-9]{17}[0-9X]$"), _f("norm"))},
                   {"result": _only(ok, digits)}, result="result").alias(col)
