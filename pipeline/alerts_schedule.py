"""The morning refresh of the early warning: the current month only, as of yesterday (Beijing time)."""

import datetime as dt

import dagster as dg

from eldercare.as_of import AS_OF_TAG
from pipeline.partitions import monthly
from pipeline.schedules import BEIJING

# What the current month's alerts need: the ledgers (new deaths, pauses, enrolments), the month's punches, the alerts.
# The backtest (closed months) and the other figures stay with the nightly run.
alerts_current_month = dg.define_asset_job(
    "alerts_current_month",
    selection=(dg.AssetSelection.assets(*(dg.AssetKey(["validated", n]) for n in (
        "regions", "institutions", "elders", "status_events", "visits")))
        | dg.AssetSelection.groups("alerts")) - dg.AssetSelection.assets(dg.AssetKey(["alerts", "backtest"])),
    partitions_def=monthly,
    description="The current month's punches and the ledgers, then visit pace, 人次 risk and the call lists.",
)


@dg.schedule(job=alerts_current_month, cron_schedule="30 6 * * *", execution_timezone="Asia/Shanghai",
             description="06:30 Beijing time: the month of yesterday, as of yesterday (its punches are complete).")
def alerts_daily(context: dg.ScheduleEvaluationContext):
    """One run of yesterday's month with the as-of tag set to yesterday; on the 1st that closes the past month."""
    yesterday = context.scheduled_execution_time.astimezone(BEIJING).date() - dt.timedelta(days=1)
    return dg.RunRequest(run_key=f"alerts-{yesterday.isoformat()}", partition_key=yesterday.replace(day=1).isoformat(),
                         tags={AS_OF_TAG: yesterday.isoformat()})
