"""The short summary `make run` prints: rows per validated table, quarantine by reason, refusals, checks."""

from __future__ import annotations

from eldercare.compare.report import summary_lines as compare_lines
from eldercare.rubrics.summary import score_summary_lines
from pipeline.alerts_summary import backtest_text
from resources import Warehouse

LISTED = 12  # lines per list before "… and N more": a national run has hundreds of regions
TABLES = ["regions", "institutions", "elders", "status_events", "beds", "bed_items", "funds", "survey", "visits"]


def print_summary(warehouse: Warehouse, checks: list[tuple[str, str, bool, str]], run_id: str, success: bool,
                  exports: list | None = None) -> None:
    """Print the run's outcome from the warehouse (never clear personal data: tables hold none)."""
    with warehouse.connect(read_only=True) as con:
        have = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'validated'").fetchall()}
        print(f"\nrun {run_id}: {'SUCCESS' if success else 'FAILURE'}   warehouse: {warehouse.path}")
        print("\nvalidated table        rows   quarantined rows")
        for t in TABLES:
            if t not in have:
                continue
            n = con.execute(f"select count(*) from validated.{t}").fetchone()[0]
            q = con.execute("select count(distinct (source_file, source_row)) from quarantine.rows where ledger = ?",
                            [t]).fetchone()[0]
            print(f"  {t:<18} {n:>8}   {q:>8}")
        print("\nquarantined rows by reason")
        for ledger, rule, n in con.execute(
                "select ledger, rule, count(distinct (source_file, source_row)) from quarantine.rows "
                "group by all order by 1, 3 desc").fetchall():
            print(f"  {ledger:<14} {rule:<28} {n:>6}")
        unknown = con.execute("select source_file, unknown_columns from audit.ingest_files "
                              "where unknown_columns is not null order by 1").fetchall()
        print(f"\nunknown columns left out: {len(unknown)} file(s)")
        for f, cols in unknown[:LISTED]:
            print(f"  {f}: {cols}")
        if len(unknown) > LISTED:
            print(f"  … and {len(unknown) - LISTED} more (audit.ingest_files)")
        metrics = con.execute("select table_name, estimated_size from duckdb_tables() where schema_name = 'metrics' "
                              "order by 1").fetchall()
        print(f"\nmetrics tables: {len(metrics)}  ({', '.join(f'{t} {n}' for t, n in metrics[:6])}, …)")
        if "totals" in _tables(con, "scores"):
            lines = score_summary_lines(con.execute("select * from scores.totals").df())
            print(f"\n{lines[0]}")
            for line in lines[1:LISTED + 1]:
                print(line)
            if len(lines) > LISTED + 1:
                print(f"  … and {len(lines) - LISTED - 1} more (scores.totals)")
        shown = 0
        for line in compare_lines(con):
            if not line.startswith("  "):
                print(f"\n{line}")
                shown = 0
            elif shown < LISTED:
                print(line)
                shown += 1
            elif shown == LISTED:
                print("  … (compare.* tables hold the rest)")
                shown += 1
        refused = con.execute("select source_file, reason from quarantine.refused_files order by 1").fetchall()
    backtest = backtest_text(warehouse).splitlines()
    print("\n" + "\n".join(backtest[:2 * LISTED]))
    if len(backtest) > 2 * LISTED:
        print(f"  … and {len(backtest) - 2 * LISTED} more lines (alerts.backtest)")
    if exports is not None:
        print(f"\nexports (workbooks, reviewer report, data docs, call lists): {len(exports)} file(s)")
        for path in exports[:LISTED]:
            print(f"  {path}")
        if len(exports) > LISTED:
            print(f"  … and {len(exports) - LISTED} more")
    passed = sum(1 for c in checks if c[2])
    warned = sum(1 for c in checks if not c[2] and c[3] == "WARN")
    print(f"\nchecks: {passed} passed, {len(checks) - passed - warned} failed, {warned} warnings")
    for key, name, ok, severity in checks:
        if not ok:
            print(f"  {'WARN  ' if severity == 'WARN' else 'FAILED'} {key} {name}")
    # Last, because the person at the terminal reads the last lines first: which file or region, and why.
    print(f"\nfiles or regions refused: {len(refused)}")
    for f, reason in refused:
        print(f"  REFUSED {f}: {reason}")


def _tables(con, schema: str) -> set[str]:
    return {t for (t,) in con.execute("select table_name from information_schema.tables where table_schema = ?",
                                      [schema]).fetchall()}
