"""The pandera models of every validated table, generated from the one ledger contract (`eldercare.ledgers`).

Nothing here is written by hand per column: types, nullability, allowed values, minimums, patterns and row rules
all come from the ledger's definition. Every ledger gets one polars schema: the gate inside the asset and the
contract check on the stored table both use it (vectorised: 3M visit rows in a fraction of a second).
Field descriptions become the column docs in the Dagster UI; `metadata={"sql": ...}` is the stored type.
"""

from __future__ import annotations

import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as papl  # noqa: E402
import polars as pl  # noqa: E402

from eldercare.contract import Field, RowRule, Table  # noqa: E402
from eldercare.ledgers import LEDGERS, SMALL_LEDGERS, VISITS  # noqa: E402

POLARS_TYPES = {"VARCHAR": pl.Utf8, "DATE": pl.Date, "TIMESTAMP": pl.Datetime("us"), "DOUBLE": pl.Float64,
                "BIGINT": pl.Int64, "BOOLEAN": pl.Boolean}


def _field_checks(field: Field) -> list:
    checks = []
    if field.isin is not None:
        checks.append(papl.Check.isin(list(field.isin)))
    if field.ge is not None:
        checks.append(papl.Check.ge(field.ge))
    if field.matches is not None:
        checks.append(papl.Check.str_matches(field.matches))
    return checks


def _polars_rule(rule: RowRule) -> papl.Check:
    def check(data):
        left, right = pl.col(rule.column), pl.col(rule.other)
        if rule.op == "<":
            ok = left < right
        elif rule.op == ">=":
            ok = left >= right
        else:
            ok = left.dt.truncate("1mo").dt.date() == right
        return data.lazyframe.select((left.is_null() | right.is_null() | ok).alias("ok"))

    return papl.Check(check, name=rule.name)


def polars_schema(table: Table, rules: tuple[RowRule, ...] = ()) -> papl.DataFrameSchema:
    """A polars schema of a stored table (coercing, extra columns filtered out)."""
    columns = {f.name: papl.Column(POLARS_TYPES[f.sql], checks=_field_checks(f), nullable=f.nullable,
                                   description=f.description, metadata={"sql": f.sql}) for f in table.fields}
    return papl.DataFrameSchema(columns, checks=[_polars_rule(r) for r in rules], coerce=True, strict="filter",
                                name=table.name)


POLARS_SCHEMAS: dict[str, papl.DataFrameSchema] = {
    name: polars_schema(LEDGERS[name].validated, LEDGERS[name].row_rules) for name in LEDGERS}
SMALL_LEDGER_SCHEMAS: dict[str, papl.DataFrameSchema] = {name: POLARS_SCHEMAS[name] for name in SMALL_LEDGERS}
VISIT_SCHEMA: papl.DataFrameSchema = POLARS_SCHEMAS[VISITS.name]

# What a clerk reads when a check fails; `{header}` is the column as written in the file, `{value}` the cell.
CHECK_REASONS = {
    "not_nullable": "{header}: required value is empty",
    "str_matches": "{header}: '{value}' does not have the expected form",
    "isin": "{header}: '{value}' is not an accepted value",
    "greater_than_or_equal_to": "{header}: {value} is below the allowed minimum",
    "field_uniqueness": "{header}: '{value}' appears more than once",
    "dtype": "{header}: '{value}' has the wrong type",
    **{r.name: r.reason for lg in LEDGERS.values() for r in lg.row_rules},
}

# The column a row-level (dataframe) check is about, so quarantine can show that column and its value.
CHECK_COLUMNS = {r.name: r.column for lg in LEDGERS.values() for r in lg.row_rules}
