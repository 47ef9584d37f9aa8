"""Checks on the stored rubric scores: contracts, points within each level's maximum, levels adding up to the total,
every departure listed; and a warning listing what is not scored."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from checks.polars_models import validated
from checks.score_schemas import SCORE_MODELS
from checks.stored import StoredCheck, stored_check
from eldercare.rubrics.engine import TOLERANCE
from resources import Warehouse

MAX_LISTED = 20


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["scores", name])


def _md(df: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(MAX_LISTED).to_markdown(index=False) if len(df) else "none")


def build_contract_check(name: str) -> StoredCheck:
    """The stored `scores.<name>` still satisfies its pandera polars model."""
    model = SCORE_MODELS[name]

    @stored_check(_key(name),
                  "contract",
                  f"The stored rows of scores.{name} satisfy checks/score_schemas.py.")
    def contract(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            frame = pl.from_arrow(con.sql(f"select * from scores.{name}").to_arrow_table())
        try:
            validated(model, frame)
            failures = pd.DataFrame()
        except pandera.errors.SchemaErrors as err:
            failures = err.failure_cases.to_pandas()
        return dg.AssetCheckResult(passed=failures.empty, metadata={
            "rows": frame.height, "failures": len(failures), "failure_cases": _md(failures.astype(str))})

    return contract


@stored_check(_key("totals"),
              "points_within_max",
              "Every subject's points at every level lie in [0, the level's maximum] (the total's "
              "maximum includes bonus items).")
def points_within_max(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.execute("select rubric, subject, level, points, max_points from scores.totals "
                          "where points < 0 or points > max_points + ?", [TOLERANCE]).df()
        n = con.execute("select count(*) from scores.totals").fetchone()[0]
    return dg.AssetCheckResult(passed=bad.empty, metadata={"rows": n, "beyond_max": len(bad), "rows_beyond": _md(bad)})


@stored_check(_key("totals"),
              "levels_add_up",
              "Each total equals the sum of its level-1 points, and each level's uncapped sum of "
              "final indicator scores is at least its stored (capped) points.")
def levels_add_up(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.execute("""
            with l1 as (select region_code, rubric, subject, sum(points) as levels from scores.totals
                        where depth = 1 group by all),
                 s as (select region_code, rubric, subject, level1, coalesce(sum(final), 0) as raw
                       from scores.indicator_scores group by all)
            select t.rubric, t.subject, 'total' as level, t.points, l1.levels as expected
            from scores.totals t join l1 using (region_code, rubric, subject)
            where t.depth = 0 and abs(t.points - l1.levels) > ?
            union all
            select t.rubric, t.subject, t.level, t.points, s.raw
            from scores.totals t join s on s.region_code = t.region_code and s.rubric = t.rubric
                 and s.subject = t.subject and s.level1 = t.level
            where t.depth = 1 and t.points > s.raw + ?""", [TOLERANCE, TOLERANCE]).df()
    return dg.AssetCheckResult(passed=bad.empty, metadata={"mismatches": len(bad), "rows": _md(bad)})


@stored_check(_key("departures"),
              "every_departure_listed",
              "The departures are exactly the indicator rows whose final score differs from the "
              "computed one, with the same two values and a reason.")
def every_departure_listed(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.execute("""
            with expected as (select region_code, rubric, subject, indicator, computed, final
                              from scores.indicator_scores
                              where computed is not null and final is not null and abs(final - computed) > ?),
                 listed as (select region_code, rubric, subject, indicator, computed, final from scores.departures
                            where reason is not null and reason <> '')
            (select 'missing' as problem, * from expected except select 'missing', * from listed)
            union all
            (select 'unexpected', * from listed except select 'unexpected', * from expected)""", [TOLERANCE]).df()
    return dg.AssetCheckResult(passed=bad.empty, metadata={"problems": len(bad), "rows": _md(bad)})


@stored_check(_key("indicator_scores"),
              "all_indicators_scored",
              "Warns when indicators have neither data nor a judgment (not_scored), listing why.",
              blocking=False)
def all_indicators_scored(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        unscored = con.execute("select rubric, subject, indicator, why_not from scores.indicator_scores "
                               "where status = 'not_scored' order by all").df()
    return dg.AssetCheckResult(passed=unscored.empty, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"not_scored": len(unscored), "indicators": _md(unscored)})


SCORE_CHECKS = [build_contract_check(name) for name in SCORE_MODELS] + [
    points_within_max, levels_add_up, every_departure_listed, all_indicators_scored]
