"""Blocking asset checks on every validated table, in SQL over the warehouse (cheap at national size).

Per ledger: rows in = rows valid + rows quarantined for every file and month, as recorded *and* as stored;
ids unique; foreign keys resolve; the stored rows still satisfy the pandera model; no file was refused.
Visits' row-level checks (contract, ids unique per month) look at the months the run wrote: the other months'
rows are untouched by it, so re-running one month after a 12-month backfill costs one month, not the year.
"""

import datetime as dt

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from checks.schemas import POLARS_SCHEMAS, SMALL_LEDGER_SCHEMAS
from checks.stored import StoredCheck, stored_check
from eldercare.as_of import run_months
from eldercare.ledgers import FOREIGN_KEYS, LEDGERS
from resources import Warehouse

MAX_LISTED = 20
# Uniqueness scope: visit ids are unique within a month file's partition, other keys within a region.
UNIQUE_SCOPE = {"visits": ("region_code", "month", "visit_id")}


def _md(df: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(MAX_LISTED).to_markdown(index=False) if len(df) else "none")


def refusal_line(refused: pd.DataFrame) -> str:
    """One line naming the first refused file (or region.yaml, or folder) and why, and how many more there are."""
    if refused.empty:
        return "none"
    first = refused.iloc[0]
    more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
    return f"{first['source_file']}: {first['reason']}{more}"


def _month_list(months: list[dt.date]) -> str:
    return ", ".join(f"DATE '{m.isoformat()}'" for m in months) or "NULL"


def _months_label(months: list[dt.date] | None) -> str:
    if months is None:
        return "all stored months"
    return ", ".join(m.strftime("%Y-%m") for m in months)


def accounting_frame(con, ledger: str) -> pd.DataFrame:
    """Per file and month: rows read vs valid + quarantined, as recorded in the audit and as stored in the tables."""
    return con.execute(f"""
        with f as (select source_file, month, rows_read, rows_valid, rows_quarantined
                   from audit.ingest_files where ledger = $1),
             v as (select source_file, count(*) as stored_valid from validated.{ledger} group by all),
             q as (select source_file, count(distinct source_row) as stored_quarantined
                   from quarantine.rows where ledger = $1 group by all)
        select coalesce(f.source_file, v.source_file, q.source_file) as source_file, f.month,
               coalesce(f.rows_read, 0) as rows_read, coalesce(f.rows_valid, 0) as rows_valid,
               coalesce(f.rows_quarantined, 0) as rows_quarantined,
               coalesce(v.stored_valid, 0) as stored_valid, coalesce(q.stored_quarantined, 0) as stored_quarantined
        from f full join v using (source_file) full join q using (source_file)
        order by 1""", [ledger]).df()


def build_ledger_checks(ledger: str) -> list[StoredCheck]:
    """The blocking checks of one validated table."""
    key = dg.AssetKey(["validated", ledger])
    table = f"validated.{ledger}"
    checks = []

    @stored_check(key,
                  "rows_accounted",
                  "Every raw row is in the table or in quarantine: rows read = valid + quarantined, "
                  "per file and month, and the stored counts agree with the audit.")
    def rows_accounted(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            acc = accounting_frame(con, ledger)
        bad = acc[(acc.rows_read != acc.rows_valid + acc.rows_quarantined) | (acc.stored_valid != acc.rows_valid)
                  | (acc.stored_quarantined != acc.rows_quarantined)]
        return dg.AssetCheckResult(passed=bad.empty, metadata={
            "files": len(acc), "rows_read": int(acc.rows_read.sum()), "rows_valid": int(acc.rows_valid.sum()),
            "rows_quarantined": int(acc.rows_quarantined.sum()), "mismatches": _md(bad)})

    checks.append(rows_accounted)

    scope = UNIQUE_SCOPE.get(ledger) or (("region_code", *LEDGERS[ledger].key) if LEDGERS[ledger].key else None)
    if scope:
        cols = ", ".join(scope)

        @stored_check(key,
                      "ids_unique",
                      f"No two rows share ({cols})."
                      + (" Checked in the months the run wrote (uniqueness is per month)." if "month" in scope else ""))
        def ids_unique(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
            months = run_months(context.run.tags) if "month" in scope else None
            where = "" if months is None else f"where month in ({_month_list(months)})"
            with warehouse.connect() as con:
                dups = con.execute(f"select {cols}, count(*) as n from {table} {where} group by all having n > 1").df()
            return dg.AssetCheckResult(passed=dups.empty, metadata={
                "duplicates": len(dups), "examples": _md(dups), "months_checked": _months_label(months)})

        checks.append(ids_unique)

    fks = FOREIGN_KEYS.get(ledger, [])
    if fks:
        @stored_check(key,
                      "foreign_keys",
                      "; ".join(f"{fk.column} → {fk.target}.{fk.target_column}" for fk in fks))
        def foreign_keys(warehouse: Warehouse) -> dg.AssetCheckResult:
            parts = []
            with warehouse.connect() as con:
                for fk in fks:
                    parts.append(con.execute(f"""
                        select '{fk.column}' as column_name, t.{fk.column} as value, count(*) as rows
                        from {table} t anti join validated.{fk.target} r
                          on r.region_code = t.region_code and r.{fk.target_column} = t.{fk.column}
                        where t.{fk.column} is not null group by all""").df())
            bad = pd.concat(parts, ignore_index=True)
            return dg.AssetCheckResult(passed=bad.empty, metadata={"unresolved": len(bad), "examples": _md(bad)})

        checks.append(foreign_keys)

    @stored_check(key,
                  "contract",
                  "The stored rows satisfy the table's pandera model (checks/schemas.py), lazily: "
                  "every failing row is listed."
                  + (" Visits: the months the run wrote, one at a time (a month's rows change only "
                  "when it is re-run)." if ledger == "visits" else ""))
    def contract(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        schema, failures, checked = POLARS_SCHEMAS[ledger], [], None
        with warehouse.connect() as con:
            if ledger == "visits":
                months = [m for (m,) in con.execute("select distinct month from validated.visits order by 1").fetchall()]
                checked = run_months(context.run.tags)
                if checked is not None:
                    months = [m for m in months if m in set(checked)]
                slices = [f"where month = DATE '{m.isoformat()}'" for m in months]  # one month at a time: flat memory
            else:
                slices = [""]
            for where in slices:
                frame = pl.from_arrow(con.sql(f"select * from {table} {where}").to_arrow_table())
                try:
                    schema.validate(frame, lazy=True)
                except pandera.errors.SchemaErrors as err:
                    failures.append(err.failure_cases.to_pandas())
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        fc = pd.concat(failures, ignore_index=True) if failures else pd.DataFrame()
        meta = {"rows": rows, "failures": len(fc), "failure_cases": _md(fc.astype(str))}
        if ledger == "visits":
            meta["months_checked"] = _months_label(checked)
        return dg.AssetCheckResult(passed=fc.empty, metadata=meta)

    checks.append(contract)

    @stored_check(key,
                  "files_readable",
                  "No file of this ledger was refused whole (empty, corrupt, a required column missing).",
                  blocking=False)
    def files_readable(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            refused = con.execute("select region_code, month, source_file, reason from quarantine.refused_files "
                                  "where ledger = ? order by all", [ledger]).df()
        return dg.AssetCheckResult(passed=refused.empty, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"refused": len(refused), "files": _md(refused),
                                             "first_refused": refusal_line(refused)})

    checks.append(files_readable)
    return checks


def build_region_checks() -> list[StoredCheck]:
    """Every region folder under the raw root was accepted (a refused region.yaml names its key)."""

    @stored_check(dg.AssetKey(["validated", "regions"]),
                  "regions_accepted",
                  "Every folder under the raw root is a 6-digit region with a valid region.yaml.",
                  blocking=False)
    def regions_accepted(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            refused = con.execute("select source_file as folder, reason from quarantine.refused_files "
                                  "where ledger = 'region' order by all").df()
            accepted = con.execute("select count(*) from validated.regions").fetchone()[0]
        return dg.AssetCheckResult(passed=refused.empty, metadata={
            "accepted": accepted, "refused": _md(refused),
            "first_refused": refusal_line(refused.rename(columns={"folder": "source_file"}))})

    return [regions_accepted]


VALIDATED_CHECKS = build_region_checks() + [c for name in (*SMALL_LEDGER_SCHEMAS, "visits") for c in build_ledger_checks(name)]
