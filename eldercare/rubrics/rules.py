"""The rule kinds of a scoring table, each a small function over a whole column of subjects (pandas Series).

Scores are exact floats; NaN means "not computable" (the caller says why). Rounding is for display only.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万)?\s*(%|％)?")
_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})?\s*(?:[-月./]\s*(\d{1,2}))?")


def ratio(value: pd.Series, points: float, cap: float | None = None) -> pd.Series:
    """value × points (e.g. execution rate × 3), never above the cap (default: the indicator's points) nor below 0."""
    return (value.astype(float) * points).clip(lower=0.0, upper=points if cap is None else cap)


def deduction(count: pd.Series, points: float, per: float, floor: float = 0.0) -> pd.Series:
    """Points minus `per` for each occurrence, floored (扣完为止): 4 − 0.5 × 141 → 0."""
    return (points - per * count.astype(float)).clip(lower=floor)


def per_unit(actual: pd.Series, target: pd.Series | float, points: float, deduct: float, bonus: float,
             max_score: float | None = None, floor: float = 0.0) -> pd.Series:
    """每少完成一个扣 `deduct` 分，超额完成一个加 `bonus` 分: points − deduct × shortfall + bonus × excess, floored and
    capped (max_score None = no cap of its own; the item's cap then binds)."""
    actual = actual.astype(float)
    target = pd.Series(target, index=actual.index, dtype=float) if np.isscalar(target) else target.astype(float)
    shortfall = (target - actual).clip(lower=0)
    excess = (actual - target).clip(lower=0)
    score = (points - deduct * shortfall + bonus * excess).clip(lower=floor)
    return score if max_score is None else score.clip(upper=max_score)


def bands(value: pd.Series, thresholds: list[tuple[float | None, float]]) -> pd.Series:
    """Banded thresholds: the score of the highest band whose inclusive lower bound the value reaches.

    `thresholds` is [(lower bound, score)], any order; a bound None is the band below all others.
    """
    value = value.astype(float)
    ordered = sorted(thresholds, key=lambda t: -np.inf if t[0] is None else t[0], reverse=True)
    conditions = [value.notna() & (value >= (-np.inf if low is None else low)) for low, _ in ordered]
    return pd.Series(np.select(conditions, [s for _, s in ordered], default=np.nan), index=value.index, dtype=float)


def criteria(answers: pd.DataFrame, points: dict[str, float]) -> pd.Series:
    """Sum of yes/no criteria: True gives the criterion's points, False 0, a number is a partial award (≤ its points).

    A subject with any criterion unanswered is not computable (NaN): a partial sum would look like a low score.
    """
    parts = []
    for name, full in points.items():
        col = answers[name] if name in answers else pd.Series(np.nan, index=answers.index, dtype=object)
        num = col.map(lambda v: full if v is True else 0.0 if v is False else v).astype(float)
        parts.append(num.clip(lower=0, upper=full))
    frame = pd.concat(parts, axis=1)
    return frame.sum(axis=1, min_count=len(points)).where(frame.notna().all(axis=1))


def parse_quantity(text: object) -> float | None:
    """A number as written in an official table: '1.2万人次' → 12000, '51.7%' → 0.517, '≥30%' → 0.3; None if none."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    m = _NUMBER.search(str(text).replace(",", "").replace("，", ""))
    if not m:
        return None
    value = float(m.group(1)) * (10000 if m.group(2) else 1)
    return value / 100 if m.group(3) else value


def parse_deadline(text: object) -> dt.date | None:
    """A deadline or date as written: '2020年底前' → 2020-12-31, '2020年9月底前' → 2020-09-30, '2021年3月前' → 2021-02-28
    ("before March" ends with February), a date → itself; None if the text holds no year."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if text is None:
        return None
    s = str(text)
    m = _DATE.search(s)
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month is None:
        return dt.date(year, 12, 31)
    month = int(month)
    if not 1 <= month <= 12:
        return None
    if day is not None:
        return dt.date(year, month, int(day))
    month_end = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    if "月前" in s and "底" not in s:  # "3月前": strictly before March
        return dt.date(year, month, 1) - dt.timedelta(days=1)
    return month_end


def compare(actual: pd.Series, op: str, target: float) -> pd.Series:
    """True / False per subject, NaN where the actual is unknown."""
    a = actual.astype(float)
    result = {">=": a >= target, "<=": a <= target, ">": a > target, "<": a < target,
              "=": np.isclose(a, target, rtol=0, atol=1e-9)}[op]
    return pd.Series(np.where(a.isna(), np.nan, result), index=actual.index, dtype=float)


def text_met(actual: pd.Series, met_when: list[str], not_met_when: list[str]) -> pd.Series:
    """A text target ('正式印发', '及时'): met when the actual contains an accepted phrase, not met when it contains a
    refusing one (checked first), undecided (NaN) otherwise — a reviewer then judges."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        s = str(v)
        if any(p in s for p in not_met_when):
            return 0.0
        if any(p in s for p in met_when):
            return 1.0
        return np.nan
    return actual.map(one).astype(float)


def target(actual: pd.Series, goal: object, points: float, kind: str, op: str = ">=",
           met_when: tuple[str, ...] = (), not_met_when: tuple[str, ...] = ()) -> pd.Series:
    """Target vs actual: full points when met, 0 when not, NaN when the actual cannot decide it.

    kind 'number' compares parsed quantities with `op` (≥, ≤, =, >, <); 'deadline' needs an actual date on or before
    the deadline, or an accepted phrase; 'text' needs an accepted phrase ('已印发' for '正式印发文件').
    """
    if kind == "number":
        met = compare(actual.map(parse_quantity), op, parse_quantity(goal))
    elif kind == "deadline":
        limit = parse_deadline(goal)
        dates = actual.map(lambda v: parse_deadline(v) if isinstance(v, (dt.date, dt.datetime)) or
                           (isinstance(v, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", v)) else None)
        by_date = pd.Series([np.nan if d is None else float(d <= limit) for d in dates], index=actual.index)
        met = by_date.fillna(text_met(actual, list(met_when), list(not_met_when)))
    else:
        met = text_met(actual, list(met_when), list(not_met_when))
    return met.astype(float) * points
