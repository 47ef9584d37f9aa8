"""`metrics.figures`: every programme figure as one long table, one row per region × institution × metric.

Each topic module computes its figures in DuckDB SQL over whole tables (eligibility, beds, home_service, budget,
satisfaction, targets); this module lays the inputs out as views, runs them and finishes the rows (label, unit,
'not computable: why'). Cost grows with rows, never with the number of regions or institutions.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl

from eldercare.metrics import beds, budget, eligibility, home_service, satisfaction, targets
from eldercare.metrics.catalogue import CATALOGUE, FIGURE_COLUMNS
from eldercare.metrics.settings import Settings, register

# Money is summed as an exact decimal (fen): a DOUBLE sum depends on the order DuckDB's threads add in, and a
# re-run must give byte-identical figures.
MONEY = "DECIMAL(18,2)"
# The inputs a figure reads (view in_<name>), with their types; an absent table or column reads as NULL.
INPUTS: dict[str, dict[str, str]] = {
    "institutions": {"region_code": "VARCHAR", "institution_id": "VARCHAR", "contract_amount_yuan": MONEY,
                     "planned_beds": "BIGINT"},
    "elders": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "institution_id": "VARCHAR", "birth_date": "DATE",
               "hardship": "VARCHAR", "ability_level": "VARCHAR", "ability_legacy": "BOOLEAN",
               "service_type": "VARCHAR", "enrolled_on": "DATE", "self_funded": "BOOLEAN",
               "birth_date_matches_id": "BOOLEAN"},
    "status_events": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "event": "VARCHAR", "event_date": "DATE"},
    "beds": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "institution_id": "VARCHAR",
             "planned_completion": "DATE", "completed_on": "DATE", "accepted_on": "DATE", "acceptance": "VARCHAR",
             "accepted_amount_yuan": MONEY, "paid_amount_yuan": MONEY, "previously_renovated": "BOOLEAN"},
    "bed_items": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "category": "VARCHAR", "amount_yuan": MONEY,
                  "personalised": "BOOLEAN", "in_info_system": "BOOLEAN"},
    "service_plans": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "service_item": "VARCHAR",
                      "personalised": "BOOLEAN", "in_info_system": "BOOLEAN"},
    "funds": {"region_code": "VARCHAR", "kind": "VARCHAR", "source": "VARCHAR", "institution_id": "VARCHAR",
              "amount_yuan": MONEY, "purpose": "VARCHAR"},
    "survey": {"region_code": "VARCHAR", "questionnaire_id": "VARCHAR", "institution_id": "VARCHAR",
               "q1": "VARCHAR", "q2": "VARCHAR", "q3": "VARCHAR", "q4": "VARCHAR", "q5": "VARCHAR", "q6": "VARCHAR",
               "valid": "BOOLEAN", "elder_id": "VARCHAR", "respondent_group": "VARCHAR", "aware": "BOOLEAN"},
    "visits": {"region_code": "VARCHAR", "elder_id": "VARCHAR", "checkin_at": "TIMESTAMP",
               "checkout_at": "TIMESTAMP"},
    "elder_months": {"region_code": "VARCHAR", "institution_id": "VARCHAR", "month": "DATE", "in_scope": "BOOLEAN",
                     "minutes": "DOUBLE", "min_minutes": "DOUBLE", "unrecorded_visits": "BIGINT",
                     "min_medical_visits": "DOUBLE", "below_visits": "BOOLEAN", "below_minutes": "BOOLEAN",
                     "below_medical_visits": "BOOLEAN"},
}


def input_views(con: duckdb.DuckDBPyConnection, relations: dict[str, str | None]) -> None:
    """Create the views in_<name> over the given relations (a table or registered frame; None = absent)."""
    for name, columns in INPUTS.items():
        relation = relations.get(name)
        present = set()
        if relation is not None:
            present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        cols = ", ".join(f"TRY_CAST({c} AS {t}) AS {c}" if c in present else f"NULL::{t} AS {c}"
                         for c, t in columns.items())
        source = relation if relation is not None else "(SELECT 1) AS nothing WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP VIEW in_{name} AS SELECT {cols} FROM {source}")


SCOPES = """
CREATE OR REPLACE TEMP VIEW scopes AS
SELECT region_code, NULL::VARCHAR AS institution_id FROM fig_settings
UNION ALL
SELECT DISTINCT i.region_code, i.institution_id FROM in_institutions i JOIN fig_settings USING (region_code)
"""


def _labels() -> pd.DataFrame:
    return pd.DataFrame([{"metric": k, "label": v[0], "unit": v[1]} for k, v in CATALOGUE.items()])


FINAL_SQL = """
    SELECT r.region_code, r.institution_id, r.metric, l.label, r.numerator, r.denominator,
           CASE WHEN r.why_not IS NULL THEN r.value END AS value, l.unit, r.definition,
           r.why_not IS NULL AS computable,
           CASE WHEN r.why_not IS NOT NULL THEN 'not computable: ' || r.why_not END AS why_not, r.policy
    FROM fig_rows r JOIN fig_labels l USING (metric)
    ORDER BY r.region_code, r.institution_id NULLS FIRST, r.metric"""


def _rows(con: duckdb.DuckDBPyConnection, settings: Settings) -> duckdb.DuckDBPyRelation:
    """Compute every figure into the temp table fig_rows; the finished rows (FINAL_SQL) as a relation."""
    register(con, settings)
    con.execute(SCOPES)
    con.execute(eligibility.ELDER_STATUS)
    for sql in (beds.BED_FACTS, home_service.RECIPIENTS, satisfaction.SURVEY_FACTS):
        for statement in filter(str.strip, sql.split(";")):
            con.execute(statement)
    topics = [eligibility.figures_sql(), beds.figures_sql(), beds.item_shares_sql(), home_service.figures_sql(),
              home_service.shortfalls_sql(), budget.figures_sql(), budget.per_source_sql(),
              satisfaction.figures_sql()]
    con.execute("CREATE OR REPLACE TEMP TABLE fig_rows AS " + " UNION ALL ".join(f"({t})" for t in topics))
    con.execute("INSERT INTO fig_rows " + targets.figures_sql())
    con.register("fig_labels", _labels())
    missing = set(con.execute("SELECT DISTINCT metric FROM fig_rows").df()["metric"]) - set(CATALOGUE)
    if missing:
        raise ValueError(f"figures without a catalogue entry: {sorted(missing)}")
    return con.sql(FINAL_SQL)


def compute(con: duckdb.DuckDBPyConnection, settings: Settings) -> pd.DataFrame:
    """Every figure of every region in `settings` and of its institutions, as FIGURE_COLUMNS rows (sorted)."""
    out = _rows(con, settings).df()
    for c in ("numerator", "denominator", "value"):
        out[c] = out[c].astype(float)
    out["computable"] = out["computable"].astype(bool)
    return out[FIGURE_COLUMNS]


def compute_polars(con: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame:
    """`compute` as polars, straight from DuckDB's arrow (no pandas in between: 63,575 rows at 600 regions): the
    same rows and values, NaN read as null as pandas' conversion does."""
    out = pl.from_arrow(_rows(con, settings).to_arrow_table())
    return out.with_columns(*(pl.col(c).cast(pl.Float64).fill_nan(None) for c in ("numerator", "denominator", "value")),
                            pl.col("computable").cast(pl.Boolean)).select(FIGURE_COLUMNS)


# The lists behind the figures (findings a reviewer acts on), stored as metrics.<name>.
DETAILS = {
    "coverage_detail": eligibility.DETAIL_SQL,           # ineligible or undetermined registrations, with the rule
    "cost_per_bed_detail": beds.CAP_DETAIL_SQL,          # built beds whose capped items exceed the cap
    "budget_execution_detail": budget.DETAIL_SQL,        # funds totals per region, source and institution
    "satisfaction_detail": satisfaction.DETAIL_SQL,      # answer tallies and exact mean points per question
    "bed_timeliness_detail": beds.TIMELINESS_DETAIL_SQL,  # late, unfinished, unaccepted or failed beds
    "renovation_overspend_detail": beds.OVERSPEND_DETAIL_SQL,  # beds paid above (or without) their 验收金额
    "double_renovation_detail": beds.DOUBLE_DETAIL_SQL,  # renovated homes that got 适老化改造 items again
    "bed_payments_detail": beds.PAYMENTS_DETAIL_SQL,     # institutions whose bed payments, items and 拨付 differ
}


def details(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The detail lists, after `compute` on the same connection."""
    return {name: con.execute(sql).df() for name, sql in DETAILS.items()}


def compute_frames(frames: dict[str, pd.DataFrame | None], settings: Settings,
                   with_details: bool = False):
    """`compute` over in-memory frames (tests, variants): each frame registered as one input.

    Returns the figures, or (figures, details) with `with_details`.
    """
    con = duckdb.connect()
    try:
        relations = {}
        for name, frame in frames.items():
            if frame is not None:
                con.register(f"frame_{name}", frame)
                relations[name] = f"frame_{name}"
        input_views(con, relations)
        rows = compute(con, settings)
        return (rows, details(con)) if with_details else rows
    finally:
        con.close()


__all__ = ["CATALOGUE", "DETAILS", "FIGURE_COLUMNS", "INPUTS", "compute", "compute_frames", "compute_polars", "details",
           "input_views"]
