"""Load one month of visit punch records for every region, set-based (polars), ready for one transaction.

Steps per month: read each region's month file as text → parse times and durations with vectorised
expressions → unreadable cells and unknown elders/institutions become issues → the pandera polars model
gates the rest → among duplicate visit ids the first copy that passed is kept. No Python loop per row.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import polars as pl

from eldercare.formats import TOTALS_RE
from eldercare.formats_polars import (
    CANONICAL_DATETIME_FMT, CANONICAL_DATETIME_RE, code_expr, datetime_expr, duration_parts_expr,
)
from eldercare.ledgers import VISITS
from eldercare.normalise import after_as_of_reason, flag_unknown, unresolved_reference, with_quarantined_row
from eldercare.readers import LedgerRefused
from eldercare.visit_reader import (
    TEXT_COLUMNS, CsvMonthHead, VisitFile, csv_month_head, read_csv_months, read_visit_file,
)

ISSUE_COLUMNS = ["source_row", "column", "header", "value", "rule", "reason"]
ISSUE_SCHEMA = {"source_row": pl.Int64, "column": pl.Utf8, "header": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8,
                "reason": pl.Utf8}
HEADERS = {c.name: c.aliases[0] for c in VISITS.columns}
# The rule gate (checks.gate.polars_failures with the visit schema): rows, headers -> issues with `_pos`.
Failures = Callable[[pl.DataFrame, "dict[str, str] | pl.DataFrame"], pl.DataFrame]

# Month files whose headers are read at once: one more than the cores, so that polars working on one file (without
# the GIL) overlaps the Python steps of another.
READERS = min(4, (os.cpu_count() or 1) + 1)


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
        *(["_file"] if "_file" in frame.columns else []), pl.col("source_row"), pl.lit(column, pl.Utf8).alias("column"),
        pl.lit(header, pl.Utf8).alias("header"),
        value.cast(pl.Utf8).alias("value"), pl.lit(rule).alias("rule"), reason.alias("reason"))


# The platform's own spelling of a duration (45分钟, 1小时, 1小时20分钟): whole minutes and hours, nothing else.
PLATFORM_DURATION_RE = r"^[0-9]{1,5}(?:小时(?:[0-9]{1,5}分钟)?|分钟)$"
_DATETIME = pl.Datetime("us")


def parse_datetimes(values: pl.Series) -> pl.Series:
    """`datetime_expr` of the cells. When every cell is blank or in the canonical export spelling
    (2022-06-01 08:30:00) that is its first route alone: the other routes would only see nulls. Datetimes the
    reader kept typed come back as they are."""
    if isinstance(values.dtype, pl.Datetime):  # typed by the reader (Parquet timestamps): nothing to parse
        return values
    frame = values.to_frame("v")
    if frame.select(pl.col("v").str.contains(CANONICAL_DATETIME_RE).fill_null(True).all()).item():
        out = frame.select(pl.col("v").str.slice(0, 19).str.strptime(_DATETIME, CANONICAL_DATETIME_FMT, strict=False,
                                                                     cache=False))
    else:
        out = frame.select(datetime_expr("v"))
    return out.to_series().alias(values.name)


def parse_durations(values: pl.Series) -> pl.DataFrame:
    """Columns minutes, unknown, garbage: what duration_minutes_expr, duration_is_unknown_expr and
    duration_is_garbage_expr give for the cells, in one pass of the general parser — or, when every cell is blank
    or in the platform's spelling, without its regex captures (the costly part at 3M rows): whole hours × 60 +
    whole minutes, the same numbers."""
    frame = values.to_frame("v")
    if not frame.select(pl.col("v").str.contains(PLATFORM_DURATION_RE).fill_null(True).all()).item():
        return frame.select(duration_parts_expr("v").alias("d")).select(
            pl.col("d").struct.field(f).alias(f) for f in ("minutes", "unknown", "garbage"))
    parts = frame.with_columns(pl.col("v").str.strip_suffix("分钟").str.split_exact("小时", 1).alias("p")).unnest("p")
    minutes_only = pl.col("field_1").is_null()  # 45分钟; otherwise 1小时 or 1小时20分钟
    hours = pl.when(minutes_only).then(0.0).otherwise(pl.col("field_0").cast(pl.Float64, strict=False))
    minutes = (pl.when(minutes_only).then(pl.col("field_0")).otherwise(pl.col("field_1"))
               .cast(pl.Float64, strict=False).fill_null(0.0))
    return parts.select(pl.when(pl.col("v").is_not_null()).then(hours * 60.0 + minutes).alias("minutes"),
                        pl.col("v").is_null().alias("unknown"), pl.lit(False).alias("garbage"))


def parse_month_frame(text: pl.DataFrame, headers: dict[str, str],
                      as_of: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Typed rows, issues of the unreadable ones (totals rows, bad times/durations, punch times after the run's
    as-of date), and the count of blank rows. Every visit cell is a code or a number: cleaned as codes."""
    rows, issues, blank = parse_month_frames(text, headers, as_of)
    return rows, issues, blank.height


def parse_month_frames(text: pl.DataFrame, headers: dict[str, str],
                       as_of: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`parse_month_frame` of the rows of many files at once: with a `_file` column (the file's number) a row is
    known by (_file, source_row), and the issues and the blank rows (returned as a frame) carry that column."""
    h = {c: headers.get(c, HEADERS[c]) for c in TEXT_COLUMNS}
    cells = [c for c in TEXT_COLUMNS if text.schema[c] == pl.Utf8]  # the rest: punch times the reader typed
    clean = text.with_columns([code_expr(c) for c in cells])  # full-width made half-width, stripped, "" -> null
    blank_mask = pl.all_horizontal([pl.col(c).is_null() for c in TEXT_COLUMNS])
    blank = clean.filter(blank_mask).select(*(["_file"] if "_file" in clean.columns else []),
                                            "source_row")
    if blank.height:
        clean = clean.filter(~blank_mask)
    # the first cell written in the row; a typed punch time stands in as "" (its text never reads 合计)
    first = pl.coalesce([pl.col(c) if c in cells else pl.when(pl.col(c).is_not_null()).then(pl.lit(""))
                         for c in TEXT_COLUMNS])
    totals = first.str.contains(TOTALS_RE)
    durations = parse_durations(clean["duration_min"])
    typed = clean.with_columns(
        parse_datetimes(clean["checkin_at"]).alias("_in"), parse_datetimes(clean["checkout_at"]).alias("_out"),
        durations["minutes"].alias("_dur"), durations["unknown"].alias("_unk"), durations["garbage"].alias("_garbage"),
        totals.fill_null(False).alias("_totals"),
    )
    issues = [
        _issues(typed, pl.col("_totals"), None, None, first, "totals_row",
                pl.lit("totals row (") + first + pl.lit("), not a record: delete it from the file")),
        *(_issues(typed, ~pl.col("_totals") & pl.col(c).is_not_null() & pl.col(parsed).is_null(),
                  c, h[c], pl.col(c), "bad_datetime",
                  pl.lit(f"{h[c]}: not a valid date-time: '") + pl.col(c) + pl.lit("'"))
          for c, parsed in (("checkin_at", "_in"), ("checkout_at", "_out")) if c in cells),  # typed: all valid
        _issues(typed, ~pl.col("_totals") & pl.col("_garbage"), "duration_min", h["duration_min"],
                pl.col("duration_min"), "bad_duration",
                pl.lit(f"{h['duration_min']}: not a duration: '") + pl.col("duration_min") + pl.lit("'")),
    ]
    if as_of is not None:  # a punch after the run's as-of day (its partition's month end, or the tag) is future
        limit = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        for c, parsed in (("checkin_at", "_in"), ("checkout_at", "_out")):
            shown = pl.col(parsed).dt.strftime("%Y-%m-%d %H:%M:%S")
            pre, post = after_as_of_reason(h[c], "\0", as_of).split("\0")
            issues.append(_issues(typed, ~pl.col("_totals") & (pl.col(parsed) >= limit), c, h[c], shown,
                                  "after_as_of", pl.lit(pre) + shown + pl.lit(post)))
    issues = pl.concat(issues)
    if not issues.height:
        ok = typed
    elif "_file" in typed.columns:
        ok = typed.join(issues.select("_file", "source_row").unique(), on=["_file", "source_row"],
                        how="anti", maintain_order="left")
    else:
        ok = typed.filter(~pl.col("source_row").is_in(issues["source_row"].unique()))
    derived = (pl.col("_out") - pl.col("_in")).dt.total_seconds() / 60.0
    recorded = pl.col("_out").is_not_null() & ~pl.col("_unk") | pl.col("_dur").is_not_null()
    rows = ok.with_columns(
        pl.col("service_item").replace(VISITS.column("service_item").vocabulary.spellings),
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


def _header(per_file: dict[str, dict[str, str]], column: str) -> pl.Expr:
    """The column's header as written in each row's own file (source_file -> column -> header)."""
    return pl.col("source_file").replace_strict({f: h[column] for f, h in per_file.items()}, default=HEADERS[column],
                                                return_dtype=pl.Utf8)


def _reference_issues(rows: pl.DataFrame, unknown: str, column: str, per_file: dict, target: str,
                      quarantined: pl.DataFrame | None = None) -> pl.DataFrame:
    """Rows flagged in `unknown` (their `column` is set but not among the region's keys), as issues with `_idx`;
    a key the target has only on a quarantined row (`quarantined`) is told where that row is."""
    header = _header(per_file, column)
    return with_quarantined_row(rows.filter(pl.col(unknown)), quarantined, column).select(
        pl.col("_idx"), pl.col("source_file"), pl.col("source_row"), pl.lit(column).alias("column"),
        header.alias("header"), pl.col(column).alias("value"), *unresolved_reference(header, target, pl.col(column)))


def _duplicate_issues(candidates: pl.DataFrame, header: pl.Expr) -> tuple[pl.Series, pl.DataFrame]:
    """Among rows that passed every other rule, keep the first copy of each visit id (by file, row); the others'
    `_idx` and their issues. `candidates` holds at least every passing row whose (region, visit id) is repeated.
    """
    content = ["elder_id", "institution_id", "caregiver_id", "service_item", "checkin_at", "checkout_at"]
    key = ["region_code", "visit_id"]
    ordered = candidates.sort(["region_code", "source_file", "source_row"])
    firsts = ordered.unique(subset=key, keep="first", maintain_order=True)
    dups = ordered.filter(~pl.col("_idx").is_in(firsts["_idx"]))
    if dups.is_empty():
        return dups["_idx"], pl.DataFrame(schema={"source_file": pl.Utf8, **ISSUE_SCHEMA})
    ref = firsts.select(*key, *[pl.col(c).alias(f"_first_{c}") for c in content],
                        pl.col("source_row").alias("_first_row"))
    d = dups.join(ref, on=key, how="left")
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"_first_{c}")) for c in content])
    reason = (pl.when(same).then(pl.lit("duplicate punch: the same record as row "))
              .otherwise(pl.lit("visit id reused with different content; first used on row "))
              + pl.col("_first_row").cast(pl.Utf8) + pl.lit(": remove or renumber this copy"))
    issues = d.select(pl.col("source_file"), pl.col("source_row"), pl.lit("visit_id").alias("column"),
                      header.alias("header"), pl.col("visit_id").alias("value"),
                      pl.when(same).then(pl.lit("duplicate_punch")).otherwise(pl.lit("duplicate_key")).alias("rule"),
                      reason.alias("reason"))
    return dups["_idx"], issues


def _first_pass(number: int, path, source: str) -> CsvMonthHead | VisitFile | LedgerRefused:
    """A CSV month file's header (its body is read with the other files' by `read_csv_months`), or any other month
    file read whole, its rows labelled with the file's `number` (`_file`); a refusal comes back instead of raising.

    Runs in a worker thread (polars and file reads release the GIL), so several files are read at once.
    """
    try:
        if path.suffix.lower() == ".csv":
            return csv_month_head(path, source)
        return read_visit_file(path, source, number)
    except LedgerRefused as exc:
        return exc


def _read_all(month: dt.date, jobs: list[tuple]) -> tuple[list[pl.DataFrame], list[dict], list[dict]]:
    """Every month file of `jobs` read (headers several at once, small CSV bodies together): their text frames,
    accounting records and refusals, in file order."""
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        results = list(pool.map(lambda job: _first_pass(job[0], *job[1][1:]), enumerate(jobs)))
    heads = [k for k, r in enumerate(results) if isinstance(r, CsvMonthHead)]
    for k, read in zip(heads, read_csv_months([results[k] for k in heads], heads)):
        results[k] = read
    texts, files, refused = [], [], []
    for (code, _, source), result in zip(jobs, results):
        if isinstance(result, LedgerRefused):
            refused.append({"region_code": code, "ledger": "visits", "month": month,
                            "source_file": source, "reason": result.reason})
            continue
        texts.append(result.frame)
        files.append({"region_code": code, "ledger": "visits", "month": month, "source_file": source,
                      "sheet": None, "encoding": result.encoding, "header_row": result.header_row,
                      "rows_read": result.frame.height, "blank_rows": 0,  # blank rows counted at the parse
                      "unknown_columns": ", ".join(result.unknown_columns) or None, "_headers": result.headers})
    return texts, files, refused


def _parse_all(texts: list[pl.DataFrame], files: list[dict], as_of: dt.date | None) -> tuple[list, list, list, list]:
    """Parse the files' rows together, once per header spelling and cell types (one, in practice: a reason names
    the header as written): typed rows, issues, blank rows and the elder of every row, per group. `texts` is
    emptied as it goes, so a month's text is not kept beside its typed rows."""
    groups: dict[tuple, list[int]] = {}
    for i, (text, f) in enumerate(zip(texts, files)):
        groups.setdefault((tuple(f["_headers"].items()), tuple(text.schema.items())), []).append(i)
    parts, issues, blanks, keys = [], [], [], []
    for group in groups.values():
        text = pl.concat([texts[i] for i in group], rechunk=True) if len(group) > 1 else texts[group[0]]
        for i in group:
            texts[i] = None
        rows, bad, blank = parse_month_frames(text, files[group[0]]["_headers"], as_of)
        keys.append(text.select("_file", "source_row", code_expr("elder_id")))
        parts.append(rows)
        issues.append(bad)
        blanks.append(blank)
    return parts, issues, blanks, keys


def load_month(month: dt.date, raw, elder_keys: pl.DataFrame, institution_keys: pl.DataFrame, failures: Failures,
               columns: list[str], as_of: dt.date | None = None,
               quarantined_elders: pl.DataFrame | None = None) -> MonthLoad:
    """Load `month` from every accepted region under `raw`; keys frames hold (region_code, elder_id|institution_id).
    `failures` is the rule gate, `columns` the validated table's, `as_of` the run's as-of date, `quarantined_elders`
    (region_code, elder_id, source_file, source_row) the elders known only on quarantined rows. Files are read one
    by one; their rows are parsed, looked up and gated together (once per distinct header spelling)."""
    regions, _ = raw.regions()
    # sorted by (region, file) so that the rows concatenated below are in (region, file, row) order
    jobs = sorted(((region.code, path, raw.relative(path)) for region in regions for path in raw.visit_files(region, month)),
                  key=lambda job: (job[0], job[2]))
    texts, files, refused = _read_all(month, jobs)
    parts, issues, blanks, keys = _parse_all(texts, files, as_of)
    source_of = pl.col("_file").replace_strict(dict(enumerate(job[2] for job in jobs)), return_dtype=pl.Utf8)
    region_of_file = pl.col("_file").replace_strict(dict(enumerate(job[0] for job in jobs)), return_dtype=pl.Utf8)
    blank_of = (dict(pl.concat(blanks).group_by(source_of.alias("source_file")).len().iter_rows())
                if blanks else {})
    for f in files:
        f["blank_rows"] = blank_of.get(f["source_file"], 0)
        f["rows_read"] -= f["blank_rows"]
    if issues:  # each file's issues in the order its own parse gives them
        issues = [pl.concat(issues).sort("_file", maintain_order=True).with_columns(source_of.alias("source_file"))]
    empty_issues = pl.DataFrame(schema={"source_file": pl.Utf8, **ISSUE_SCHEMA})
    if parts:
        rows = pl.concat(parts, how="diagonal_relaxed")
        if len(parts) > 1:
            rows = rows.sort("_file", maintain_order=True)
        rows = rows.with_columns(region_of_file.alias("region_code"), source_of.alias("source_file"),
                                 pl.lit(month).alias("month")).drop("_file")
        rows = flag_unknown(rows, elder_keys, "elder_id", "_unknown_elder")
        rows = flag_unknown(rows, institution_keys, "institution_id", "_unknown_institution")
        rows = rows.with_row_index("_idx").with_columns(pl.col("_idx").cast(pl.Int64))
        # each file's headers as written: a reason names the header of the row's own file
        per_file = {f["source_file"]: {c: f["_headers"].get(c, HEADERS[c]) for c in TEXT_COLUMNS} for f in files}
        header_frame = pl.DataFrame([(f, c, h) for f, hs in per_file.items() for c, h in hs.items()],
                                    schema={"source_file": pl.Utf8, "column": pl.Utf8, "header": pl.Utf8}, orient="row")
        ref_issues = pl.concat([
            _reference_issues(rows, "_unknown_elder", "elder_id", per_file, "服务对象台账 (elders)", quarantined_elders),
            _reference_issues(rows, "_unknown_institution", "institution_id", per_file, "服务机构 (institutions)"),
        ])
        rows = rows.drop("_unknown_elder", "_unknown_institution")
        # The gate sees every row, so a row's every failure is listed; rows with unknown references then drop out.
        gate_issues = failures(rows, header_frame)  # `_pos` is the row's position, i.e. its `_idx`
        ok = ~pl.col("_idx").is_in(pl.concat([gate_issues["_pos"], ref_issues["_idx"]]).unique())
        # Rows are in (region, file, row) order by construction, and filters keep it: no 3M-row sort or copy
        # until the one filter that makes the valid rows.
        repeated = rows.filter(ok & pl.struct("region_code", "visit_id").is_duplicated())
        dup_idx, dup_issues = _duplicate_issues(repeated, _header(per_file, "visit_id"))
        gate_issues = gate_issues.with_columns(rows["source_file"].gather(gate_issues["_pos"]).alias("source_file"),
                                               rows["source_row"].gather(gate_issues["_pos"]).alias("source_row"))
        issues += [ref_issues.drop("_idx"), gate_issues.select(empty_issues.columns), dup_issues]
        valid = rows.filter(ok & ~pl.col("_idx").is_in(dup_idx)).select(columns)
    else:
        valid = pl.DataFrame(schema={n: pl.Utf8 for n in columns})
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
        keys = (keys.filter(pl.col("source_row").is_in(quarantine["source_row"].unique()))  # 3M rows -> a few
                .select(source_of.alias("source_file"), "source_row", "elder_id"))
        quarantine = quarantine.join(keys, on=["source_file", "source_row"], how="left")
    else:
        quarantine = quarantine.with_columns(pl.lit(None, pl.Utf8).alias("elder_id"))
    quarantine = quarantine.with_columns(
        pl.col("source_file").replace_strict(region_of, default=None).alias("region_code"),
        pl.lit("visits").alias("ledger"), pl.lit(month).alias("month"), pl.lit(None, pl.Utf8).alias("sheet"),
    ).rename({"column": "column_name", "header": "column_header"})
    return MonthLoad(month, valid, quarantine, refused, files)
