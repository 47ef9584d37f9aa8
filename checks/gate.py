"""The hard gate: validate typed rows lazily against their pandera polars schema, and turn every failure into a row
issue (found by position).

Rows that fail go to quarantine; the rest continue, coerced to the model's columns and order. Among duplicate
keys the first copy *that passed every other rule* is kept, so a bad first copy never pushes out a good one.
Rows of many files go through at once: headers as written are then looked up per row, by its `source_file`.
"""

from __future__ import annotations


import pandera.errors
import polars as pl

from checks.schemas import CHECK_COLUMNS, CHECK_REASONS
from eldercare.normalise import RowIssue, filled

SKIP = {"source_row", "source_file", "region_code"}
FAILURE_SCHEMA = {"_pos": pl.Int64, "column": pl.Utf8, "header": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8,
                  "reason": pl.Utf8}
ISSUE_SCHEMA = {"source_file": pl.Utf8, "source_row": pl.Int64, "column": pl.Utf8, "header": pl.Utf8,
                "value": pl.Utf8, "rule": pl.Utf8, "reason": pl.Utf8}


class ContractBroken(Exception):
    """A schema-level failure (a column missing or untyped): a bug in the pipeline, not bad data."""


def _reason(check: str, header: str | None, value: object) -> tuple[str, str]:
    rule = check.split("(")[0]
    template = CHECK_REASONS.get(rule, "{header}: fails check " + check)
    return rule, template.format(header=header or "row", value=value)


def _header_of(headers: dict[str, str] | pl.DataFrame, column: str, files: pl.Expr) -> pl.Expr:
    """The column as written: one header for every row (a dict), or per row by its file (a frame of source_file,
    column, header); the canonical name where the file does not have the column."""
    if isinstance(headers, dict):
        return pl.lit(headers.get(column, column), pl.Utf8)
    mapping = dict(headers.filter(pl.col("column") == column).select("source_file", "header").iter_rows())
    if not mapping:
        return pl.lit(column, pl.Utf8)
    return files.replace_strict(mapping, default=pl.lit(column), return_dtype=pl.Utf8)


def gate_rows(df: pl.DataFrame, schema, headers: dict[str, str] | pl.DataFrame,
              key: tuple[str, ...] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a small ledger's typed rows (of every file at once) with its polars schema, once: the rows that pass
    (schema columns, coerced) and a frame of the issues of the rest (`ISSUE_SCHEMA`). Among duplicate keys of a
    region the first copy that passed is kept. Optional columns no file has are added empty."""
    df = df.with_columns(pl.lit(None, col.dtype.type).alias(name) for name, col in schema.columns.items()
                         if name not in df.columns)
    failures = polars_failures(df, schema, headers)
    issues = [failures.select(df["source_file"].gather(failures["_pos"]).alias("source_file"),
                              df["source_row"].gather(failures["_pos"]).alias("source_row"),
                              *[c for c in FAILURE_SCHEMA if c != "_pos"])]
    rows = df.with_row_index("_pos").with_columns(pl.col("_pos").cast(pl.Int64))
    passed = rows.filter(~pl.col("_pos").is_in(failures["_pos"].unique())) if failures.height else rows
    if key and passed.height:
        scope = ["region_code", *key]
        first = passed.group_by(scope, maintain_order=True).agg(pl.col("source_row").first().alias("_first"))
        dup = (passed.join(first, on=scope, how="left", maintain_order="left")
               .filter(pl.col("source_row") != pl.col("_first")))
        if dup.height:
            header = _header_of(headers, key[0], pl.col("source_file"))
            issues.append(dup.select(
                "source_file", "source_row", pl.lit(key[0]).alias("column"), header.alias("header"),
                pl.col(key[0]).cast(pl.Utf8).alias("value"), pl.lit("duplicate_key").alias("rule"),
                pl.concat_str([header, pl.lit(": '"), pl.col(key[0]).cast(pl.Utf8), pl.lit("' already appears on row "),
                               pl.col("_first").cast(pl.Utf8), pl.lit(": remove or renumber the second copy")])
                .alias("reason")))
            passed = passed.filter(~pl.col("_pos").is_in(dup["_pos"]))
    # pandera coerced nothing for the rows that passed (it reported failures instead): cast them as it would
    valid = passed.select(pl.col(name).cast(col.dtype.type) for name, col in schema.columns.items())
    return valid, pl.concat([i.cast(ISSUE_SCHEMA) for i in issues]).select(list(ISSUE_SCHEMA))


def gate_ledger(df: pl.DataFrame, schema, headers: dict[str, str],
                key: tuple[str, ...] = ()) -> tuple[pl.DataFrame, list[RowIssue]]:
    """`gate_rows` of one file's rows, its issues as `RowIssue`s."""
    valid, issues = gate_rows(df, schema, headers, key)
    return valid, [RowIssue(*fields) for fields in issues.drop("source_file").iter_rows()]


def polars_failures(df: pl.DataFrame, schema, headers: dict[str, str] | pl.DataFrame) -> pl.DataFrame:
    """Validate rows lazily with a polars schema: one issue per failing row and check, with `_pos`, the row's
    position in `df`, and column, header, value, rule and reason. `df` itself is not copied or filtered here.
    `headers` maps columns to headers as written, or is a frame of them per file (source_file, column, header).
    """
    df = df.with_row_index("_pos").with_columns(pl.col("_pos").cast(pl.Int64))
    try:
        schema.validate(df, lazy=True)
        failures = pl.DataFrame(schema={"index": pl.Int64, "column": pl.Utf8, "check": pl.Utf8, "failure_case": pl.Utf8})
    except pandera.errors.SchemaErrors as err:
        fc = err.failure_cases
        if fc["index"].null_count():
            raise ContractBroken(str(fc.filter(pl.col("index").is_null()).to_dicts()[:5])) from None
        failures = fc.select(pl.col("index").cast(pl.Int64), pl.col("column").cast(pl.Utf8),
                             pl.col("check").cast(pl.Utf8), pl.col("failure_case").cast(pl.Utf8))
    rows = []
    for (column, check), part in failures.group_by(["column", "check"], maintain_order=True):
        col = column if column in schema.columns else CHECK_COLUMNS.get(check)
        if column not in schema.columns and col:  # a row-level check: show the cell it is about
            cells = df[part["index"].unique()].select("_pos", _as_text(df, col).alias("failure_case"))
            part = part.drop("failure_case").join(cells, left_on="index", right_on="_pos")
        rule, _ = _reason(check, None, "")
        template = CHECK_REASONS.get(rule, "{header}: fails check " + check)
        if col is None:
            header = pl.lit(None, pl.Utf8)
        elif isinstance(headers, dict):
            header = pl.lit(headers.get(col, col), pl.Utf8)
        else:
            part = part.with_columns(df["source_file"].gather(part["index"]).alias("_file"))
            header = _header_of(headers, col, pl.col("_file"))
        value = pl.col("failure_case").fill_null("") if col else pl.lit("")
        rows.append(part.select(
            pl.col("index").alias("_pos"), pl.lit(col, pl.Utf8).alias("column"), header.alias("header"),
            (pl.col("failure_case") if col else pl.lit(None, pl.Utf8)).alias("value"),
            pl.lit(rule).alias("rule"), filled(template, header=header.fill_null("row"), value=value).alias("reason")))
    return pl.concat(rows) if rows else pl.DataFrame(schema=FAILURE_SCHEMA)


def _as_text(df: pl.DataFrame, col: str) -> pl.Expr:
    if df.schema[col] == pl.Datetime or isinstance(df.schema[col], pl.Datetime):
        return pl.col(col).dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.col(col).cast(pl.Utf8)
