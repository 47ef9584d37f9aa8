"""Read one month file of visit punch records into a polars frame of text cells, canonical headers, row numbers.

Built for national months (~3M rows): CSV goes straight to polars' multi-threaded reader (GB18030 transcoded in
memory first), Parquet to polars, xlsx through the shared cell reader. Nothing is parsed here but headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from eldercare.ledgers import VISITS, alias_index, header_key
from eldercare.readers import HEADER_SCAN_ROWS, Grid, LedgerRefused, _match_header, decode_text, read_ledger

TEXT_COLUMNS = [c.name for c in VISITS.columns]


@dataclass
class VisitFile:
    """A month file's rows as text (every canonical column present, missing ones null) plus `source_row`."""

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


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [pl.lit(None, pl.Utf8).alias(c) for c in TEXT_COLUMNS if c not in frame.columns]
    return frame.with_columns(missing).select(["source_row", *TEXT_COLUMNS])


def _read_csv(path: Path, source_file: str) -> VisitFile:
    data = path.read_bytes()
    text, encoding = decode_text(data, source_file)
    head = text[: 64 * 1024].splitlines()[:HEADER_SCAN_ROWS]
    grid = Grid(None, [(i, cells) for i, cells in enumerate(csv.reader(head), start=1)])
    found = _match_header(grid, VISITS)
    if found is None:
        raise LedgerRefused(source_file, "no header row of 上门服务记录 found in the first lines")
    data_start, hits, texts, _ = found
    _check_headers(hits, texts, source_file)
    payload = data if encoding == "utf-8" else text.encode("utf-8")
    try:
        frame = pl.read_csv(io.BytesIO(payload), has_header=False, skip_rows=data_start, infer_schema=False,
                            columns=sorted(hits), row_index_name="_pos", quote_char='"')
        frame = frame.rename({f"column_{j}": hits[j] for j in hits})  # polars names unnamed columns column_<index>
    except pl.exceptions.PolarsError as exc:
        raise LedgerRefused(source_file, f"cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    header_cells = grid.rows[data_start - 1][1]
    unknown = sorted({c.strip() for j, c in enumerate(header_cells) if c.strip() and j not in hits})
    frame = frame.with_columns((pl.col("_pos").cast(pl.Int64) + data_start + 1).alias("source_row")).drop("_pos")
    return VisitFile(_complete(frame), {hits[j]: texts[j] for j in hits}, unknown, encoding, data_start)


def _cell_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_xlsx(path: Path, source_file: str) -> VisitFile:
    table = read_ledger(path, VISITS, source_file)
    rows = {"source_row": [n for n, _ in table.records]}
    for c in table.headers:
        rows[c] = [_cell_text(cells.get(c)) for _, cells in table.records]
    frame = pl.DataFrame(rows, schema={"source_row": pl.Int64, **{c: pl.Utf8 for c in table.headers}})
    return VisitFile(_complete(frame), table.headers, table.unknown_columns, None, table.header_row)


def _read_parquet(path: Path, source_file: str) -> VisitFile:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a corrupt file
        raise LedgerRefused(source_file, f"not a readable Parquet file ({type(exc).__name__})") from None
    index = alias_index(VISITS)
    hits = {j: index[header_key(c)[0]] for j, c in enumerate(frame.columns) if header_key(c)[0] in index}
    texts = dict(enumerate(frame.columns))
    _check_headers(hits, texts, source_file)
    unknown = sorted(c for j, c in texts.items() if j not in hits)
    cols = []
    for j, canon in hits.items():
        col = pl.col(texts[j])
        if frame.schema[texts[j]] in (pl.Datetime, pl.Date):
            col = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        cols.append(col.cast(pl.Utf8).alias(canon))
    frame = frame.select(cols).with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
    return VisitFile(_complete(frame), {hits[j]: texts[j] for j in hits}, unknown, None, 0)


def read_visit_file(path: Path, source_file: str) -> VisitFile:
    """Read a month file (.csv, .xlsx or .parquet); refuse it whole when it cannot be read as visits."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, source_file)
    if suffix == ".xlsx":
        return _read_xlsx(path, source_file)
    if suffix == ".parquet":
        return _read_parquet(path, source_file)
    raise LedgerRefused(source_file, f"unsupported file type '{suffix}'")
