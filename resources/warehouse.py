"""The DuckDB warehouse: typed tables created from the pandera models, and atomic, by-name replacement of slices.

Replaces the stock DuckDB pandas IO manager, which inserts by position and deletes outside the insert's
transaction: here a slice (a ledger, or one month of visits) is deleted and re-inserted BY NAME in one
transaction, so a killed run leaves the previous slice intact and column order never matters.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from eldercare.ledgers import bookkeeping_ddl

DEFAULT_WAREHOUSE = "var/warehouse.duckdb"
LOCK_WAIT_SECONDS = 120

AUDIT_DDL = bookkeeping_ddl()  # schemas, quarantine.* and audit.*, declared once in eldercare.ledgers

_SQL_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "str": "VARCHAR", "bool": "BOOLEAN", "boolean": "BOOLEAN", "Bool": "BOOLEAN", "object": "VARCHAR",
              "datetime64[ns]": "TIMESTAMP", "Int64": "BIGINT", "String": "VARCHAR", "Utf8": "VARCHAR",
              "Float64": "DOUBLE", "Boolean": "BOOLEAN", "Date": "DATE"}


def sql_type(column) -> str:
    """DuckDB type of a pandera column: its `sql` metadata if set, else mapped from its dtype."""
    meta = (column.metadata or {}) if hasattr(column, "metadata") else {}
    if meta.get("sql"):
        return meta["sql"]
    name = str(column.dtype)
    if name.startswith("Datetime"):
        return "TIMESTAMP"
    return _SQL_TYPES.get(name, "VARCHAR")


def table_ddl(schema, table: str) -> str:
    """CREATE TABLE for a pandera schema, columns in model order."""
    cols = ", ".join(f'"{name}" {sql_type(col)}' for name, col in schema.columns.items())
    return f"create table if not exists {table} ({cols})"


class Warehouse(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file (env ELDERCARE_WAREHOUSE, default var/warehouse.duckdb)."""

    path: str = DEFAULT_WAREHOUSE

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file, waiting while another process holds its lock; always closed afterwards."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con = duckdb.connect(self.path, read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        try:
            if not read_only:
                con.execute(AUDIT_DDL)
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside BEGIN … COMMIT; any error rolls the whole slice back."""
        with self.connect() as con:
            con.execute("begin transaction")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")


def replace_slice(con: duckdb.DuckDBPyConnection, table: str, frame, where: str = "true", params: list | None = None) -> int:
    """Delete the rows of `table` matching `where`, insert `frame` by column name; returns rows inserted.

    Call inside `Warehouse.transaction()` so that the delete and the insert commit together.
    """
    con.execute(f"delete from {table} where {where}", params or [])
    if frame is None or len(frame) == 0:
        return 0
    con.register("_slice", frame)
    try:
        con.execute(f"insert into {table} by name select * from _slice")
    finally:
        con.unregister("_slice")
    return len(frame)
