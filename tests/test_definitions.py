"""The Definitions reviewers read in the UI: every asset's key, group, owner and description; schedule; sensor."""

import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg
import yaml

from resources import RawFolder

from conftest import SAMPLE
from pipeline.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.txt"
GROUPS = {"validated", "compliance", "metrics", "scores", "compare", "alerts", "exports"}


def _specs() -> list[str]:
    lines = []
    for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string()):
        partitioned = "monthly" if spec.partitions_def else "-"
        deps = ",".join(sorted(d.asset_key.to_user_string() for d in spec.deps))
        lines.append(f"{spec.key.to_user_string()} | {spec.group_name} | {','.join(spec.owners)} | {partitioned} | {deps}")
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in defs.resolve_asset_graph().asset_check_keys)
    return lines + ["", *checks]


def test_asset_keys_groups_owners_and_lineage_match_the_snapshot():
    """A change of key, group, owner, partitioning, lineage or checks is deliberate: UPDATE_SNAPSHOTS=1 to accept."""
    current = "\n".join(_specs()) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: run UPDATE_SNAPSHOTS=1 pytest {__file__} and review it"
    assert current == SNAPSHOT.read_text(encoding="utf-8")


def test_every_asset_is_described_owned_grouped_and_kinded():
    graph = defs.resolve_asset_graph()
    for spec in defs.resolve_all_asset_specs():
        if not graph.get(spec.key).is_executable:
            continue  # a placeholder for a dependency another branch defines (e.g. metrics/figures)
        assert spec.description and len(spec.description) > 30, spec.key
        assert spec.owners == ["team:data-eng"], spec.key
        assert spec.group_name in GROUPS, spec.key
        assert any(t.startswith("dagster/kind/") for t in spec.tags), spec.key
        assert spec.key.path[0] == spec.group_name or spec.key.path[0] == "metrics", spec.key


def test_every_validated_table_has_its_blocking_guards():
    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    for table in ("institutions", "elders", "status_events", "beds", "bed_items", "funds", "survey", "visits"):
        for name in ("rows_accounted", "contract", "files_readable"):
            assert (f"validated/{table}", name) in checks


def test_one_writer_configuration():
    assert defs.executor is dg.in_process_executor
    instance = yaml.safe_load((Path(__file__).parents[1] / "pipeline" / "dagster.yaml").read_text())
    assert instance["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert instance["concurrency"]["runs"]["max_concurrent_runs"] == 1


def _tick(when: dt.datetime):
    schedule = defs.get_schedule_def("nightly")
    context = dg.build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    return schedule.evaluate_tick(context).run_requests


def test_nightly_schedule_refreshes_yesterdays_month_and_the_one_before_as_of_yesterday():
    [request] = _tick(dt.datetime(2026, 11, 24, 2, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert request.tags["dagster/asset_partition_range_start"] == "2026-10-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-11-01"
    assert request.tags["eldercare/as_of"] == "2026-11-23"  # the day begun at 02:00 is not counted
    # on the 1st, the month just ended is closed (as of its last day); the new month has no punches yet
    [request] = _tick(dt.datetime(2026, 12, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"],
            request.tags["eldercare/as_of"]) == ("2026-10-01", "2026-11-01", "2026-11-30")
    # 02:00 Beijing is 18:00 UTC the day before: the date is Beijing's
    [request] = _tick(dt.datetime(2026, 11, 30, 18, tzinfo=dt.timezone.utc))
    assert request.tags["eldercare/as_of"] == "2026-11-30"


def test_sensor_asks_for_the_month_whose_file_changed(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    sensor = defs.get_sensor_def("raw_files_changed")
    instance = dg.DagsterInstance.ephemeral()
    ctx = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(), resources={"raw_folder": RawFolder(path=str(raw))})
    first = sensor.evaluate_tick(ctx)
    assert sorted(r.partition_key for r in first.run_requests) == [f"2022-{m:02d}-01" for m in range(6, 13)]
    ctx = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(), cursor=first.cursor,
                                  resources={"raw_folder": RawFolder(path=str(raw))})
    assert sensor.evaluate_tick(ctx).run_requests == []
    september = raw / "370399" / "visits" / "2022-09.csv"
    september.write_bytes(september.read_bytes() + b"\n")
    ctx = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(), cursor=first.cursor,
                                  resources={"raw_folder": RawFolder(path=str(raw))})
    assert [r.partition_key for r in sensor.evaluate_tick(ctx).run_requests] == ["2022-09-01"]


def test_sensor_reads_a_files_month_as_the_loader_does(tmp_path):
    """A re-submitted `2022年9月 上门服务记录.xlsx`-style name asks for September, not for the latest month."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    sensor = defs.get_sensor_def("raw_files_changed")
    instance = dg.DagsterInstance.ephemeral()
    first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(),
                                                         resources={"raw_folder": RawFolder(path=str(raw))}))
    september = raw / "370399" / "visits" / "2022-09.csv"
    september.rename(september.with_name("2022年9月 上门服务记录（终稿）.csv"))
    ctx = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def(), cursor=first.cursor,
                                  resources={"raw_folder": RawFolder(path=str(raw))})
    assert [r.partition_key for r in sensor.evaluate_tick(ctx).run_requests] == ["2022-09-01"]
