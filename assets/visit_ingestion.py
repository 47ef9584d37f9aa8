"""Load one month of visit punch records for every region, set-based (polars), ready for one transaction.

Steps per month: read each region's month file as text → parse times and durations with vectorised
expressions → unreadable cells and unknown elders/institutions become issues → the pandera polars model
gates the rest → among duplicate visit ids the first copy that passed is kept. No Python loop per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from checks.gate import gate_polars
from checks.schemas import VisitRow
from eldercare.formats_polars import _duration_stages, _source, datetime_expr
from eldercare.ledgers import SERVICE_ITEMS, VISITS
from eldercare.readers import LedgerRefused
from eldercare.visit_reader import TEXT_COLUMNS, read_visit_file

ISSUE_COLUMNS = ["source_row", "column", "header", "value", "rule", "reason"]
ISSUE_SCHEMA = {"source_row": pl.Int64, "column": pl.Utf8, "header": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8,
                "reason": pl.Utf8}
CODE_COLUMNS = ["visit_id", "elder_id", "institution_id", "caregiver_id", "service_item"]
FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"\u3000": " "}
HEADERS = {c.name: c.aliases[0] for c in VISITS.columns}


@dataclass
class MonthLoad:
    """One month's visits across regions: valid rows, quarantined issues, refusals and per-file accounting."""

    month: dt.date
    valid: pl.DataFrame
    quarantine: pl.DataFrame
    refused: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)


def _issues(frame: pl.DataFrame, mask: pl.Expr, column: str | None, header: str | None, value: pl.Expr,
            rule: str, reason: pl.Expr) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col("source_row"), pl.lit(column, pl.Utf8).alias("column"), pl.lit(header, pl.Utf8).alias("header"),
        value.cast(pl.Utf8).alias("value"), pl.lit(rule).alias("rule"), reason.alias("reason"))


def _fullwidth_to_ascii(col: pl.Expr) -> pl.Expr:
    """Full-width digits and spaces made ASCII; rows without any keep their string (no copy of 3M cells)."""
    return pl.when(col.str.contains_any(list(FULLWIDTH))).then(
        col.str.replace_many(list(FULLWIDTH), list(FULLWIDTH.values()))).otherwise(col)


def _duration_fields(col: str) -> pl.Expr:
    """One pass of the duration parser (formats_polars) giving its `minutes`, `unknown` and `garbage` fields at once:
    the same values as duration_minutes_expr / duration_is_unknown_expr / duration_is_garbage_expr, parsed once."""
    e = pl.struct(_source(col).alias("raw"))
    for stage in _duration_stages():
        e = e.struct.with_fields(**stage)
    return e


def parse_month_frame(text: pl.DataFrame, headers: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Typed rows, issues of the unreadable ones (totals rows, bad times/durations), and the count of blank rows."""
    h = {c: headers.get(c, HEADERS[c]) for c in TEXT_COLUMNS}
    clean = text.with_columns(
        [_fullwidth_to_ascii(pl.col(c)).str.strip_chars().alias(c) for c in TEXT_COLUMNS]
    ).with_columns([pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in TEXT_COLUMNS])  # "" -> null
    blank_mask = pl.all_horizontal([pl.col(c).is_null() for c in TEXT_COLUMNS])
    blank = clean.filter(blank_mask).height
    if blank:
        clean = clean.filter(~blank_mask)
    first = pl.coalesce([pl.col(c) for c in TEXT_COLUMNS])
    totals = first.str.contains(r"^(合\s*计|总\s*计|小\s*计)")
    typed = clean.with_columns(
        datetime_expr("checkin_at").alias("_in"), datetime_expr("checkout_at").alias("_out"),
        _duration_fields("duration_min").alias("_d"), totals.fill_null(False).alias("_totals"),
    ).with_columns(
        pl.col("_d").struct.field("minutes").alias("_dur"), pl.col("_d").struct.field("unknown").alias("_unk"),
        pl.col("_d").struct.field("garbage").alias("_garbage"),
    ).drop("_d")
    issues = [
        _issues(typed, pl.col("_totals"), None, None, first, "totals_row",
                pl.lit("totals row (") + first + pl.lit("), not a record: delete it from the file")),
        _issues(typed, ~pl.col("_totals") & pl.col("checkin_at").is_not_null() & pl.col("_in").is_null(),
                "checkin_at", h["checkin_at"], pl.col("checkin_at"), "bad_datetime",
                pl.lit(f"{h['checkin_at']}: not a valid date-time: '") + pl.col("checkin_at") + pl.lit("'")),
        _issues(typed, ~pl.col("_totals") & pl.col("checkout_at").is_not_null() & pl.col("_out").is_null(),
                "checkout_at", h["checkout_at"], pl.col("checkout_at"), "bad_datetime",
                pl.lit(f"{h['checkout_at']}: not a valid date-time: '") + pl.col("checkout_at") + pl.lit("'")),
        _issues(typed, ~pl.col("_totals") & pl.col("_garbage"), "duration_min", h["duration_min"],
                pl.col("duration_min"), "bad_duration",
                pl.lit(f"{h['duration_min']}: not a duration: '") + pl.col("duration_min") + pl.lit("'")),
    ]
    issues = pl.concat(issues)
    ok = typed.filter(~pl.col("source_row").is_in(issues["source_row"].unique())) if issues.height else typed
    derived = (pl.col("_out") - pl.col("_in")).dt.total_seconds() / 60.0
    recorded = pl.col("_out").is_not_null() & ~pl.col("_unk") | pl.col("_dur").is_not_null()
    rows = ok.with_columns(
        pl.col("service_item").replace(dict(SERVICE_ITEMS)),
        pl.col("_in").alias("checkin_at"), pl.col("_out").alias("checkout_at"),
        # Open punches and 未记录时间 are not delivered time: unknown, not zero.
        pl.when(pl.col("_out").is_null()).then(None)
        .when(pl.col("_dur").is_not_null()).then(pl.col("_dur"))
        .when(pl.col("_unk") & pl.col("duration_min").is_not_null()).then(None)
        .when(pl.col("_out") >= pl.col("_in")).then(derived)
        .otherwise(None).alias("duration_min"),
        (recorded & pl.col("_out").is_not_null()).alias("duration_recorded"),
    ).drop("_in", "_out", "_dur", "_unk", "_garbage", "_totals")
    return rows, issues, blank


def _reference_issues(rows: pl.DataFrame, column: str, keys: pl.DataFrame, header: str, target: str) -> pl.DataFrame:
    """Rows whose `column` is set but not among the region's keys, as issues (with the row's `_idx`)."""
    unknown = rows.filter(pl.col(column).is_not_null()).join(keys, on=["region_code", column], how="anti")
    return unknown.select(
        pl.col("_idx"), pl.col("source_file"), pl.col("source_row"), pl.lit(column).alias("column"),
        pl.lit(header).alias("header"), pl.col(column).alias("value"), pl.lit("unknown_reference").alias("rule"),
        (pl.lit(f"{header}: '") + pl.col(column) + pl.lit(f"' is not in {target}: add it there or correct the code"))
        .alias("reason"))


def _duplicate_issues(passed: pl.DataFrame, header: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first passing copy of each visit id (by file, row); the others become issues.

    Only rows whose (region, visit id) occurs more than once are sorted and compared: a few thousand of 3M.
    """
    content = ["elder_id", "institution_id", "caregiver_id", "service_item", "checkin_at", "checkout_at"]
    key = ["region_code", "visit_id"]
    repeated = passed.filter(pl.struct(key).is_duplicated())
    if repeated.is_empty():
        return passed, pl.DataFrame(schema={"source_file": pl.Utf8, **ISSUE_SCHEMA})
    ordered = repeated.sort(["region_code", "source_file", "source_row"])
    firsts = ordered.unique(subset=key, keep="first", maintain_order=True)
    dups = ordered.filter(~pl.col("_idx").is_in(firsts["_idx"]))
    ref = firsts.select(*key, *[pl.col(c).alias(f"_first_{c}") for c in content],
                        pl.col("source_row").alias("_first_row"))
    d = dups.join(ref, on=key, how="left")
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"_first_{c}")) for c in content])
    reason = (pl.when(same).then(pl.lit("duplicate punch: the same record as row "))
              .otherwise(pl.lit("visit id reused with different content; first used on row "))
              + pl.col("_first_row").cast(pl.Utf8) + pl.lit(": remove or renumber this copy"))
    issues = d.select(pl.col("source_file"), pl.col("source_row"), pl.lit("visit_id").alias("column"),
                      pl.lit(header).alias("header"), pl.col("visit_id").alias("value"),
                      pl.when(same).then(pl.lit("duplicate_punch")).otherwise(pl.lit("duplicate_key")).alias("rule"),
                      reason.alias("reason"))
    return passed.filter(~pl.col("_idx").is_in(dups["_idx"])), issues


def load_month(month: dt.date, raw, elder_keys: pl.DataFrame, institution_keys: pl.DataFrame) -> MonthLoad:
    """Load `month` from every accepted region under `raw`; keys frames hold (region_code, elder_id|institution_id)."""
    parts, issues, refused, files, keys = [], [], [], [], []
    regions, _ = raw.regions()
    for region in regions:
        for path in raw.visit_files(region, month):
            source = raw.relative(path)
            try:
                vf = read_visit_file(path, source)
            except LedgerRefused as exc:
                refused.append({"region_code": region.code, "ledger": "visits", "month": month,
                                "source_file": source, "reason": exc.reason})
                continue
            rows, bad, blank = parse_month_frame(vf.frame, vf.headers)
            parts.append(rows.with_columns(pl.lit(region.code).alias("region_code"), pl.lit(source).alias("source_file"),
                                           pl.lit(month).alias("month")))
            issues.append(bad.with_columns(pl.lit(source).alias("source_file")))
            keys.append(vf.frame.select(pl.lit(source).alias("source_file"), "source_row",
                                        pl.col("elder_id").str.strip_chars().alias("elder_id")))
            files.append({"region_code": region.code, "ledger": "visits", "month": month, "source_file": source,
                          "sheet": None, "encoding": vf.encoding, "header_row": vf.header_row,
                          "rows_read": vf.frame.height - blank, "blank_rows": blank,
                          "unknown_columns": ", ".join(vf.unknown_columns) or None, "_headers": vf.headers})
    empty_issues = pl.DataFrame(schema={"source_file": pl.Utf8, **ISSUE_SCHEMA})
    if parts:
        rows = pl.concat(parts, how="diagonal_relaxed").with_row_index("_idx").with_columns(pl.col("_idx").cast(pl.Int64))
        headers = files[0]["_headers"] if files else {}
        h = {c: headers.get(c, HEADERS[c]) for c in TEXT_COLUMNS}
        ref_issues = pl.concat([
            _reference_issues(rows, "elder_id", elder_keys, h["elder_id"], "服务对象台账 (elders)"),
            _reference_issues(rows, "institution_id", institution_keys, h["institution_id"], "服务机构 (institutions)"),
        ])
        # The gate sees every row, so a row's every failure is listed; rows with unknown references then drop out.
        passed, gate_issues = gate_polars(rows, VisitRow, h)
        if ref_issues.height:
            passed = passed.filter(~pl.col("_idx").is_in(ref_issues["_idx"]))
        kept, dup_issues = _duplicate_issues(passed, h["visit_id"])
        issues += [ref_issues.drop("_idx"), gate_issues.select(empty_issues.columns), dup_issues]
        valid = VisitRow.validate(kept.sort(["region_code", "source_file", "source_row"]))
    else:
        valid = pl.DataFrame(schema={n: pl.Utf8 for n in VisitRow.to_schema().columns})
    quarantine = pl.concat([i.select(empty_issues.columns) for i in issues]) if issues else empty_issues
    counts = quarantine.group_by("source_file").agg(pl.col("source_row").n_unique().alias("n"))
    bad_by_file = dict(zip(counts["source_file"].to_list(), counts["n"].to_list()))
    for f in files:
        f.pop("_headers")
        f["rows_quarantined"] = bad_by_file.get(f["source_file"], 0)
        f["rows_valid"] = f["rows_read"] - f["rows_quarantined"]
    region_of = {f["source_file"]: f["region_code"] for f in files}
    if keys:  # the elder a quarantined row was about, so person-months can show it beside their counts
        keys = pl.concat(keys)
        keys = keys.filter(pl.col("source_row").is_in(quarantine["source_row"].unique()))  # 3M rows -> a few
        quarantine = quarantine.join(keys, on=["source_file", "source_row"], how="left")
    else:
        quarantine = quarantine.with_columns(pl.lit(None, pl.Utf8).alias("elder_id"))
    quarantine = quarantine.with_columns(
        pl.col("source_file").replace_strict(region_of, default=None).alias("region_code"),
        pl.lit("visits").alias("ledger"), pl.lit(month).alias("month"), pl.lit(None, pl.Utf8).alias("sheet"),
    ).rename({"column": "column_name", "header": "column_header"})
    return MonthLoad(month, valid, quarantine, refused, files)
