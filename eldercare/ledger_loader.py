"""Load one small ledger for every region: read each file → normalise → foreign keys → gate → valid / quarantine,
every step after the read once for the rows of all regions (set-based: its cost grows with rows, not regions).

Plain Python (no Dagster): `assets/validated.py` calls it with the ledger's pandera gate (from `checks/`) and
writes what it returns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import polars as pl

from eldercare.ledgers import ABILITY_LEVELS, INGEST_FILES, QUARANTINE_ROWS, REFUSED_FILES, Ledger
from eldercare.normalise import by_file, flag_unknown, normalise, unresolved_reference, with_quarantined_row
from eldercare.readers import LedgerRefused, read_ledgers

QUARANTINE_COLUMNS = QUARANTINE_ROWS.columns
REFUSED_COLUMNS = REFUSED_FILES.columns
FILE_COLUMNS = INGEST_FILES.columns
# The rule gate (checks.gate.gate_rows): typed rows of every file and their headers as written (a frame of
# source_file, column, header) -> rows that pass, and a frame of the issues of the rest (source_file, source_row,
# column, header, value, rule, reason).
Gate = Callable[[pl.DataFrame, pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]
# Ledgers a region cannot do without: their absence is recorded as a refusal, others are simply not delivered yet.
REQUIRED_LEDGERS = {"institutions", "elders"}
# Where else a ledger may live: bed items are usually the second sheet of beds.xlsx.
ALSO_IN = {"bed_items": "beds"}


@dataclass
class Reference:
    """A foreign key: `column` must be one of the keys of its region in the ledger labelled `target`; `keys` is a
    frame of (region_code, key) pairs. `quarantined` (region_code, key, source_file, source_row): keys the target
    has only on rows set aside in quarantine, so that a row pointing at one is told so, not that the key is absent."""

    column: str
    target: str
    keys: pl.DataFrame
    quarantined: pl.DataFrame | None = None


@dataclass
class LedgerLoad:
    """What loading a ledger produced, ready to be written in one transaction."""

    valid: pl.DataFrame
    quarantine: pd.DataFrame
    refused: pd.DataFrame
    files: pd.DataFrame
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)


def _postprocess(ledger: Ledger, df: pl.DataFrame) -> pl.DataFrame:
    """Blank cells of columns with a contract default take it; elders get `ability_legacy`."""
    exprs = [(pl.col(col.name) if col.name in df.columns else pl.lit(None)).fill_null(col.default).alias(col.name)
             for col in ledger.columns if col.default is not None]
    if ledger.name == "elders" and "ability_level" in df.columns:
        exprs.append(~pl.col("ability_level").is_in(list(ABILITY_LEVELS)).alias("ability_legacy"))
    return df.with_columns(exprs) if exprs else df


def _empty(columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.Utf8 for c in columns})


@contextlib.contextmanager
def _gc_paused():
    """Cyclic garbage collection paused while a ledger's cells become millions of small lists and strings (no
    cycles among them): otherwise each collection rescans them all, half the time of reading 500k rows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_ledger(ledger: Ledger, gate: Gate, columns: list[str], raw, id_hash_key: str,
                references: list[Reference] = (), as_of: dt.date | None = None) -> LedgerLoad:
    """Load `ledger` from every accepted region under the raw folder `raw` (a RawFolder): each file is found, read
    and its headers mapped on its own; then the rows of all files are normalised, looked up in their references
    (by region and key) and gated at once. `columns` are the validated table's, `as_of` the run's as-of date
    (dates that cannot lie after it are quarantined)."""
    with _gc_paused():
        return _load(ledger, gate, columns, raw, id_hash_key, references, as_of)


def _load(ledger: Ledger, gate: Gate, columns: list[str], raw, id_hash_key: str, references: list[Reference],
          as_of: dt.date | None) -> LedgerLoad:
    refused, tables, where = [], [], []  # where: (region code, source file) of each table read
    unknown_cols: dict[str, list[str]] = {}
    regions, _ = raw.regions()
    slots: list[dict | tuple] = []  # per region, in order: a refusal, or (region code, path, source) to read
    for region in regions:
        paths = raw.ledger_files(region, ledger.file_stem) or raw.ledger_files(region, ALSO_IN.get(ledger.name, ""))
        if not paths:
            if ledger.name in REQUIRED_LEDGERS:
                slots.append({"region_code": region.code, "ledger": ledger.name, "month": None,
                              "source_file": raw.relative(region.folder / f"{ledger.file_stem}.xlsx"),
                              "reason": f"no {ledger.file_stem}.xlsx or .csv in the region folder"})
            continue
        if len(paths) > 1:
            slots.append({"region_code": region.code, "ledger": ledger.name, "month": None,
                          "source_file": raw.relative(paths[0]),
                          "reason": f"both {paths[0].name} and {paths[1].name} exist: keep one"})
            continue
        slots.append((region.code, paths[0], raw.relative(paths[0])))

    reads = [slot for slot in slots if isinstance(slot, tuple)]
    read = iter(read_ledgers([(path, source) for _, path, source in reads], ledger))
    results = [slot if isinstance(slot, dict) else next(read) for slot in slots]
    for slot, result in zip(slots, results):
        if isinstance(result, dict):
            refused.append(result)
        elif isinstance(result, LedgerRefused):
            refused.append({"region_code": slot[0], "ledger": ledger.name, "month": None,
                            "source_file": slot[2], "reason": result.reason})
        else:
            tables.append(result)
            where.append((slot[0], slot[2]))
            if result.unknown_columns:
                unknown_cols[slot[2]] = result.unknown_columns
    refused = pd.DataFrame(refused, columns=REFUSED_COLUMNS)
    if not tables:
        return LedgerLoad(_empty(columns), pd.DataFrame(columns=QUARANTINE_COLUMNS), refused,
                          pd.DataFrame(columns=FILE_COLUMNS), unknown_cols)
    codes, sources = [code for code, _ in where], [source for _, source in where]
    parsed = normalise(tables, ledger, id_hash_key, as_of)
    df = _postprocess(ledger, parsed.rows).with_columns(by_file(codes).alias("region_code"),
                                                        by_file(sources).alias("source_file"))
    issues = [parsed.issues.with_columns(pl.lit(0).alias("_stage"))]
    for stage, ref in enumerate(references, start=1):
        if ref.column not in df.columns or not df.height:
            continue
        header = by_file([table.headers.get(ref.column, ref.column) for table in tables])
        df = flag_unknown(df, ref.keys, ref.column, "_unknown")
        unknown = with_quarantined_row(df.filter(pl.col("_unknown")), ref.quarantined, ref.column)
        issues.append(unknown.select(
            "_file", "source_row", pl.lit(ref.column).alias("column"), header.alias("header"),
            pl.col(ref.column).alias("value"), *unresolved_reference(header, ref.target, pl.col(ref.column)),
            pl.lit(stage).alias("_stage")))
        df = df.filter(~pl.col("_unknown")).drop("_unknown")
    valid = _empty(columns)
    if df.height:
        headers = pl.DataFrame([(source, column, header) for table, source in zip(tables, sources)
                                for column, header in table.headers.items()],
                               schema={"source_file": pl.Utf8, "column": pl.Utf8, "header": pl.Utf8}, orient="row")
        good, gate_issues = gate(df, headers)
        index = {source: i for i, source in enumerate(sources)}
        issues.append(gate_issues.select(
            pl.col("source_file").replace_strict(index, return_dtype=pl.Int64).alias("_file"),
            pl.exclude("source_file"), pl.lit(len(references) + 1).alias("_stage")))
        if good.height:
            valid = good
    issues = (pl.concat([i.cast({"_stage": pl.Int64}) for i in issues]).sort("_file", "_stage", maintain_order=True)
              .join(parsed.elder_ids, on=["_file", "source_row"], how="left", maintain_order="left"))
    sheets = [table.sheet for table in tables]
    quarantine = issues.select(
        by_file(codes).alias("region_code"), pl.lit(ledger.name).alias("ledger"), pl.lit(None).alias("month"),
        by_file(sources).alias("source_file"), by_file(sheets).alias("sheet"), "source_row",
        pl.col("column").alias("column_name"), pl.col("header").alias("column_header"), "value", "rule", "reason",
        "elder_id")
    bad = dict(issues.group_by("_file").agg(pl.col("source_row").n_unique()).iter_rows())
    files = pd.DataFrame([{
        "region_code": code, "ledger": ledger.name, "month": None, "source_file": source, "sheet": table.sheet,
        "encoding": table.encoding, "header_row": table.header_row, "rows_read": read, "blank_rows": blank,
        "rows_valid": read - bad.get(i, 0), "rows_quarantined": bad.get(i, 0),
        "unknown_columns": ", ".join(table.unknown_columns) or None,
    } for i, ((code, source), table, read, blank) in enumerate(zip(where, tables, parsed.rows_read,
                                                                    parsed.blank_rows))], columns=FILE_COLUMNS)
    return LedgerLoad(valid=valid, quarantine=quarantine.to_pandas(), refused=refused, files=files,
                      unknown_columns=unknown_cols)
