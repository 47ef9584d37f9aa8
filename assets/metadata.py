"""Materialisation metadata a reviewer reads in the Dagster UI: counts, quarantine by reason, masked previews."""

from __future__ import annotations

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 20


def column_schema(schema) -> dg.TableSchema:
    """The UI's Columns tab, from a pandera schema: name, type and the field's description."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, str(col.dtype), description=col.description or "")
        for name, col in schema.columns.items()
    ])


def md(frame: pd.DataFrame, empty: str = "none") -> dg.MetadataValue:
    """A small frame as a markdown table (values are already masked where personal)."""
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else empty)


ACCOUNTING_COLUMNS = ["source_file", "rows_read", "rows_valid", "rows_quarantined", "blank_rows", "unknown_columns"]


def accounting(files: pd.DataFrame) -> dg.MetadataValue:
    """The accounting per file as the UI shows it: every file when there are few; with a file per region of a
    national run, the PREVIEW_ROWS files with the most quarantined rows and a line naming where the rest are."""
    if len(files) <= PREVIEW_ROWS:
        return md(files[ACCOUNTING_COLUMNS] if len(files) else files)
    worst = files.sort_values(["rows_quarantined", "blank_rows"], ascending=False, kind="stable").head(PREVIEW_ROWS)
    return dg.MetadataValue.md(
        worst[ACCOUNTING_COLUMNS].to_markdown(index=False)
        + f"\n\n{len(files) - PREVIEW_ROWS} more files: every file's accounting is in audit.ingest_files.")


def load_metadata(valid, quarantine: pd.DataFrame, refused: pd.DataFrame, files: pd.DataFrame) -> dict:
    """Row counts, the accounting per file, quarantine reasons and a preview of quarantined rows."""
    meta: dict = {}
    if valid is not None:
        meta["dagster/row_count"] = len(valid)
    meta["rows_read"] = int(files["rows_read"].sum()) if len(files) else 0
    meta["rows_quarantined"] = int(files["rows_quarantined"].sum()) if len(files) else 0
    meta["files_refused"] = len(refused)
    meta["files_read"] = len(files)
    meta["accounting"] = accounting(files)
    if len(quarantine):
        by_rule = (quarantine.groupby("rule").agg(rows=("source_row", "size"),
                                                  example=("reason", "first")).reset_index()
                   .sort_values("rows", ascending=False))
        meta["quarantine_by_rule"] = md(by_rule)
        meta["quarantine_preview"] = md(quarantine[["source_file", "source_row", "column_header", "value", "reason"]]
                                        .head(PREVIEW_ROWS))
    meta["refused_files"] = md(refused[["source_file", "reason"]] if len(refused) else refused)
    return meta
