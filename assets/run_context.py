"""What every asset reads of the run it belongs to: its as-of date and the last date a loaded row may carry (one
rule each, eldercare/as_of.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from eldercare.as_of import as_of_date, latest_row_date


def run_as_of(context: dg.AssetExecutionContext) -> dt.date:
    """The run's as-of date from its tags and its recorded creation time (never the wall clock of a row)."""
    record = context.instance.get_run_record_by_id(context.run_id)
    return as_of_date(context.run.tags, record.create_timestamp if record else None)


def run_latest_row_date(context: dg.AssetExecutionContext) -> dt.date:
    """The last date a row loaded by this run may carry (dates after it are quarantined as after the as-of date)."""
    record = context.instance.get_run_record_by_id(context.run_id)
    return latest_row_date(context.run.tags, record.create_timestamp if record else None)
