"""The alert backtest as `make run` prints it: `python -m pipeline.alerts_summary` after a run, or
`print_backtest(warehouse)` from pipeline.cli."""

import os

import polars as pl

from eldercare.alerts.backtest import format_backtest
from resources import Warehouse


def backtest_text(warehouse: Warehouse) -> str:
    """format_backtest over alerts.backtest; says so when the table is not there yet."""
    with warehouse.connect(read_only=True) as con:
        exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'alerts' "
                             "and table_name = 'backtest'").fetchall()[0][0]
        if not exists:
            return "alert backtest: not materialised yet"
        return format_backtest(pl.from_arrow(con.sql("select * from alerts.backtest").to_arrow_table()))


def print_backtest(warehouse: Warehouse) -> None:
    print(backtest_text(warehouse))


if __name__ == "__main__":
    print_backtest(Warehouse(path=os.environ.get("ELDERCARE_WAREHOUSE", "var/warehouse.duckdb")))
