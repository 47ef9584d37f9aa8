"""Load one small ledger for every region: read → normalise → foreign keys → gate → valid / quarantine.

Plain Python (no Dagster): `assets/validated.py` calls it with the ledger's pandera gate (from `checks/`) and
writes what it returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import polars as pl

from eldercare.ledgers import ABILITY_LEVELS, INGEST_FILES, QUARANTINE_ROWS, REFUSED_FILES, Ledger
from eldercare.normalise import RowIssue, normalise, unknown_reference, unknown_reference_reason
from eldercare.readers import LedgerRefused, read_ledger

QUARANTINE_COLUMNS = QUARANTINE_ROWS.columns
REFUSED_COLUMNS = REFUSED_FILES.columns
FILE_COLUMNS = INGEST_FILES.columns
# The rule gate: typed rows and their headers -> rows that pass, issues of the rest (checks.gate.gate_ledger).
Gate = Callable[[pl.DataFrame, dict[str, str]], tuple[pl.DataFrame, list[RowIssue]]]
# Ledgers a region cannot do without: their absence is recorded as a refusal, others are simply not delivered yet.
REQUIRED_LEDGERS = {"institutions", "elders"}
# Where else a ledger may live: bed items are usually the second sheet of beds.xlsx.
ALSO_IN = {"bed_items": "beds"}


@dataclass
class Reference:
    """A foreign key: `column` must be one of `keys[region_code]` of the ledger labelled `target`."""

    column: str
    target: str
    keys: dict[str, set[str]]


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


def _issue_rows(issues: list[RowIssue], region: str, ledger: str, source_file: str, sheet: str | None) -> list[dict]:
    return [{"region_code": region, "ledger": ledger, "month": None, "source_file": source_file, "sheet": sheet,
             "source_row": i.source_row, "column_name": i.column, "column_header": i.header, "value": i.value,
             "rule": i.rule, "reason": i.reason, "elder_id": None} for i in issues]


def load_ledger(ledger: Ledger, gate: Gate, columns: list[str], raw, id_hash_key: str,
                references: list[Reference] = (), as_of: dt.date | None = None) -> LedgerLoad:
    """Load `ledger` from every accepted region under the raw folder `raw` (a RawFolder); `columns` are the
    validated table's, `as_of` the run's as-of date (dates that cannot lie after it are quarantined)."""
    valid_parts, quarantine, refused, files = [], [], [], []
    unknown: dict[str, list[str]] = {}
    regions, _ = raw.regions()
    for region in regions:
        paths = raw.ledger_files(region, ledger.file_stem) or raw.ledger_files(region, ALSO_IN.get(ledger.name, ""))
        if not paths:
            if ledger.name in REQUIRED_LEDGERS:
                refused.append({"region_code": region.code, "ledger": ledger.name, "month": None,
                                "source_file": raw.relative(region.folder / f"{ledger.file_stem}.xlsx"),
                                "reason": f"no {ledger.file_stem}.xlsx or .csv in the region folder"})
            continue
        if len(paths) > 1:
            refused.append({"region_code": region.code, "ledger": ledger.name, "month": None,
                            "source_file": raw.relative(paths[0]),
                            "reason": f"both {paths[0].name} and {paths[1].name} exist: keep one"})
            continue
        path = paths[0]
        source = raw.relative(path)
        try:
            table = read_ledger(path, ledger, source)
        except LedgerRefused as exc:
            refused.append({"region_code": region.code, "ledger": ledger.name, "month": None,
                            "source_file": source, "reason": exc.reason})
            continue
        parsed = normalise(table, ledger, id_hash_key, as_of)
        df = _postprocess(ledger, parsed.rows)
        issues = list(parsed.issues)
        if df.height:
            df = df.with_columns(pl.lit(region.code).alias("region_code"), pl.lit(source).alias("source_file"))
            for ref in references:
                if ref.column not in df.columns:
                    continue
                unknown_ref = unknown_reference(ref.column, ref.keys.get(region.code, set()))
                header = table.headers.get(ref.column, ref.column)
                bad = df.filter(unknown_ref).select("source_row", unknown_reference_reason(
                    header, ref.target, pl.col(ref.column)).alias("reason"), ref.column)
                issues += [RowIssue(row, ref.column, header, value, "unknown_reference", reason)
                           for row, reason, value in bad.iter_rows()]
                df = df.filter(~unknown_ref)
            good, gate_issues = gate(df, table.headers)
            issues += gate_issues
            valid_parts.append(good)
        quarantine += _issue_rows(issues, region.code, ledger.name, source, table.sheet)
        bad_rows = len({i.source_row for i in issues})
        files.append({"region_code": region.code, "ledger": ledger.name, "month": None, "source_file": source,
                      "sheet": table.sheet, "encoding": table.encoding, "header_row": table.header_row,
                      "rows_read": parsed.rows_read, "blank_rows": parsed.blank_rows,
                      "rows_valid": parsed.rows_read - bad_rows, "rows_quarantined": bad_rows,
                      "unknown_columns": ", ".join(table.unknown_columns) or None})
        if table.unknown_columns:
            unknown[source] = table.unknown_columns
    valid_parts = [v for v in valid_parts if v.height]
    valid = (pl.concat(valid_parts, how="vertical_relaxed") if valid_parts
             else pl.DataFrame(schema={c: pl.Utf8 for c in columns}))
    return LedgerLoad(
        valid=valid,
        quarantine=pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS),
        refused=pd.DataFrame(refused, columns=REFUSED_COLUMNS),
        files=pd.DataFrame(files, columns=FILE_COLUMNS),
        unknown_columns=unknown,
    )
