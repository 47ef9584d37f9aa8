"""Validated ledgers: each raw ledger of every region becomes `validated.<ledger>`, its bad rows `quarantine.rows`.

Wiring only: the loaders live in `eldercare/` (`ledger_loader`, `visit_loader`), the gates in `checks/`. Every asset
replaces its slice (a ledger, or one month of visits) in one transaction, by column name.
"""


import datetime as dt

import dagster as dg
import pandas as pd
import polars as pl

from assets.run_context import run_latest_row_date
from assets.metadata import column_schema, load_metadata
from checks.asset_checks import VALIDATED_CHECKS
from checks.gate import gate_rows, polars_failures
from checks.schemas import POLARS_SCHEMAS, SMALL_LEDGER_SCHEMAS, VISIT_SCHEMA
from checks.stored import evaluate, specs
from eldercare.ledger_loader import FILE_COLUMNS, REFUSED_COLUMNS, Reference, load_ledger
from eldercare.ledgers import FOREIGN_KEYS, LEDGERS, REGIONS, VISITS
from eldercare.visit_loader import load_month
from pipeline.partitions import monthly
from resources import IdHashKey, RawFolder, Warehouse
from resources.warehouse import replace_slice

GROUP = "validated"
OWNERS = ["team:data-eng"]
POOL = "duckdb"

REGION_COLUMNS = REGIONS.columns
REGIONS_DDL = REGIONS.ddl()

DESCRIPTIONS = {
    "institutions": "服务机构: the contracted institutions of every region.",
    "elders": "服务对象台账: one row per elder; ID number as keyed hash + 6+4 mask, name masked (张*华).",
    "status_events": "服务状态变更: deaths, pauses, resumptions, moves, entries into institutions, terminations.",
    "beds": "家庭养老床位: one row per family care bed with plan, completion, acceptance and payment.",
    "bed_items": "床位改造明细: the renovation items, smart devices and aids of each bed.",
    "funds": "资金台账: allocations, receipts, payments and spending, all amounts in 元.",
    "survey": "满意度调查: one questionnaire per row, answers as letters A (非常满意) … E (非常不满意).",
    "service_plans": "一人一案 (optional): one service item chosen in an elder's plan, personalised and recorded or not.",
}



def region_refusal_file(folder: str, reason: str) -> str:
    """What a region refusal names: `<folder>/region.yaml` when the file is at fault, else the folder."""
    return f"{folder}/region.yaml" if reason.startswith("region.yaml") else folder


def _keys(con, table: str, column: str) -> pl.DataFrame:
    """The (region_code, key) pairs of a validated table: what a foreign key into it may point at."""
    return pl.from_arrow(con.sql(f"select distinct region_code, {column} from validated.{table}").to_arrow_table())


REGIONS_KEY = dg.AssetKey(["validated", "regions"])


def _quarantined_elders(con, table: str) -> pl.DataFrame:
    """The elders a validated table has only on quarantined rows (region_code, elder_id, file, row): what a row of
    another ledger pointing at one of them is told, instead of "not in the ledger"."""
    return pl.from_arrow(con.sql(f"""
        select region_code, elder_id, source_file, source_row from quarantine.rows q
        where ledger = '{table}' and elder_id is not null
          and not exists (select 1 from validated.{table} v where v.region_code = q.region_code
                                                               and v.elder_id = q.elder_id)""").to_arrow_table())


@dg.asset(key=REGIONS_KEY, group_name=GROUP, owners=OWNERS, kinds={"yaml", "duckdb"}, pool=POOL,
          check_specs=specs(VALIDATED_CHECKS, REGIONS_KEY))
def regions(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """region.yaml of every region folder: name, window, minimums, caps; refused regions load nothing."""
    accepted, refused = raw_folder.regions()
    rows = pd.DataFrame([{
        "region_code": r.code, "name": r.name, "project_year": r.project_year, "service_start": r.service_start,
        "window_start": r.window_start, "window_end": r.window_end,
        "visits_per_month": r.minimums.get("visits_per_month"), "minutes_per_month": r.minimums.get("minutes_per_month"),
        "medical_visits_per_month": r.minimums.get("medical_visits_per_month"),
        "bed_subsidy_cap_yuan": r.bed_subsidy_cap_yuan, "source_file": raw_folder.relative(r.folder / "region.yaml"),
    } for r in accepted], columns=REGION_COLUMNS)
    refusals = pd.DataFrame([{"region_code": e.folder if e.folder.isdigit() else None, "ledger": "region",
                              "month": None, "source_file": region_refusal_file(e.folder, e.reason),
                              "reason": e.reason} for e in refused],
                            columns=REFUSED_COLUMNS)
    with warehouse.transaction() as con:
        con.execute(REGIONS_DDL)
        replace_slice(con, "validated.regions", rows)
        replace_slice(con, "quarantine.refused_files", refusals, "ledger = 'region'")
    for e in refused:
        context.log.warning(f"region refused: {e}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "regions_refused": len(refused),
        "refusals": dg.MetadataValue.md(refusals.to_markdown(index=False) if len(refusals) else "none"),
    }, check_results=evaluate(VALIDATED_CHECKS, REGIONS_KEY, context, warehouse=warehouse))


def build_ledger_asset(name: str) -> dg.AssetsDefinition:
    """The validated-table asset of one small ledger (polars + pandera)."""
    ledger, schema, key = LEDGERS[name], SMALL_LEDGER_SCHEMAS[name], dg.AssetKey(["validated", name])
    refs = FOREIGN_KEYS.get(name, [])
    deps = [REGIONS_KEY] + [dg.AssetKey(["validated", fk.target]) for fk in refs]

    @dg.asset(key=key, group_name=GROUP, owners=OWNERS, kinds={"excel", "polars", "duckdb"},
              pool=POOL, deps=list(dict.fromkeys(deps)), description=DESCRIPTIONS[name],
              check_specs=specs(VALIDATED_CHECKS, key),
              metadata={"dagster/column_schema": column_schema(schema), "ledger": ledger.label})
    def _asset(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse,
               id_hash_key: IdHashKey) -> dg.MaterializeResult:
        if name == "elders" and id_hash_key.is_development_key:
            context.log.warning("ID numbers are hashed with the development key: set ELDERCARE_ID_HASH_KEY in production")
        with warehouse.connect() as con:
            con.execute(ledger.validated.ddl())
            references = [Reference(fk.column, fk.label, _keys(con, fk.target, fk.target_column),
                                    _quarantined_elders(con, fk.target) if fk.target_column == "elder_id" else None)
                          for fk in refs]
        load = load_ledger(ledger, lambda df, headers: gate_rows(df, POLARS_SCHEMAS[name], headers, ledger.key),
                           ledger.validated.columns, raw_folder, id_hash_key.key, references, run_latest_row_date(context))
        with warehouse.transaction() as con:
            replace_slice(con, f"validated.{name}", load.valid)
            replace_slice(con, "quarantine.rows", load.quarantine, "ledger = ? and month is null", [name])
            replace_slice(con, "quarantine.refused_files", load.refused, "ledger = ? and month is null", [name])
            replace_slice(con, "audit.ingest_files", load.files[FILE_COLUMNS], "ledger = ? and month is null", [name])
        for rec in load.refused.to_dict("records"):
            context.log.warning(f"file refused: {rec['source_file']}: {rec['reason']}")
        return dg.MaterializeResult(metadata=load_metadata(load.valid, load.quarantine, load.refused, load.files),
                                    check_results=evaluate(VALIDATED_CHECKS, key, context, warehouse=warehouse))

    return _asset


LEDGER_ASSETS = [build_ledger_asset(n) for n in SMALL_LEDGER_SCHEMAS]


VISITS_KEY = dg.AssetKey(["validated", "visits"])


@dg.asset(key=VISITS_KEY, group_name=GROUP, owners=OWNERS, kinds={"polars", "duckdb", "csv"},
          pool=POOL, partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(),
          check_specs=specs(VALIDATED_CHECKS, VISITS_KEY),
          deps=[dg.AssetKey(["validated", "elders"]), dg.AssetKey(["validated", "institutions"])],
          metadata={"dagster/column_schema": column_schema(VISIT_SCHEMA), "partition_expr": "month"})
def visits(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse) -> dg.MaterializeResult:
    """上门服务记录: punch records, one partition per month file (visits/YYYY-MM.*) of every region.

    Re-materialising a month replaces exactly that month's rows, quarantine and accounting, in one transaction.
    Unknown elders, duplicate punches, check-out before check-in and records of another month are quarantined.
    """
    months = [dt.date.fromisoformat(key[:10]) for key in context.partition_keys]  # the monthly partitions' starts
    as_of = run_latest_row_date(context)  # the tag, else the day the run was made: never a month end
    with warehouse.connect() as con:
        con.execute(VISITS.validated.ddl())
        elders = pl.from_arrow(con.sql("select region_code, elder_id from validated.elders").to_arrow_table())
        institutions = pl.from_arrow(
            con.sql("select region_code, institution_id from validated.institutions").to_arrow_table())
        set_aside = _quarantined_elders(con, "elders")
    misnamed = pd.DataFrame([{"region_code": region.code, "ledger": "visits", "month": None,
                              "source_file": raw_folder.relative(path), "reason": why}
                             for region in raw_folder.regions()[0]
                             for path, why in raw_folder.unreadable_visit_files(region)], columns=REFUSED_COLUMNS)
    with warehouse.transaction() as con:  # files of no month: refused by name on every run, never ignored
        replace_slice(con, "quarantine.refused_files", misnamed, "ledger = 'visits' and month is null")
    for rec in misnamed.to_dict("records"):
        context.log.warning(f"file refused: {rec['source_file']}: {rec['reason']}")
    totals = {"valid": 0, "quarantined": 0, "refused": len(misnamed)}
    files, quarantine_parts, refused_all = [], [], [misnamed]
    for month in months:
        load = load_month(month, raw_folder, elders, institutions,
                          lambda rows, headers: polars_failures(rows, VISIT_SCHEMA, headers), VISITS.validated.columns,
                          as_of, set_aside)
        load.valid = VISIT_SCHEMA.validate(load.valid)
        files_df = pd.DataFrame(load.files, columns=FILE_COLUMNS)
        refused_df = pd.DataFrame(load.refused, columns=REFUSED_COLUMNS)
        with warehouse.transaction() as con:
            replace_slice(con, "validated.visits", load.valid, "month = ?", [month])
            replace_slice(con, "quarantine.rows", load.quarantine, "ledger = 'visits' and month = ?", [month])
            replace_slice(con, "quarantine.refused_files", refused_df, "ledger = 'visits' and month = ?", [month])
            replace_slice(con, "audit.ingest_files", files_df, "ledger = 'visits' and month = ?", [month])
        totals["valid"] += load.valid.height
        totals["quarantined"] += int(files_df["rows_quarantined"].sum()) if len(files_df) else 0
        totals["refused"] += len(refused_df)
        files.append(files_df)
        quarantine_parts.append(load.quarantine.to_pandas() if load.quarantine.height else None)
        refused_all.append(refused_df)
        for rec in load.refused:
            context.log.warning(f"file refused: {rec['source_file']}: {rec['reason']}")
    files_all = pd.concat(files, ignore_index=True) if files else pd.DataFrame(columns=FILE_COLUMNS)
    quarantine = pd.concat([q for q in quarantine_parts if q is not None] or [pd.DataFrame()], ignore_index=True)
    refused = pd.concat(refused_all, ignore_index=True) if refused_all else pd.DataFrame(columns=REFUSED_COLUMNS)
    meta = load_metadata(None, quarantine, refused, files_all)
    meta["dagster/partition_row_count"] = totals["valid"]
    meta["months"] = ", ".join(m.strftime("%Y-%m") for m in months)
    return dg.MaterializeResult(metadata=meta,
                                check_results=evaluate(VALIDATED_CHECKS, VISITS_KEY, context, warehouse=warehouse))
