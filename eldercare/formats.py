"""Scalar parsers for the money, date, time, duration and ID spellings found in real ledgers.

Every parser returns a small result (value plus a clerk-readable reason) instead of raising, so the
loader can quarantine one bad cell and keep the rest of the file. The regular expressions are shared
with `eldercare.formats_polars`, which must give the same answers on the 3-million-row visit path.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")

# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------

#: Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, with their half-width equivalents.
FULLWIDTH_CHARS: list[str] = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
HALFWIDTH_CHARS: list[str] = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
_HALFWIDTH_TABLE = {ord(f): h for f, h in zip(FULLWIDTH_CHARS, HALFWIDTH_CHARS)}


def to_halfwidth(s: str) -> str:
    """Map full-width ASCII (U+FF01–U+FF5E) to ASCII and U+3000 to a space; Chinese text is untouched."""
    return s.translate(_HALFWIDTH_TABLE)


def _is_missing(v: Any) -> bool:
    """True for None, NaN (float, numpy, Decimal) and pandas/numpy NA/NaT, without importing pandas."""
    if v is None:
        return True
    if isinstance(v, str):
        return False
    pd = sys.modules.get("pandas")
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return True
    np = sys.modules.get("numpy")
    if np is not None and isinstance(v, np.datetime64):
        return bool(np.isnat(v))
    if isinstance(v, (numbers.Real, Decimal)) and not isinstance(v, bool):
        try:
            return math.isnan(v)
        except (TypeError, ValueError, InvalidOperation):
            return False
    return False


#: Unicode White_Space, the set polars' strip_chars() removes (Python's str.strip() also removes \x1c-\x1f).
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B))
               + "\u2028\u2029\u202f\u205f\u3000")


def clean_code(v: Any) -> str | None:
    """A code or number cell (ids, vocabulary values, amounts, dates) as stripped half-width text: `Ｅ００１` is
    `E001`. None for blank, NaN or NA. Never truncates."""
    if _is_missing(v):
        return None
    text = to_halfwidth(str(v)).strip(WHITE_SPACE)
    return text or None


def clean_text(v: Any) -> str | None:
    """A free-text cell (说明, item names, purposes) kept as written, only stripped at both ends: its Chinese
    punctuation （，；） stays. None for blank, NaN or NA. Never truncates."""
    if _is_missing(v):
        return None
    text = str(v).strip(WHITE_SPACE)
    return text or None


#: A totals row (合计 / 总计 / 小计 / 累计, spaces allowed between the characters), judged on its first written cell.
TOTALS_RE = r"^\s*(?:合\s*计|总\s*计|小\s*计|累\s*计)"


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


class Parsed(NamedTuple, Generic[T]):
    """A parsed value, or None with a short reason a data clerk can act on (None, None = blank)."""

    value: T | None
    error: str | None


class Duration(NamedTuple):
    """Minutes of service; known=False with no error means the ledger says the time was not recorded."""

    minutes: float | None
    known: bool
    error: str | None


def _never_raise(fn):
    """Turn an unexpected conversion failure into an error result, so one odd cell cannot stop a load."""

    @functools.wraps(fn)
    def wrapper(v, *args, **kwargs):
        try:
            return fn(v, *args, **kwargs)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            reason = f"cannot read {v!r} ({exc})"
            if fn.__name__ == "parse_duration_minutes":
                return Duration(None, False, reason)
            return Parsed(None, reason)

    return wrapper


def _q(text: str) -> str:
    return f"'{text}'"


# --------------------------------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------------------------------

#: Excel's 1900 date system: serial 1 = 1900-01-01, serial 60 = the fictitious 1900-02-29,
#: serial 61 = 1900-03-01; from 61 on, serial n = 1899-12-30 + n days (25569 = 1970-01-01).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
EXCEL_SERIAL_MIN = 1
EXCEL_SERIAL_MAX = 2958465  # 9999-12-31
MIN_YEAR = 1900  # years before this in a written date are typos, not elderly-care data

NUMBER_RE = r"^[0-9]+(?:\.[0-9]+)?$"
_DATE_PART = r"(?P<y>[0-9]{4})\s*[-/.年]\s*(?P<m>[0-9]{1,2})\s*[-/.月]\s*(?P<d>[0-9]{1,2})"
_TIME_PART = (
    r"(?P<hh>[0-9]{1,2})\s*[:时点]\s*(?P<mi>[0-9]{1,2})"
    r"(?:\s*[:分]\s*(?P<ss>[0-9]{1,2})(?:\.[0-9]+)?\s*秒?|\s*分)?"
)
#: A date on its own: 2022-09-01, 2022/9/1, 2022.9.1, 2022年9月1日 (compact 20220901 is a number).
DATE_RE = rf"^{_DATE_PART}\s*日?$"
#: A date followed by a time of day; compact 20220901 needs a space or T before the time.
DATETIME_RE = (
    rf"^(?:{_DATE_PART}(?:\s*日\s*|\s+|T)"
    r"|(?P<y2>[0-9]{4})(?P<m2>[0-9]{2})(?P<d2>[0-9]{2})(?:\s+|T))"
    rf"{_TIME_PART}$"
)
_TWO_DIGIT_YEAR_RE = r"^[0-9]{2}\s*[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,2}(?:\D|$)"
_YEAR_LAST_RE = r"^[0-9]{1,2}\s*[-/.]\s*[0-9]{1,2}\s*[-/.]\s*[0-9]{4}(?:\D|$)"

_NUMBER = re.compile(NUMBER_RE)
_DATE = re.compile(DATE_RE)
_DATETIME = re.compile(DATETIME_RE)
_TWO_DIGIT_YEAR = re.compile(_TWO_DIGIT_YEAR_RE)
_YEAR_LAST = re.compile(_YEAR_LAST_RE)


def _build_date(y: int, m: int, d: int, text: str) -> Parsed[dt.date]:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return Parsed(None, f"not a date: {_q(text)}")
    if y < MIN_YEAR:
        return Parsed(None, f"implausible year {y:04d} in {_q(text)}")
    try:
        return Parsed(dt.date(y, m, d), None)
    except ValueError:
        return Parsed(None, f"impossible date {y:04d}-{m:02d}-{d:02d}")


def _serial_problem(f: float, text: str) -> str | None:
    if not (EXCEL_SERIAL_MIN <= f < EXCEL_SERIAL_MAX + 1):
        return f"number {text} is outside the Excel date range ({EXCEL_SERIAL_MIN} to {EXCEL_SERIAL_MAX})"
    if 60 <= f < 61:
        return "Excel serial 60 is 1900-02-29, a day that does not exist"
    return None


def _serial_to_datetime(f: float) -> dt.datetime:
    """Excel serial (range already checked) to a datetime rounded to the nearest second."""
    seconds = math.floor(f * 86400.0 + 0.5)
    if f < 60:  # before Excel's fictitious 1900-02-29
        seconds += 86400
    return EXCEL_EPOCH + dt.timedelta(seconds=seconds)


def _number_from(v: Any) -> float | None:
    """A real number from a numeric cell (not bool), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (numbers.Real, Decimal)):
        return float(v)
    return None


def _yyyymmdd(n: int, text: str) -> Parsed[dt.date]:
    return _build_date(n // 10000, n // 100 % 100, n % 100, text)


def _numeric_date(f: float, text: str) -> Parsed[dt.date]:
    """A number in a date column: an 8-digit yyyymmdd, or an Excel serial (fraction = time, ignored)."""
    if math.isinf(f):
        return Parsed(None, f"not a date: {_q(text)}")
    if f == math.floor(f) and 10_000_000 <= f <= 99_999_999:
        return _yyyymmdd(int(f), text)
    problem = _serial_problem(f, text)
    if problem:
        return Parsed(None, problem)
    return Parsed(_serial_to_datetime(math.floor(f)).date(), None)


def _date_shape_error(text: str, what: str) -> str:
    if _TWO_DIGIT_YEAR.search(text):
        return f"two-digit year in {_q(text)}; write the full year"
    if _YEAR_LAST.search(text):
        return f"year last in {_q(text)}; write year-month-day"
    return f"not a {what}: {_q(text)}"


def _time_ok(h: int, mi: int, s: int) -> bool:
    return h <= 23 and mi <= 59 and s <= 59


def _match_datetime(text: str) -> Parsed[dt.datetime] | None:
    """Parse a date-and-time string; None if it does not have that shape."""
    m = _DATETIME.match(text)
    if not m:
        return None
    g = m.groupdict()
    y, mo, d = (int(g["y"] or g["y2"]), int(g["m"] or g["m2"]), int(g["d"] or g["d2"]))
    h, mi, s = int(g["hh"]), int(g["mi"]), int(g["ss"] or 0)
    day = _build_date(y, mo, d, text)
    if day.error:
        return Parsed(None, day.error)
    if not _time_ok(h, mi, s):
        return Parsed(None, f"impossible time of day in {_q(text)}")
    return Parsed(dt.datetime.combine(day.value, dt.time(h, mi, s)), None)


def _datetime_object(v: Any) -> dt.datetime | None:
    """A plain datetime from datetime / pandas Timestamp / numpy datetime64, truncated to the second."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(v, np.datetime64):
        v = v.astype("datetime64[us]").item()
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            v = dt.datetime.combine(v, dt.time())
    if isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, tzinfo=v.tzinfo)
    return None


@_never_raise
def parse_date(v: Any) -> Parsed[dt.date]:
    """A calendar date from a date object, an Excel serial, yyyymmdd or a written date (time part ignored)."""
    if _is_missing(v):
        return Parsed(None, None)
    obj = _datetime_object(v)
    if obj is not None:
        return Parsed(obj.date(), None)
    if isinstance(v, dt.date):
        return Parsed(v, None)
    f = _number_from(v)
    if f is not None:
        return _numeric_date(f, str(v))
    if not isinstance(v, str):
        return Parsed(None, f"not a date: {v!r}")
    text = clean_code(v)
    if text is None:
        return Parsed(None, None)
    if _NUMBER.match(text):
        return _numeric_date(float(text), text)
    m = _DATE.match(text)
    if m:
        return _build_date(int(m["y"]), int(m["m"]), int(m["d"]), text)
    with_time = _match_datetime(text)
    if with_time is not None:
        return Parsed(with_time.value.date() if with_time.value else None, with_time.error)
    return Parsed(None, _date_shape_error(text, "date"))


@_never_raise
def parse_datetime(v: Any) -> Parsed[dt.datetime]:
    """A date and time of day (punch times) from datetime objects, Excel serials or written forms."""
    if _is_missing(v):
        return Parsed(None, None)
    obj = _datetime_object(v)
    if obj is not None:
        return Parsed(obj, None)
    if isinstance(v, dt.date):
        return Parsed(None, f"no time of day in {_q(v.isoformat())}")
    f = _number_from(v)
    text = str(v) if f is not None else None
    if f is None:
        if not isinstance(v, str):
            return Parsed(None, f"not a date and time: {v!r}")
        text = clean_code(v)
        if text is None:
            return Parsed(None, None)
        if _NUMBER.match(text):
            f = float(text)
    if f is not None:
        if math.isinf(f):
            return Parsed(None, f"not a date and time: {_q(text)}")
        if f == math.floor(f):  # a whole serial or yyyymmdd carries no time of day
            day = _numeric_date(f, text)
            return Parsed(None, day.error or f"no time of day in {_q(text)}")
        problem = _serial_problem(f, text)
        if problem:
            return Parsed(None, problem)
        return Parsed(_serial_to_datetime(f), None)
    parsed = _match_datetime(text)
    if parsed is not None:
        return parsed
    m = _DATE.match(text)
    if m:
        day = _build_date(int(m["y"]), int(m["m"]), int(m["d"]), text)
        return Parsed(None, day.error or f"no time of day in {_q(text)}")
    return Parsed(None, _date_shape_error(text, "date and time"))


# --------------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------------

_UNIT_FACTORS = {"元": Decimal(1), "圆": Decimal(1), "万元": Decimal(10000), "万": Decimal(10000)}
_MONEY = re.compile(
    r"^(?P<neg1>-)?\s*(?:[¥￥]|rmb|人民币)?\s*(?P<neg2>-)?\s*"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"\s*(?P<unit>万\s*元|万|元|圆)?\s*整?$"
)
_CENT = Decimal("0.01")


def _yuan(amount: Decimal, factor: Decimal) -> float:
    return float((amount * factor).quantize(_CENT, rounding=ROUND_HALF_UP))


def parse_money(v: Any, default_unit: str = "元") -> Parsed[float]:
    """An amount in yuan, rounded half-up to 2 decimals, from 178.8188万元, 65,124.00, ￥2,500, 2500元…
    default_unit ("元" or "万元") applies to numbers written without a unit."""
    if default_unit not in ("元", "万元"):  # a programming error, not bad input: raise
        raise ValueError(f"default_unit must be '元' or '万元', not {default_unit!r}")
    return _parse_money(v, _UNIT_FACTORS[default_unit])


@_never_raise
def _parse_money(v: Any, default_factor: Decimal) -> Parsed[float]:
    if _is_missing(v):
        return Parsed(None, None)
    if isinstance(v, bool):
        return Parsed(None, f"not an amount of money: {v!r}")
    if isinstance(v, (numbers.Real, Decimal)):
        f = float(v)
        if math.isinf(f):
            return Parsed(None, f"not an amount of money: {v!r}")
        amount = v if isinstance(v, Decimal) else Decimal(repr(f)) if isinstance(v, float) else Decimal(str(v))
        return Parsed(_yuan(amount, default_factor), None)
    if not isinstance(v, str):
        return Parsed(None, f"not an amount of money: {v!r}")
    text = clean_code(v)
    if text is None:
        return Parsed(None, None)
    m = _MONEY.match(text.replace("\u2212", "-").lower())
    if not m or (m["neg1"] and m["neg2"]):
        if "," in text and re.fullmatch(r"-?\s*[¥￥]?\s*-?[0-9,]+(?:\.[0-9]*)?\s*(?:万\s*元|万|元|圆)?", text):
            return Parsed(None, f"misplaced thousands separator in {_q(text)}")
        return Parsed(None, f"not an amount of money: {_q(text)}")
    unit = m["unit"]
    factor = _UNIT_FACTORS[re.sub(r"\s", "", unit)] if unit else default_factor
    amount = Decimal(m["num"].replace(",", ""))
    if m["neg1"] or m["neg2"]:
        amount = -amount
    return Parsed(_yuan(amount, factor), None)


# --------------------------------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------------------------------

#: Spellings meaning "the platform did not record the time": unknown, which is neither zero nor an error.
UNKNOWN_DURATIONS: tuple[str, ...] = ("未记录时间", "未记录", "未记录时长")
DURATION_NUMBER_RE = NUMBER_RE  # plain minutes
DURATION_CLOCK_RE = r"^(?P<h>[0-9]{1,3}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?$"  # h:mm or h:mm:ss
_DEC = r"[0-9]+(?:\.[0-9]+)?"
DURATION_UNITS_RE = (
    rf"^(?:(?P<h>{_DEC})\s*(?:个?小时|个?钟头|hours?|hrs?|h))?"
    rf"\s*(?:(?P<m>{_DEC})\s*(?:分钟|分|minutes?|mins?|m))?"
    rf"\s*(?:(?P<s>{_DEC})\s*(?:秒钟|秒|seconds?|secs?|s))?$"
)
_DUR_NUMBER = re.compile(DURATION_NUMBER_RE)
_DUR_CLOCK = re.compile(DURATION_CLOCK_RE)
_DUR_UNITS = re.compile(DURATION_UNITS_RE)


def _minutes(h: float, m: float, s: float) -> float:
    """Shared arithmetic (same operation order as the polars expression, so results are bit-identical)."""
    return h * 60.0 + m + s / 60.0


@_never_raise
def parse_duration_minutes(v: Any) -> Duration:
    """Service minutes from 10小时19分钟, 1.5小时, 45分, 2h, 30min, 01:20 or a plain number of minutes."""
    if _is_missing(v):
        return Duration(None, False, None)
    if isinstance(v, bool):
        return Duration(None, False, f"not a duration: {v!r}")
    if isinstance(v, (numbers.Real, Decimal)):
        f = float(v)
        if math.isinf(f):
            return Duration(None, False, f"not a duration: {v!r}")
        if f < 0:
            return Duration(None, False, f"negative duration {v!r}")
        return Duration(f, True, None)
    if not isinstance(v, str):
        return Duration(None, False, f"not a duration: {v!r}")
    text = clean_code(v)
    if text is None:
        return Duration(None, False, None)
    low = text.lower()
    if low in UNKNOWN_DURATIONS:
        return Duration(None, False, None)
    if _DUR_NUMBER.match(low):
        return Duration(float(low), True, None)
    m = _DUR_CLOCK.match(low)
    if m:
        h, mi, s = int(m["h"]), int(m["m"]), int(m["s"] or 0)
        if mi > 59 or s > 59:
            return Duration(None, False, f"impossible duration {_q(text)} (minutes and seconds must be under 60)")
        return Duration(_minutes(float(h), float(mi), float(s)), True, None)
    m = _DUR_UNITS.match(low)
    if m and any(m.groupdict().values()):
        h, mi, s = (float(m[k]) if m[k] else 0.0 for k in ("h", "m", "s"))
        return Duration(_minutes(h, mi, s), True, None)
    if low.startswith("-"):
        return Duration(None, False, f"negative duration {_q(text)}")
    return Duration(None, False, f"not a duration: {_q(text)}")


# --------------------------------------------------------------------------------------------------
# Integers and booleans
# --------------------------------------------------------------------------------------------------

INT_RE = r"^(?P<sign>[+-])?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?$"
_INT = re.compile(INT_RE)


@_never_raise
def parse_int(v: Any) -> Parsed[int]:
    """A whole number from 3, 3.0, "3", "３" or "1,200"; 2.5 is rejected, not rounded."""
    if _is_missing(v):
        return Parsed(None, None)
    if isinstance(v, bool):
        return Parsed(None, f"not a whole number: {v!r}")
    if isinstance(v, numbers.Integral):
        return Parsed(int(v), None)
    if isinstance(v, (numbers.Real, Decimal)):
        if math.isinf(float(v)) or v != math.floor(v):
            return Parsed(None, f"not a whole number: {v!r}")
        return Parsed(int(v), None)
    if not isinstance(v, str):
        return Parsed(None, f"not a whole number: {v!r}")
    text = clean_code(v)
    if text is None:
        return Parsed(None, None)
    m = _INT.match(text)
    if not m:
        return Parsed(None, f"not a whole number: {_q(text)}")
    n = int(m["num"].replace(",", ""))
    return Parsed(-n if m["sign"] == "-" else n, None)


TRUE_SPELLINGS = frozenset({"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "对"})
FALSE_SPELLINGS = frozenset({"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "不是", "没有"})


@_never_raise
def parse_bool(v: Any) -> Parsed[bool]:
    """Yes/no from 是/否, Y/N, yes/no, true/false, 1/0, √/×, 有/无 (case-insensitive)."""
    if _is_missing(v):
        return Parsed(None, None)
    if isinstance(v, bool):
        return Parsed(v, None)
    if isinstance(v, (numbers.Real, Decimal)):
        if v == 1:
            return Parsed(True, None)
        if v == 0:
            return Parsed(False, None)
        return Parsed(None, f"not yes or no: {v!r}")
    if not isinstance(v, str):
        return Parsed(None, f"not yes or no: {v!r}")
    text = clean_code(v)
    if text is None:
        return Parsed(None, None)
    low = text.lower()
    if low in TRUE_SPELLINGS:
        return Parsed(True, None)
    if low in FALSE_SPELLINGS:
        return Parsed(False, None)
    return Parsed(None, f"not yes or no: {_q(text)}")


# --------------------------------------------------------------------------------------------------
# Resident ID numbers (GB 11643)
# --------------------------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_MAP = "10X98765432"
INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_NO_SPACE = dict.fromkeys(map(ord, INVISIBLE_CHARS + WHITE_SPACE))  # removed anywhere in an ID number


def normalise_id_number(v: Any) -> str | None:
    """ID number as text: half-width, every space removed, lowercase x upper-cased; None when blank."""
    if isinstance(v, float) and not math.isnan(v) and v.is_integer() and abs(v) < 2**53:
        v = int(v)  # exact for 15-digit IDs stored as numbers; 18-digit ones are already lossy
    text = clean_code(v)
    if text is None:
        return None
    text = text.translate(_NO_SPACE).upper()
    return text or None


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits (raises ValueError otherwise)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_MAP[total % 11]


def _id_birth(s: str) -> dt.date | None:
    """Birth date encoded in a well-formed 15- or 18-character ID, or None if impossible."""
    digits = "19" + s[6:12] if len(s) == 15 else s[6:14]
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= MIN_YEAR else None


def _id_shape(s: str) -> bool:
    if len(s) == 15:
        return s.isascii() and s.isdigit()
    if len(s) == 18:
        return s[:17].isascii() and s[:17].isdigit() and s[17] in "0123456789X"
    return False


def id_number_problem(s: Any) -> str | None:
    """None for a valid 18-character ID number, else the reason it cannot be used (the input is normalised first)."""
    norm = normalise_id_number(s) or ""
    if len(norm) not in (15, 18):
        return f"wrong length ({len(norm)} characters)"
    if not _id_shape(norm):
        return "invalid characters"
    if _id_birth(norm) is None:
        return "impossible birth date in ID"
    if len(norm) == 15:
        return "legacy 15-digit ID number (no check digit to verify)"
    expected = id_check_digit(norm[:17])
    if norm[17] != expected:
        return f"check digit is {norm[17]}, expected {expected}"
    return None


def birth_date_from_id(s: Any) -> dt.date | None:
    """Birth date from a 15- or 18-character ID (check digit not required to be right), else None."""
    norm = normalise_id_number(s)
    if norm is None or not _id_shape(norm):
        return None
    return _id_birth(norm)


def sex_from_id(s: Any) -> str | None:
    """男 or 女 from the sequence digit (17th of 18, 15th of 15; odd = male), else None."""
    norm = normalise_id_number(s)
    if norm is None or not _id_shape(norm):
        return None
    digit = int(norm[16] if len(norm) == 18 else norm[14])
    return "男" if digit % 2 else "女"
