"""Read one month file of visit punch records into a polars frame of text cells, canonical headers, row numbers.

Built for national months (~3M rows): CSV goes straight to polars' multi-threaded reader (GB18030 transcoded in
memory first), Parquet to polars, xlsx through the shared cell reader. Nothing is parsed here but headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from eldercare.formats import to_halfwidth
from eldercare.ledgers import VISITS, alias_index, header_key
from eldercare.readers import (
    HEAD_CHARS, HEADER_SCAN_ROWS, Grid, LedgerRefused, cell_text, decode_payload, match_header, read_head,
    read_ledger, unknown_columns,
)

TEXT_COLUMNS = [c.name for c in VISITS.columns]
VISIT_SUFFIXES = (".csv", ".xlsx", ".parquet")
# The month a visit file's name starts with: 2022-07, 2022_07, 2022.7, 2022年7月, 202207 — then anything
# (`2022-07 上门服务记录（终稿）.csv`).
_MONTH_IN_NAME = re.compile(r"^\s*(\d{4})\s*(?:[-_.年]\s*(\d{1,2})|(\d{2}))(?!\d)")


def visit_file_month(name: str) -> dt.date | None:
    """The month of a visit file from its name (`2022-07.csv`, `2022-07 上门服务记录（终稿）.csv`), or None when
    the name does not start with a month or the file is not .csv / .xlsx / .parquet."""
    path = Path(name)
    if path.suffix.lower() not in VISIT_SUFFIXES:
        return None
    m = _MONTH_IN_NAME.match(to_halfwidth(path.stem))
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2) or m.group(3))
    return dt.date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None


def visit_file_problem(name: str) -> str | None:
    """Why a file in a region's visits/ folder is not loaded (None when it is a month file)."""
    if visit_file_month(name) is not None:
        return None
    if Path(name).suffix.lower() not in VISIT_SUFFIXES:
        return f"not a visit month file: '{Path(name).suffix}' is not .csv, .xlsx or .parquet"
    return "the file name does not start with its month (YYYY-MM): rename it, e.g. 2022-07.csv"


@dataclass
class VisitFile:
    """A month file's rows as text (every canonical column present, missing ones null) plus `source_row`.

    One exception: punch times that arrive as Parquet timestamps stay typed (see `_typed_punch_times`).
    """

    frame: pl.DataFrame
    headers: dict[str, str]
    unknown_columns: list[str]
    encoding: str | None
    header_row: int


def _check_headers(hits: dict[int, str], texts: dict[int, str], source_file: str) -> None:
    seen: dict[str, int] = {}
    for j, canon in sorted(hits.items()):
        if canon in seen:
            raise LedgerRefused(source_file, f"two columns map to {canon}: '{texts[seen[canon]]}' and '{texts[j]}'")
        seen[canon] = j
    missing = [c for c in VISITS.required if c not in seen]
    if missing:
        names = ", ".join(f"{VISITS.column(c).aliases[0]} ({c})" for c in missing)
        raise LedgerRefused(source_file, f"required column missing: {names}")


def _complete(frame: pl.DataFrame | pl.LazyFrame, file_number: int | None) -> pl.DataFrame:
    """Every canonical column (missing ones null) after `source_row`, and `_file` when a file number is given (or
    the frame has it): one polars query for what is several steps, since a national month has a file per region."""
    lazy = frame.lazy()
    have = lazy.collect_schema().names()
    missing = [pl.lit(None, pl.Utf8).alias(c) for c in TEXT_COLUMNS if c not in have]
    number = ([pl.col("_file")] if "_file" in have else [] if file_number is None
              else [pl.lit(file_number, pl.Int32).alias("_file")])
    return lazy.with_columns(missing).select("source_row", *TEXT_COLUMNS, *number).collect()


def _only_header(payload: bytes, header_lines: int) -> bool:
    """True when nothing but blank lines follows the header lines."""
    parts = payload.split(b"\n", header_lines)
    return len(parts) <= header_lines or not parts[header_lines].strip(b" \t\r\n,")


@dataclass
class CsvMonthHead:
    """A CSV month file's header, found in its first lines. `width` (fields of its first data line) is set when the
    file can be read together with others (`read_csv_months`); `payload` is kept only for a file read alone."""

    path: Path
    source_file: str
    encoding: str
    data_start: int
    hits: dict[int, str]
    texts: dict[int, str]
    unknown: list[str]
    payload: bytes | None
    width: int | None = None


def csv_month_head(path: Path, source_file: str, alone: bool = False) -> CsvMonthHead:
    """The header of a CSV month file (refused when it has none that fits). Unless `alone`, a UTF-8 file whose first
    data line is written is marked to be read with others, and its payload is not kept (polars reads the file; a
    long UTF-8 file is not even read whole here)."""
    head = None if alone else read_head(path, HEADER_SCAN_ROWS)  # a long UTF-8 file: its body is polars' to check
    if head is None:
        payload, head_text, encoding = decode_payload(path.read_bytes(), source_file, head_lines=HEADER_SCAN_ROWS)
    else:
        payload, (head_text, encoding) = None, head
    lines = head_text.splitlines()[:HEADER_SCAN_ROWS]
    grid = Grid(None, [(i, cells) for i, cells in enumerate(csv.reader(lines), start=1)])
    found = match_header(grid, VISITS)
    if found is None:
        raise LedgerRefused(source_file, "no header row of 上门服务记录 found in the first lines")
    data_start, hits, texts, _ = found
    _check_headers(hits, texts, source_file)
    head = CsvMonthHead(path, source_file, encoding, data_start, hits, texts,
                        unknown_columns(grid, data_start, hits, texts), payload)
    if not alone and encoding.startswith("utf-8") and data_start < len(lines) and lines[data_start].strip(" \t,"):
        head.width, head.payload = len(grid.rows[data_start][1]), None
    return head


def read_csv_month(head: CsvMonthHead, file_number: int | None) -> VisitFile:
    """One CSV month file's body read by polars as text (rows as wide as its first data line; a longer one refuses
    the file); a file of only its header is a month without visits yet."""
    payload = head.payload if head.payload is not None else decode_payload(
        head.path.read_bytes(), head.source_file, head_lines=1)[0]
    hits, data_start = head.hits, head.data_start
    try:
        frame = pl.read_csv(io.BytesIO(payload), has_header=False, skip_rows=data_start, infer_schema=False,
                            columns=sorted(hits), row_index_name="_pos", quote_char='"'
                            ).lazy().rename({f"column_{j}": hits[j] for j in hits})  # polars names them column_<j>
    except pl.exceptions.PolarsError as exc:
        if not _only_header(payload, data_start):
            raise LedgerRefused(head.source_file, f"cannot be read as CSV: {str(exc).splitlines()[0]}") from None
        # only its header (and blank lines): a month without visits yet, as every month starts — 0 rows
        frame = pl.LazyFrame(schema={"_pos": pl.UInt32, **{hits[j]: pl.Utf8 for j in sorted(hits)}})
    frame = frame.with_columns((pl.col("_pos").cast(pl.Int64) + data_start + 1).alias("source_row"))
    return _visit_file(_complete(frame, file_number), head)


def _visit_file(frame: pl.DataFrame, head: CsvMonthHead) -> VisitFile:
    return VisitFile(frame, {head.hits[j]: head.texts[j] for j in head.hits}, head.unknown, head.encoding,
                     head.data_start)


def read_csv_months(heads: list[CsvMonthHead], numbers: list[int]) -> list[VisitFile | LedgerRefused]:
    """Many CSV month files read as `read_csv_month` reads each, their rows labelled with their `numbers` (`_file`):
    files marked by `csv_month_head` with the same header lines and columns read by one polars scan (each file
    parsed on its own, several at once, without a Python step per file); should the scan fail, one by one."""
    out: list[VisitFile | LedgerRefused | None] = [None] * len(heads)
    groups: dict[tuple, list[int]] = {}
    for k, head in enumerate(heads):
        if head.width is None:
            out[k] = _alone(head, numbers[k])
        else:
            groups.setdefault((tuple(sorted(head.hits.items())), head.width, head.data_start), []).append(k)
    for members in groups.values():
        for k, result in zip(members, _read_together([heads[k] for k in members], [numbers[k] for k in members])):
            out[k] = result
    return out


def _alone(head: CsvMonthHead, number: int) -> VisitFile | LedgerRefused:
    try:
        return read_csv_month(head, number)
    except LedgerRefused as exc:
        return exc


def _read_together(heads: list[CsvMonthHead], numbers: list[int]) -> list[VisitFile | LedgerRefused]:
    hits, data_start = heads[0].hits, heads[0].data_start
    sources = [str(head.path) for head in heads]
    try:  # rows of every file as wide as the first's first data line: a wider one fails the scan
        frame = pl.scan_csv(sources, has_header=False, skip_rows=data_start, infer_schema=False, quote_char='"',
                            row_index_name="_pos", include_file_paths="_path").select(
            "_pos", "_path", *[pl.col(f"column_{j}").alias(hits[j]) for j in sorted(hits)]).collect()
    except pl.exceptions.PolarsError:
        return [_alone(head, number) for head, number in zip(heads, numbers)]
    # the files' rows follow each other in their order: a run of one path is one file's rows
    runs = frame.select(pl.col("_path").rle()).unnest("_path")
    heights = dict(zip(runs["value"].to_list(), runs["len"].to_list()))
    lengths = np.array([heights.get(source, 0) for source in sources], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    frame = _complete(frame.lazy().drop("_path").with_columns(
        pl.Series("_file", np.repeat(np.array(numbers, dtype=np.int32), lengths)),
        (pl.col("_pos").cast(pl.Int64) - pl.Series(np.repeat(starts, lengths)) + data_start + 1).alias("source_row"),
    ), None)
    return [_visit_file(frame.slice(start, length), head) for head, start, length in zip(heads, starts, lengths)]


def _read_csv(path: Path, source_file: str, file_number: int | None) -> VisitFile:
    return read_csv_month(csv_month_head(path, source_file, alone=True), file_number)


def _read_xlsx(path: Path, source_file: str, file_number: int | None) -> VisitFile:
    table = read_ledger(path, VISITS, source_file)
    rows = {"source_row": table.row_numbers()}
    for c in table.headers:
        rows[c] = [cell_text(v) for v in table.column(c)]
    frame = pl.DataFrame(rows, schema={"source_row": pl.Int64, **{c: pl.Utf8 for c in table.headers}})
    return VisitFile(_complete(frame, file_number), table.headers, table.unknown_columns, None, table.header_row)


PUNCH_COLUMNS = ("checkin_at", "checkout_at")
# The years the canonical export spelling accepts (formats_polars: 19xx-9999); other timestamps go as text.
_PUNCH_RANGE = (dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59))


def _typed_punch_times(values: pl.Series) -> pl.Series | None:
    """A Parquet timestamp column as the datetimes its text (2022-06-01 08:30:00) would be parsed back to: wall-clock
    time, whole seconds, microsecond unit — without writing 3M strings and reading them again. None when a value is
    outside the years that spelling covers: that column then goes as text like any other."""
    if values.dtype.time_zone is not None:
        values = values.dt.replace_time_zone(None)
    values = values.dt.truncate("1s").dt.cast_time_unit("us")
    low, high = values.min(), values.max()
    if low is not None and (low < _PUNCH_RANGE[0] or high > _PUNCH_RANGE[1]):
        return None
    return values


def _read_parquet(path: Path, source_file: str, file_number: int | None) -> VisitFile:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a corrupt file
        raise LedgerRefused(source_file, f"not a readable Parquet file ({type(exc).__name__})") from None
    index = alias_index(VISITS)
    hits = {j: index[header_key(c)[0]] for j, c in enumerate(frame.columns) if header_key(c)[0] in index}
    texts = dict(enumerate(frame.columns))
    _check_headers(hits, texts, source_file)
    unknown = sorted(c for j, c in texts.items() if j not in hits)
    columns = {}
    for j, canon in hits.items():
        values = frame[texts[j]]
        typed = (_typed_punch_times(values) if canon in PUNCH_COLUMNS and isinstance(values.dtype, pl.Datetime)
                 else None)
        if typed is not None:
            columns[canon] = typed
        elif values.dtype in (pl.Datetime, pl.Date):
            columns[canon] = values.dt.strftime("%Y-%m-%d %H:%M:%S").cast(pl.Utf8)
        else:
            columns[canon] = values.cast(pl.Utf8)
    frame = pl.DataFrame(columns, height=frame.height).with_row_index("source_row", offset=1).with_columns(
        pl.col("source_row").cast(pl.Int64))
    return VisitFile(_complete(frame, file_number), {hits[j]: texts[j] for j in hits}, unknown, None, 0)


def read_visit_file(path: Path, source_file: str, file_number: int | None = None) -> VisitFile:
    """Read a month file (.csv, .xlsx or .parquet); refuse it whole when it cannot be read as visits. With
    `file_number`, the rows carry it as `_file` (Int32), so that many files' rows can be parsed together."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, source_file, file_number)
    if suffix == ".xlsx":
        return _read_xlsx(path, source_file, file_number)
    if suffix == ".parquet":
        return _read_parquet(path, source_file, file_number)
    raise LedgerRefused(source_file, f"unsupported file type '{suffix}'")
