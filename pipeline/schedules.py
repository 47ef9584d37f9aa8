"""The nightly schedule: refresh the current and the previous month (late punches arrive after month end)."""

import dagster as dg

from pipeline.jobs import all_assets_job
from pipeline.partitions import monthly


@dg.schedule(job=all_assets_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
             description="02:00 Beijing time: the previous and the current month, as one run.")
def nightly(context: dg.ScheduleEvaluationContext):
    """One run over [previous month, current month] so the two months never compete for the warehouse."""
    when = context.scheduled_execution_time
    current = monthly.get_partition_key_for_timestamp(when.timestamp())
    keys = monthly.get_partition_keys(current_time=when)
    previous = keys[keys.index(current) - 1] if keys.index(current) > 0 else current
    return dg.RunRequest(
        run_key=f"nightly-{current}-{context.scheduled_execution_time:%Y%m%d}",
        tags={"dagster/asset_partition_range_start": previous, "dagster/asset_partition_range_end": current},
    )
