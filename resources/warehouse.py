"""The DuckDB warehouse: typed tables created from the pandera models, and atomic, by-name replacement of slices.

Replaces the stock DuckDB pandas IO manager, which inserts by position and deletes outside the insert's
transaction: here a slice (a ledger, or one month of visits) is deleted and re-inserted BY NAME in one
transaction, so a killed run leaves the previous slice intact and column order never matters.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from eldercare.ledgers import bookkeeping_ddl

DEFAULT_WAREHOUSE = "var/warehouse.duckdb"
LOCK_WAIT_SECONDS = 120

AUDIT_DDL = bookkeeping_ddl()  # schemas, quarantine.* and audit.*, declared once in eldercare.ledgers

_SQL_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "str": "VARCHAR", "bool": "BOOLEAN", "boolean": "BOOLEAN", "Bool": "BOOLEAN", "object": "VARCHAR",
              "datetime64[ns]": "TIMESTAMP", "Int64": "BIGINT", "String": "VARCHAR", "Utf8": "VARCHAR",
              "Float64": "DOUBLE", "Boolean": "BOOLEAN", "Date": "DATE"}


class WarehouseUnavailable(Exception):
    """The warehouse file cannot be opened: locked by another process past the wait, or not a DuckDB file.

    Its message is one line a person at the terminal can act on (no traceback needed).
    """


def unavailable(path: str, exc: Exception, waited: float) -> WarehouseUnavailable:
    """The one-line explanation of a DuckDB error raised while opening `path`."""
    text = str(exc)
    if "lock" in text.lower():
        pid = re.search(r"PID (\d+)", text)
        holder = f"process {pid.group(1)}" if pid else "another process"
        return WarehouseUnavailable(
            f"warehouse {path} is locked by {holder} (waited {waited:.0f} s): let its run finish, or close the "
            "tool that holds it open, then run again")
    if any(w in text.lower() for w in ("not a valid duckdb database", "database file", "corrupt",
                                       "could not read enough bytes", "checksum")):
        return WarehouseUnavailable(
            f"warehouse {path} is not a readable DuckDB database (damaged or another kind of file): restore it "
            "from a backup, or move it aside and run again to rebuild it from the raw files")
    first = text.splitlines()[0] if text else type(exc).__name__
    return WarehouseUnavailable(f"warehouse {path} cannot be opened: {first}")


def sql_type(column) -> str:
    """DuckDB type of a pandera column: its `sql` metadata if set, else mapped from its dtype."""
    meta = (column.metadata or {}) if hasattr(column, "metadata") else {}
    if meta.get("sql"):
        return meta["sql"]
    name = str(column.dtype)
    if name.startswith("Datetime"):
        return "TIMESTAMP"
    return _SQL_TYPES.get(name, "VARCHAR")


def quote_name(name: str) -> str:
    """A table (`schema.table`) or column name quoted for SQL, embedded double quotes doubled: names never reach
    SQL bare, whatever they hold."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in str(name).split("."))


def table_ddl(schema, table: str) -> str:
    """CREATE TABLE for a pandera schema, columns in model order."""
    cols = ", ".join(f"{quote_name(str(name))} {sql_type(col)}" for name, col in schema.columns.items())
    return f"create table if not exists {quote_name(table)} ({cols})"


class Warehouse(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file (env ELDERCARE_WAREHOUSE, default var/warehouse.duckdb)."""

    path: str = DEFAULT_WAREHOUSE
    lock_wait_seconds: float = LOCK_WAIT_SECONDS
    # DuckDB's buffer cache for the run's open file (it spills to disk beyond it): without a limit it keeps up to
    # 80% of RAM cached across the whole run.
    memory_limit: str = "3GB"
    _run_connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Open the file once for the run: every step's connection is a cursor on it (opening the file costs tens
        of milliseconds, hundreds of times a run). Runs are one process, so no other process is kept out longer."""
        self._run_connection = self._open(read_only=False)
        self._run_connection.execute("SET memory_limit = ?", [self.memory_limit])
        self._run_connection.execute(AUDIT_DDL)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_connection is not None:
            self._run_connection.close()
            self._run_connection = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own (a cursor on the run's open file inside a run, else the file opened, waiting
        while another process holds its lock); always closed afterwards.

        Raises `WarehouseUnavailable` (one clear line) when the lock outlasts the wait or the file is not DuckDB's.
        """
        if self._run_connection is not None:
            con = self._run_connection.cursor()
            try:
                yield con
            finally:
                con.close()
            return
        con = self._open(read_only)
        try:
            if not read_only:
                con.execute(AUDIT_DDL)
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        while True:
            try:
                con = duckdb.connect(self.path, read_only=read_only)
                break
            except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as exc:
                waited = time.monotonic() - started
                if "lock" not in str(exc).lower() or waited > self.lock_wait_seconds:
                    raise unavailable(self.path, exc, waited) from None
                time.sleep(0.5)
        return con

    def check_available(self) -> None:
        """Open the file for writing once and close it: `WarehouseUnavailable` now rather than in the middle of a run."""
        with self.connect() as con:
            try:
                con.execute("select count(*) from duckdb_tables()").fetchone()
            except duckdb.Error as exc:
                raise unavailable(self.path, exc, 0) from None

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
    con.execute(f"delete from {quote_name(table)} where {where}", params or [])  # `where`: code, values as params
    if frame is None or len(frame) == 0:
        return 0
    con.register("_slice", frame)
    try:
        con.execute(f"insert into {quote_name(table)} by name select * from _slice")
    finally:
        con.unregister("_slice")
    return len(frame)
