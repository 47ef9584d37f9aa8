"""The one Definitions of the project: assets, jobs, schedules, sensors, resources, executor.

Every asset check is declared by its asset (`check_specs`) and runs in the asset's step (checks/stored.py)."""

import dagster as dg

from assets.compare import COMPARE_ASSETS
from assets.alerts import ALERT_ASSETS
from assets.compliance import COMPLIANCE_ASSETS
from assets.exports import EXPORT_ASSETS
from assets.programme_metrics import PROGRAMME_METRIC_ASSETS
from assets.scores import SCORE_ASSETS
from assets.validated import LEDGER_ASSETS, regions, visits
from pipeline.alerts_schedule import alerts_current_month, alerts_daily
from pipeline.jobs import all_assets_job
from pipeline.progress import progress_logger
from pipeline.schedules import nightly
from pipeline.sensors import raw_files_changed
from resources import ExportsFolder, IdHashKey, RawFolder, Warehouse

# Configuration comes from the environment at run time (make exports defaults; dagster dev reads .env).
RESOURCES = {
    "raw_folder": RawFolder(path=dg.EnvVar("ELDERCARE_DATA_RAW")),
    "warehouse": Warehouse(path=dg.EnvVar("ELDERCARE_WAREHOUSE")),
    "id_hash_key": IdHashKey(key=dg.EnvVar("ELDERCARE_ID_HASH_KEY")),
    "exports_folder": ExportsFolder(),  # $ELDERCARE_EXPORTS when set, else var/exports (read at run time)
}

defs = dg.Definitions(
    assets=[
        regions, *LEDGER_ASSETS, visits,
        *COMPLIANCE_ASSETS,
        *PROGRAMME_METRIC_ASSETS,
        *SCORE_ASSETS,
        *COMPARE_ASSETS,
        *ALERT_ASSETS,
        *EXPORT_ASSETS,
    ],
    jobs=[all_assets_job, alerts_current_month],
    schedules=[nightly, alerts_daily],
    sensors=[raw_files_changed],
    resources=RESOURCES,
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    # DuckDB has a single writer: every step of a run executes in one process, one after the other.
    executor=dg.in_process_executor,
)
