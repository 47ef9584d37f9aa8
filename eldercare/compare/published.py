"""Read a region's `published/` folder (an evaluator's figures) with the project's readers.

Contract (shared ledgers.md): shortfalls.csv|xlsx (服务机构, 指标 次数/时长/医疗, 服务对象编号, 月份, 数值),
totals.csv (服务机构, 指标, 合计), scores.csv (rubric, subject, indicator, score). A row that cannot be read is
reported in `problems` with its file, row, column and reason, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from eldercare.formats import clean_text, parse_date
from eldercare.ledgers import Column, Ledger
from eldercare.readers import LedgerRefused, read_ledger

# 指标 as the evaluator writes it -> the metric of metrics.visit_shortfalls
METRICS = {"次数": "visits", "上门次数": "visits", "服务次数": "visits", "visits": "visits",
           "时长": "hours", "服务时长": "hours", "hours": "hours",
           "医疗": "medical_visits", "医疗护理": "medical_visits", "medical_visits": "medical_visits"}

SHORTFALLS = Ledger("published_shortfalls", "评价报告不达标户月名单", "shortfalls", (
    Column("institution_id", ("服务机构", "机构编号"), "code", True),
    Column("metric", ("指标",), "enum", True, METRICS),
    Column("elder_id", ("服务对象编号",), "code", True),
    Column("month", ("月份",), "text", True),
    Column("value", ("数值",), "text"),
))
TOTALS = Ledger("published_totals", "评价报告不达标合计", "totals", (
    Column("institution_id", ("服务机构", "机构编号"), "code", True),
    Column("metric", ("指标",), "enum", True, METRICS),
    Column("total", ("合计",), "int", True),
))
SCORES = Ledger("published_scores", "评价报告得分", "scores", (
    Column("rubric", ("rubric", "评分表"), "code", True),
    Column("subject", ("subject", "评价对象"), "code", True),
    Column("indicator", ("indicator", "指标名称", "三级指标"), "text", True),
    Column("score", ("score", "得分"), "text", True),
))

SHORTFALL_SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "metric": pl.Utf8, "elder_id": pl.Utf8,
                    "month": pl.Date, "published_value": pl.Float64, "source_file": pl.Utf8, "source_row": pl.Int64}
TOTAL_SCHEMA = {"region_code": pl.Utf8, "institution_id": pl.Utf8, "metric": pl.Utf8, "published_total": pl.Int64,
                "source_file": pl.Utf8, "source_row": pl.Int64}
SCORE_SCHEMA = {"region_code": pl.Utf8, "rubric": pl.Utf8, "subject": pl.Utf8, "indicator": pl.Utf8,
                "published_score": pl.Float64, "source_file": pl.Utf8, "source_row": pl.Int64}
PROBLEM_SCHEMA = {"region_code": pl.Utf8, "source_file": pl.Utf8, "source_row": pl.Int64, "column_header": pl.Utf8,
                  "value": pl.Utf8, "reason": pl.Utf8}

_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass
class Published:
    """What a region's published/ folder holds, as frames, and every row or file that could not be read."""

    shortfalls: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SHORTFALL_SCHEMA))
    totals: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TOTAL_SCHEMA))
    scores: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SCORE_SCHEMA))
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))

    def extend(self, other: "Published") -> "Published":
        return Published(*(pl.concat([getattr(self, n), getattr(other, n)]) for n in
                           ("shortfalls", "totals", "scores", "problems")))


def parse_month(value: object) -> tuple[dt.date | None, str | None]:
    """A month from 2022-06, 2022/6, 2022年6月 or a date cell; (None, reason) otherwise."""
    if isinstance(value, (dt.date, dt.datetime)):
        return (value.date() if isinstance(value, dt.datetime) else value).replace(day=1), None
    text = clean_text(value)
    if text is None:
        return None, "month is empty"
    m = _MONTH.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1), None
    parsed = parse_date(text)
    if parsed.value is not None:
        return parsed.value.replace(day=1), None
    return None, f"'{text}' is not a month (YYYY-MM)"


def parse_number(value: object) -> tuple[float | None, str | None]:
    """A number (visits, hours, points); blank is None without a problem."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    text = clean_text(value)
    if text is None:
        return None, None
    if _NUMBER.match(text):
        return float(text), None
    return None, f"'{text}' is not a number"


def _file(folder: Path, stem: str) -> Path | None:
    found = [folder / f"{stem}{s}" for s in (".csv", ".xlsx") if (folder / f"{stem}{s}").exists()]
    return found[0] if found else None


def _records(path: Path, ledger: Ledger, source: str, region: str, problems: list[dict]):
    """Yield (row number, {canonical: cell}, headers) for each non-blank row; a refused file becomes one problem."""
    try:
        table = read_ledger(path, ledger, source)
    except LedgerRefused as exc:
        problems.append({"region_code": region, "source_file": source, "source_row": None, "column_header": None,
                         "value": None, "reason": f"file refused: {exc.reason}"})
        return
    for number, cells in table.records:
        if all(clean_text(v) is None for v in cells.values()):
            continue
        yield number, cells, table.headers


def read_published(folder: Path, region_code: str, source_prefix: str) -> Published:
    """Every file of `folder` (a region's published/), parsed; missing files give empty frames."""
    problems: list[dict] = []
    out: dict[str, list[dict]] = {"shortfalls": [], "totals": [], "scores": []}

    def bad(source, number, headers, column, value, reason):
        problems.append({"region_code": region_code, "source_file": source, "source_row": number,
                         "column_header": headers.get(column, column), "value": None if value is None else str(value),
                         "reason": reason})

    def text(source, number, headers, cells, column, required=True):
        value = clean_text(cells.get(column))
        if value is None and required:
            bad(source, number, headers, column, None, f"{headers.get(column, column)} is empty")
        return value

    def metric(source, number, headers, cells):
        value = text(source, number, headers, cells, "metric")
        if value is not None and value not in METRICS:
            bad(source, number, headers, "metric", value, f"'{value}' is not a metric (次数 / 时长 / 医疗)")
            return None
        return METRICS.get(value) if value else None

    path = _file(folder, "shortfalls")
    if path:
        source = f"{source_prefix}/{path.name}"
        seen: dict[tuple, int] = {}
        for number, cells, headers in _records(path, SHORTFALLS, source, region_code, problems):
            before = len(problems)
            inst = text(source, number, headers, cells, "institution_id")
            met = metric(source, number, headers, cells)
            elder = text(source, number, headers, cells, "elder_id")
            month, why = parse_month(cells.get("month"))
            if why:
                bad(source, number, headers, "month", cells.get("month"), why)
            value, why = parse_number(cells.get("value"))
            if why:
                bad(source, number, headers, "value", cells.get("value"), why)
            if len(problems) > before:
                continue
            key = (inst, met, elder, month)
            if key in seen:
                bad(source, number, headers, "elder_id", elder,
                    f"duplicate of row {seen[key]}: the same person-month and metric is listed twice")
                continue
            seen[key] = number
            out["shortfalls"].append({"region_code": region_code, "institution_id": inst, "metric": met,
                                      "elder_id": elder, "month": month, "published_value": value,
                                      "source_file": source, "source_row": number})
    path = _file(folder, "totals")
    if path:
        source = f"{source_prefix}/{path.name}"
        for number, cells, headers in _records(path, TOTALS, source, region_code, problems):
            before = len(problems)
            inst = text(source, number, headers, cells, "institution_id")
            met = metric(source, number, headers, cells)
            total, why = parse_number(cells.get("total"))
            if why or total is None or total < 0 or total != int(total):
                bad(source, number, headers, "total", cells.get("total"), why or "合计 must be a whole number ≥ 0")
            if len(problems) > before:
                continue
            out["totals"].append({"region_code": region_code, "institution_id": inst, "metric": met,
                                  "published_total": int(total), "source_file": source, "source_row": number})
    path = _file(folder, "scores")
    if path:
        source = f"{source_prefix}/{path.name}"
        for number, cells, headers in _records(path, SCORES, source, region_code, problems):
            before = len(problems)
            rubric = text(source, number, headers, cells, "rubric")
            subject = text(source, number, headers, cells, "subject")
            indicator = text(source, number, headers, cells, "indicator")
            score, why = parse_number(cells.get("score"))
            if why or score is None:
                bad(source, number, headers, "score", cells.get("score"), why or "score is empty")
            if len(problems) > before:
                continue
            out["scores"].append({"region_code": region_code, "rubric": rubric, "subject": subject,
                                  "indicator": indicator, "published_score": score, "source_file": source,
                                  "source_row": number})
    return Published(pl.DataFrame(out["shortfalls"], schema=SHORTFALL_SCHEMA),
                     pl.DataFrame(out["totals"], schema=TOTAL_SCHEMA),
                     pl.DataFrame(out["scores"], schema=SCORE_SCHEMA),
                     pl.DataFrame(problems, schema=PROBLEM_SCHEMA))
