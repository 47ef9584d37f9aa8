"""The hard gate: validate typed rows lazily against their pandera polars schema, and turn every failure into a row
issue (found by position).

Rows that fail go to quarantine; the rest continue, coerced to the model's columns and order. Among duplicate
keys the first copy *that passed every other rule* is kept, so a bad first copy never pushes out a good one.
"""

from __future__ import annotations

import pandera.errors
import polars as pl

from checks.schemas import CHECK_COLUMNS, CHECK_REASONS
from eldercare.normalise import RowIssue

SKIP = {"source_row", "source_file", "region_code"}


class ContractBroken(Exception):
    """A schema-level failure (a column missing or untyped): a bug in the pipeline, not bad data."""


def _reason(check: str, header: str | None, value: object) -> tuple[str, str]:
    rule = check.split("(")[0]
    template = CHECK_REASONS.get(rule, "{header}: fails check " + check)
    return rule, template.format(header=header or "row", value=value)


def gate_ledger(df: pl.DataFrame, schema, headers: dict[str, str],
                key: tuple[str, ...] = ()) -> tuple[pl.DataFrame, list[RowIssue]]:
    """Validate a small ledger's typed rows with its polars schema: the rows that pass (schema columns, coerced) and
    the issues of the rest, failures found by position. Among duplicate keys the first copy that passed is kept.
    Optional columns the file does not have are added empty."""
    df = df.with_columns(pl.lit(None, col.dtype.type).alias(name) for name, col in schema.columns.items()
                         if name not in df.columns)
    failures = polars_failures(df, schema, headers)
    rows = df.with_row_index("_pos").with_columns(pl.col("_pos").cast(pl.Int64))
    source_rows = df["source_row"].gather(failures["_pos"]).to_list()
    issues = [RowIssue(*fields) for fields in zip(source_rows, *(failures[k].to_list() for k in
                                                                  ("column", "header", "value", "rule", "reason")))]
    passed = rows.filter(~pl.col("_pos").is_in(failures["_pos"].unique()))
    if key and passed.height:
        scope = ["region_code", *key]
        first = passed.group_by(scope, maintain_order=True).agg(pl.col("source_row").first().alias("_first"))
        dup = passed.join(first, on=scope, how="left").filter(pl.col("source_row") != pl.col("_first"))
        header = headers.get(key[0], key[0])
        issues += [RowIssue(row, key[0], header, str(value), "duplicate_key",
                            f"{header}: '{value}' already appears on row {first_row}: remove or renumber the second copy")
                   for row, value, first_row in dup.select("source_row", key[0], "_first").iter_rows()]
        passed = passed.filter(~pl.col("_pos").is_in(dup["_pos"]))
    valid = schema.validate(passed.drop("_pos")) if passed.height else passed.drop("_pos")
    return valid.select(list(schema.columns)) if passed.height else valid, issues


def polars_failures(df: pl.DataFrame, schema, headers: dict[str, str]) -> pl.DataFrame:
    """Validate rows lazily with a polars schema: one issue per failing row and check, with `_pos`, the row's
    position in `df`, and column, header, value, rule and reason. `df` itself is not copied or filtered here.
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
        header = headers.get(col, col) if col else None
        template = CHECK_REASONS.get(rule, "{header}: fails check " + check)
        if col and "{value}" in template:
            pre, post = template.split("{value}", 1)
            reason = pl.lit(pre.format(header=header)) + pl.col("failure_case").fill_null("") + pl.lit(post)
        else:
            reason = pl.lit(template.format(header=header or "row", value=""))
        rows.append(part.select(
            pl.col("index").alias("_pos"), pl.lit(col, pl.Utf8).alias("column"), pl.lit(header, pl.Utf8).alias("header"),
            (pl.col("failure_case") if col else pl.lit(None, pl.Utf8)).alias("value"),
            pl.lit(rule).alias("rule"), reason.alias("reason")))
    return pl.concat(rows) if rows else pl.DataFrame(schema={
        "_pos": pl.Int64, "column": pl.Utf8, "header": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8, "reason": pl.Utf8})


def _as_text(df: pl.DataFrame, col: str) -> pl.Expr:
    if df.schema[col] == pl.Datetime or isinstance(df.schema[col], pl.Datetime):
        return pl.col(col).dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.col(col).cast(pl.Utf8)

