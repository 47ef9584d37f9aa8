"""The warehouse as it was known at the end of a date: the same tables, later punches and status events hidden.

So the compliance code's own public functions (`visit_totals`, …) give "so far" figures unchanged: one definition
of a counted visit, a medical visit and minutes, whether the month is closed or still open.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Iterator

import duckdb

CATALOG = "known_then"
SCHEMAS = ("validated", "quarantine", "audit", "metrics")


@contextmanager
def known_on(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> Iterator[duckdb.DuckDBPyConnection]:
    """Within the block, `validated.visits` holds punches checked in on or before `as_of` and
    `validated.status_events` the events dated on or before it; every other table reads through unchanged.

    Views in an attached in-memory catalog made the default one: nothing is copied and nothing written.
    """
    home = con.execute("select current_database()").fetchall()[0][0]
    cutoff = as_of + dt.timedelta(days=1)
    tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                         "and schema_name in (select unnest(?))", [home, list(SCHEMAS)]).fetchall()
    hidden = {("validated", "visits"): f"checkin_at < TIMESTAMP '{cutoff.isoformat()}'",
              ("validated", "status_events"): f"event_date <= DATE '{as_of.isoformat()}'"}
    con.execute(f"attach ':memory:' as {CATALOG}")
    try:
        for schema in SCHEMAS:
            con.execute(f"create schema {CATALOG}.{schema}")
        for schema, table in tables:
            where = hidden.get((schema, table), "true")
            con.execute(f'create view {CATALOG}.{schema}."{table}" as '
                        f'select * from "{home}".{schema}."{table}" where {where}')
        con.execute(f"use {CATALOG}")
        yield con
    finally:
        con.execute(f'use "{home}"')
        con.execute(f"detach {CATALOG}")
