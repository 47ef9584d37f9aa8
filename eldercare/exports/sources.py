"""The warehouse tables the exports read, by explicit SQL; a table that does not exist yet reads as None.
Every per-region table is read with its region_code: institution ids repeat across regions (JG001 in each)."""

from __future__ import annotations

import duckdb
import pandas as pd

from eldercare.exports.findings import BELOW

FIGURES = "metrics.figures"
INDICATOR_SCORES = "scores.indicator_scores"
TOTALS = "scores.totals"
DEPARTURES = "scores.departures"
FINDING_DETAILS = ("coverage", "cost_per_bed", "bed_timeliness", "renovation_overspend", "double_renovation")

SQL = {
    FIGURES: "select region_code, institution_id, metric, label, numerator, denominator, value, unit, definition, "
             "computable, why_not, policy from metrics.figures",
    INDICATOR_SCORES: "select region_code, rubric, subject, level1, level2, indicator, max_points, computed, judged, override, final, "
                      "rule, inputs, evidence, status from scores.indicator_scores",
    TOTALS: "select region_code, rubric, subject, level, points, max_points, grade, veto from scores.totals",
    DEPARTURES: "select region_code, rubric, subject, indicator, computed, final, reason from scores.departures",
    "validated.institutions": "select region_code, institution_id, name from validated.institutions "
                              "order by region_code, institution_id",
    "metrics.visit_shortfalls": "select region_code, institution_id, month, metric, in_scope_person_months, "
                                "person_months_below from metrics.visit_shortfalls",
    "metrics.visit_findings": "select f.region_code, f.month, f.institution_id, f.elder_id, e.name_masked, f.rule, "
                              "f.evidence, f.source_file, f.source_row from metrics.visit_findings f "
                              "left join validated.elders e using (region_code, elder_id)",
}
# In-scope person-months below a minimum: the rows behind every shortfall count (never all person-months).
SHORT_MONTHS_SQL = ("select m.region_code, m.institution_id, m.month, m.elder_id, m.name_masked{internal}, m.visits, "
                    "m.minutes, m.unrecorded_visits, m.medical_visits, m.min_visits, m.min_minutes, "
                    "m.min_medical_visits, coalesce(m.below_visits, false) as below_visits, "
                    "coalesce(m.below_minutes, false) as below_minutes, "
                    "coalesce(m.below_medical_visits, false) as below_medical_visits, m.scope_note "
                    "from metrics.elder_months m{join} where m.in_scope and ("
                    + " or ".join(f"m.{k}" for k in BELOW) + ")")


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}


def read(con: duckdb.DuckDBPyConnection, table: str, have: set[str], sql: str | None = None) -> pd.DataFrame | None:
    """The table through its SQL, or None when it does not exist (unknown, not empty)."""
    return con.execute(sql or SQL[table]).df() if table in have else None


def short_months(con: duckdb.DuckDBPyConnection, have: set[str], internal: bool) -> pd.DataFrame | None:
    """Below-minimum person-months; internal exports add the masked ID number (6+4) from validated.elders."""
    if "metrics.elder_months" not in have:
        return None
    internal = internal and "validated.elders" in have
    sql = SHORT_MONTHS_SQL.format(internal=", e.id_masked" if internal else "",
                                  join=" left join validated.elders e using (region_code, elder_id)" if internal else "")
    return con.execute(sql).df()


def finding_details(con: duckdb.DuckDBPyConnection, have: set[str]) -> dict[str, pd.DataFrame | None]:
    """metrics.<metric>_detail of the metrics whose detail rows are findings, with the elder's masked name."""
    out = {}
    for name in FINDING_DETAILS:
        table = f"metrics.{name}_detail"
        join = ("select d.*, e.name_masked from {t} d left join validated.elders e using (region_code, elder_id)"
                if "validated.elders" in have else "select * from {t}")
        out[name] = read(con, table, have, join.format(t=table))
    return out


def by_region(frame: pd.DataFrame | None, codes) -> dict[str, pd.DataFrame | None]:
    """One slice per region code, split once: filtering the whole table again for each region would cost
    regions × rows (an export writes one file per region, but reads its rows once)."""
    if frame is None or "region_code" not in frame:
        return {code: frame for code in codes}
    groups = {code: part for code, part in frame.groupby("region_code", sort=False)}
    empty = frame.iloc[0:0]
    return {code: groups.get(code, empty) for code in codes}
