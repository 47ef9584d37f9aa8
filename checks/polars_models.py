"""Helpers of the pandera polars models of the derived tables (metrics, scores, compliance, alerts): NA as pandas
meant it, row checks, and validation that reports a missing column as a breach."""

from __future__ import annotations

import copy
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402
import polars as pl  # noqa: E402
from pandera.api.polars.types import PolarsData  # noqa: E402


def missing(column: str) -> pl.Expr:
    """A float cell is empty: null, or NaN (a stored NaN is no figure either)."""
    return pl.col(column).is_null() | pl.col(column).is_nan()


def row_check(data: PolarsData, ok: pl.Expr) -> pl.LazyFrame:
    """A dataframe check's result: one boolean per row."""
    return data.lazyframe.select(ok.alias("ok"))


def validated(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` coerced by `model`, or `SchemaErrors` with every failing case. A missing column is one of them
    (column_in_dataframe): pandera polars 0.35 would coerce it first and raise polars' ColumnNotFoundError
    (unionai-oss/pandera#2085), so such a frame is checked without coercion."""
    schema = model.to_schema()
    if not set(schema.columns) <= set(frame.columns):
        schema = copy.deepcopy(schema)
        schema.coerce = False
    return schema.validate(frame, lazy=True)
