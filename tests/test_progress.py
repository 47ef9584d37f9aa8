"""`make run` is never silent: a line per asset as it starts and ends, with rows, seconds and the months it is on."""

import io
import logging

import dagster as dg

from pipeline.progress import ProgressHandler


def _record(event) -> logging.LogRecord:
    record = logging.LogRecord("dagster", logging.DEBUG, __file__, 1, "msg", None, None)
    record.dagster_event = event
    return record


class _Event:
    def __init__(self, kind, step, data=None):
        self.event_type_value, self.step_key, self.event_specific_data = kind, step, data


class _Materialization:
    def __init__(self, rows):
        self.materialization = dg.AssetMaterialization("x", metadata={"dagster/row_count": rows})


def test_each_asset_step_prints_its_start_and_its_end_with_rows_and_months():
    out = io.StringIO()
    handler = ProgressHandler(stream=out, months="2022-06 … 2022-09", monthly_steps=frozenset({"validated__visits"}))
    for event in (_Event("STEP_START", "validated__visits"),
                  _Event("ASSET_MATERIALIZATION", "validated__visits", _Materialization(24820)),
                  _Event("ASSET_MATERIALIZATION", "validated__visits", _Materialization(24820)),
                  _Event("STEP_SUCCESS", "validated__visits")):
        handler.emit(_record(event))
    lines = out.getvalue().splitlines()
    assert lines[0] == "  … validated/visits  months 2022-06 … 2022-09"
    # one range run records its total once per partition: 24,820 rows, not 49,640
    assert lines[1].startswith("  ok     validated/visits") and "24,820 rows" in lines[1] and lines[1].endswith(" s")
    assert len(lines) == 2


def test_a_failed_step_says_failed():
    out = io.StringIO()
    handler = ProgressHandler(stream=out)
    handler.emit(_record(_Event("STEP_START", "metrics__coverage")))
    handler.emit(_record(_Event("STEP_FAILURE", "metrics__coverage")))
    assert out.getvalue().splitlines()[1].startswith("  FAILED metrics/coverage")
