"""The nightly schedule: refresh yesterday's month and the one before (late punches arrive after month end)."""

import datetime as dt
import zoneinfo

import dagster as dg

from eldercare.as_of import AS_OF_TAG
from pipeline.jobs import all_assets_job

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


@dg.schedule(job=all_assets_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
             description="02:00 Beijing time: yesterday's month and the month before, as one run, as of yesterday.")
def nightly(context: dg.ScheduleEvaluationContext):
    """One run over [month before, yesterday's month] so the two months never compete for the warehouse; as of
    yesterday, so the day just begun at 02:00 is never counted as a day with no visits."""
    yesterday = context.scheduled_execution_time.astimezone(BEIJING).date() - dt.timedelta(days=1)
    current = yesterday.replace(day=1)
    previous = (current - dt.timedelta(days=1)).replace(day=1)
    return dg.RunRequest(
        run_key=f"nightly-{yesterday.isoformat()}",
        tags={"dagster/asset_partition_range_start": previous.isoformat(),
              "dagster/asset_partition_range_end": current.isoformat(), AS_OF_TAG: yesterday.isoformat()},
    )
