"""The morning alert refresh: yesterday's month only, as of yesterday (Beijing time)."""

import datetime as dt

import dagster as dg

from pipeline.definitions import defs

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _tick(when: dt.datetime):
    context = dg.build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    return defs.get_schedule_def("alerts_daily").evaluate_tick(context).run_requests


def test_daily_refresh_is_the_current_month_as_of_yesterday():
    [request] = _tick(dt.datetime(2026, 11, 24, 6, 30, tzinfo=BEIJING))
    assert (request.partition_key, request.tags["eldercare/as_of"]) == ("2026-11-01", "2026-11-23")


def test_on_the_first_it_closes_the_previous_month():
    [request] = _tick(dt.datetime(2026, 12, 1, 6, 30, tzinfo=BEIJING))
    assert (request.partition_key, request.tags["eldercare/as_of"]) == ("2026-11-01", "2026-11-30")


def test_the_daily_job_leaves_out_the_backtest_and_the_other_figures():
    keys = {k.to_user_string() for k in defs.resolve_job_def("alerts_current_month").asset_layer.executable_asset_keys}
    assert "alerts/visit_pace" in keys and "alerts/call_lists" in keys and "validated/visits" in keys
    assert "alerts/backtest" not in keys and "metrics/elder_months" not in keys and "validated/beds" not in keys
