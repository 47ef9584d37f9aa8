"""A sensor that notices a new or re-submitted month file (or ledger) in the raw folder and asks for that month."""

import hashlib
import json

import dagster as dg

from eldercare.visit_reader import visit_file_month
from pipeline.jobs import all_assets_job
from resources import RawFolder


def _fingerprints(raw_folder: RawFolder) -> dict[str, str]:
    """size:mtime of every file under every region folder, keyed by its path relative to the raw folder."""
    out = {}
    if raw_folder.root.is_dir():
        for path in sorted(raw_folder.root.rglob("*")):
            if path.is_file() and not any(part.startswith((".", "_")) for part in path.parts):
                stat = path.stat()
                out[raw_folder.relative(path)] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return out


@dg.sensor(job=all_assets_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Asks for a run of the month whose visit file changed; a changed ledger asks for the latest month.")
def raw_files_changed(context: dg.SensorEvaluationContext, raw_folder: RawFolder):
    """Compare file fingerprints with the last tick's; one run request per changed month."""
    before = json.loads(context.cursor) if context.cursor else {}
    now = _fingerprints(raw_folder)
    changed = sorted(p for p, f in now.items() if before.get(p) != f)
    months = set()
    for path in changed:
        month = visit_file_month(path.rsplit("/", 1)[-1]) if "/visits/" in path else None
        if month is not None:  # the same reading of a file's month as the loader's (2022-07, 2022年7月, 202207 …)
            months.add(month.isoformat())
        else:
            all_months = raw_folder.visit_months()
            if all_months:
                months.add(all_months[-1].isoformat())
    context.update_cursor(json.dumps(now))
    valid = set(all_assets_job.partitions_def.get_partition_keys())
    digest = hashlib.sha1(json.dumps({p: now[p] for p in changed}).encode()).hexdigest()[:12]
    for month in sorted(months & valid):
        yield dg.RunRequest(run_key=f"{month}:{digest}", partition_key=month)
