"""What every asset reads of the run it belongs to: its as-of date (one rule, eldercare/as_of.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from eldercare.as_of import as_of_date


def run_as_of(context: dg.AssetExecutionContext) -> dt.date:
    """The run's as-of date from its tags and its recorded creation time (never the wall clock of a row)."""
    record = context.instance.get_run_record_by_id(context.run_id)
    return as_of_date(context.run.tags, record.create_timestamp if record else None)
