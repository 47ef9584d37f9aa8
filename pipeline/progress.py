"""Progress lines for the person at the terminal: each step as it starts and ends, with rows, seconds and months.

A Dagster logger (`progress`) that reads the structured events of the run, not the log text, and prints one line
per step start and end. Messages carry asset keys, counts and times only: never a row's content.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg


class ProgressHandler(logging.Handler):
    """Turns step start / materialisation / check / step end events into short lines on a stream."""

    def __init__(self, stream=None, months: str = "", monthly_steps: frozenset[str] = frozenset()):
        super().__init__(level=logging.DEBUG)
        self.stream = stream or sys.stdout
        self.months = months
        self.monthly_steps = monthly_steps
        self.rows: dict[str, int] = {}
        self.failed_checks: dict[str, list[str]] = {}
        self.started: dict[str, float] = {}

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)  # Dagster attaches the structured event to the record
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            scope = f"  months {self.months}" if self.months and step in self.monthly_steps else ""
            self._print(f"  … {_label(step)}{scope}")
        elif kind == "ASSET_MATERIALIZATION":
            metadata = event.event_specific_data.materialization.metadata
            rows = metadata.get("dagster/row_count") or metadata.get("dagster/partition_row_count")
            if rows is not None:
                # A range run's one result is recorded once per partition with the run's total: count it once.
                self.rows[step] = max(self.rows.get(step, 0), int(rows.value))
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                self.failed_checks.setdefault(step, []).append(evaluation.check_name)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            rows = f"{self.rows[step]:>10,} rows" if step in self.rows else " " * 15
            failed = self.failed_checks.get(step)
            mark = "ok" if kind == "STEP_SUCCESS" and not failed else "FAILED"
            note = f"  checks failed: {', '.join(failed)}" if failed else ""
            self._print(f"  {mark:<6} {_label(step):<48} {rows} {seconds:7.1f} s{note}")


def _label(step_key: str) -> str:
    """`validated__visits` → `validated/visits` (asset step keys join the key path with `__`)."""
    return step_key.replace("__", "/")


@dg.logger(
    config_schema={"months": dg.Field(str, default_value=""), "monthly_steps": dg.Field([str], default_value=[])},
    description="One line per step start and end, with rows and seconds (make run's progress on stdout).",
)
def progress_logger(init_context) -> logging.Logger:
    """The `progress` logger: `months` names the run's month range on the lines of month-partitioned steps."""
    logger = logging.Logger("eldercare.progress", level=logging.DEBUG)
    logger.addHandler(ProgressHandler(months=init_context.logger_config["months"],
                                      monthly_steps=frozenset(init_context.logger_config["monthly_steps"])))
    return logger

