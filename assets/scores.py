"""Rubric scores: `scores.indicator_scores`, `scores.totals`, `scores.departures`, from metrics.figures and judgments.

Thin wiring: the rubrics each region is scored under (judgments.yaml, region.yaml `rubrics:`, else the programme
default), scored by eldercare.rubrics, validated as polars by checks/score_schemas.py, written in one transaction.
"""

from typing import Iterable

import dagster as dg
import pandas as pd
import pandera.errors
import polars as pl

from assets.metadata import column_schema, md
from checks.polars_models import validated
from checks.score_checks import SCORE_CHECKS
from checks.score_schemas import SCORE_MODELS
from checks.stored import evaluate, specs
from eldercare.metrics.catalogue import CATALOGUE
from eldercare.rubrics.assignment import rubrics_named, subjects
from eldercare.rubrics.engine import FIGURE_COLUMNS, Scores, score_rubric
from eldercare.rubrics.judgments import FILE_NAME, Judgments, JudgmentsError, check_against, load_judgments
from eldercare.rubrics.model import RubricError, default_rubrics, load_rubrics, rubric_ids
from eldercare.rubrics.summary import score_summary_lines
from resources import RawFolder, Warehouse
from resources.warehouse import replace_slice, table_ddl

GROUP = "scores"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
KINDS = {"pandas", "duckdb"}
PREVIEW_ROWS = 40
FIGURES = dg.AssetKey(["metrics", "figures"])
# The reviewers' files, shown in the lineage as a source (read through the raw_folder resource, never materialised).
JUDGMENTS = dg.AssetSpec(["raw", "judgments"], group_name=GROUP, owners=OWNERS, kinds={"yaml"},
                         description="data_raw/<code>/judgments.yaml: a reviewer's scores, evidence, overrides and "
                                     "vetoes per rubric, subject and indicator (format: the raw-ledger contract).")
DEPS = [FIGURES, JUDGMENTS.key, dg.AssetKey(["validated", "regions"]), dg.AssetKey(["validated", "institutions"])]
KNOWN_FIGURES = frozenset(CATALOGUE)

DESCRIPTIONS = {
    "indicator_scores": (
        "One row per rubric × subject × indicator: the written rule's score (computed from metrics.figures or the "
        "reviewer's actual), the reviewer's judged score and override from judgments.yaml, the final score, the "
        "rule, its inputs, the evidence and status scored / judged / overridden / not_scored. An indicator with "
        "neither data nor judgment is not_scored (never 0, never full marks), with the reason."),
    "totals": (
        "Per rubric × subject: points of each 二级 (depth 2) and 一级 (depth 1) level, capped at the level's points, "
        "and the total (depth 0) with its grade from the rubric's bands; a recorded veto sets the grade whatever "
        "the points; a total with unscored indicators has no grade (why_not says how many)."),
    "departures": (
        "Every data-decided indicator whose final score differs from what its written rule gives (a judgment or "
        "an override), with both values and the reviewer's reason."),
}
SPECS = [dg.AssetSpec(["scores", name], group_name=GROUP, owners=OWNERS, kinds=KINDS, deps=DEPS,
                      description=DESCRIPTIONS[name],
                      metadata={"dagster/column_schema": column_schema(model.to_schema()), "table": f"scores.{name}"})
         for name, model in SCORE_MODELS.items()]


def read_figures(con, metrics: Iterable[str] | None = None) -> tuple[pd.DataFrame, str | None]:
    """metrics.figures (the columns the engine reads; only the rows of `metrics` when given: the rubrics' figures,
    not every figure of every subject), or an empty frame and why when it was never materialised."""
    have = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'metrics'").fetchall()}
    if "figures" not in have:
        return pd.DataFrame(columns=FIGURE_COLUMNS), "metrics.figures does not exist: data-decided indicators are " \
                                                     "not scored"
    cols = ", ".join(FIGURE_COLUMNS)
    if metrics is None:
        return con.execute(f"select {cols} from metrics.figures").df(), None
    return con.execute(f"select {cols} from metrics.figures where metric in (select unnest(?::VARCHAR[]))",
                       [sorted(metrics)]).df(), None


def read_institutions(con) -> pd.DataFrame:
    have = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'validated'").fetchall()}
    if "institutions" not in have:
        return pd.DataFrame(columns=["region_code", "institution_id"])
    return con.execute("select region_code, institution_id from validated.institutions").df()


def gather(raw_folder: RawFolder) -> tuple[pd.DataFrame, Judgments]:
    """(region_code, rubric) pairs to score and every region's judgments; a bad file fails naming file and key."""
    regions, _ = raw_folder.regions()
    default, available = default_rubrics(), rubric_ids()
    parts, assigned, none = [], [], Judgments.empty()
    for region in regions:  # reading one small YAML file per region folder that has one
        path = region.folder / FILE_NAME
        j = load_judgments(path, region.code, raw_folder.relative(path)) if path.exists() else none
        if j is not none:
            parts.append(j)
        assigned += [(region.code, r) for r in rubrics_named(region.code, region.settings, j, default, available)]
    return pd.DataFrame(assigned, columns=["region_code", "rubric"]), Judgments.concat(parts)


def validate(frame: pd.DataFrame | pl.DataFrame, name: str) -> pl.DataFrame:
    """The frame as polars, coerced by the pandera polars model of scores.<name>; a breach fails the asset with
    every failing case listed."""
    try:
        return validated(SCORE_MODELS[name], pl.from_pandas(frame) if isinstance(frame, pd.DataFrame) else frame)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases.head(PREVIEW_ROWS).to_pandas().astype(str)
        raise dg.Failure(description=f"scores.{name} breaks its contract ({len(err.failure_cases)} failures)",
                         metadata={"failure_cases": md(cases)}) from err


def display(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Scores for people: rounded to 2 decimals (stored values stay exact)."""
    out = frame[columns].copy()
    for col in ("computed", "judged", "override", "final", "points", "max_points"):
        if col in out:
            out[col] = out[col].astype(float).round(2)
    return out


@dg.multi_asset(name="scores", specs=SPECS, pool=POOL, can_subset=False,
                check_specs=specs(SCORE_CHECKS, *(spec.key for spec in SPECS)))
def scores(context: dg.AssetExecutionContext, raw_folder: RawFolder, warehouse: Warehouse):
    """Score every region's rubrics and replace the three score tables in one transaction."""
    try:  # a rubric or judgments file that cannot be used fails the run, naming the file and the key
        assigned, judgments = gather(raw_folder)
        rubrics = load_rubrics(KNOWN_FIGURES, ids=assigned["rubric"].unique())
        judgments = check_against(judgments, rubrics)
    except (RubricError, JudgmentsError) as exc:
        raise dg.Failure(description=str(exc)) from exc
    with warehouse.connect() as con:
        figures, missing = read_figures(con, set().union(*(r.metrics() for r in rubrics.values())))
        institutions = read_institutions(con)
    if missing:
        context.log.warning(missing)
    who = subjects(assigned, rubrics, institutions, judgments)
    result = Scores.concat([score_rubric(rubrics[r], who[who["rubric"] == r], figures, judgments)
                            for r in sorted(rubrics)])
    tables = {"indicator_scores": validate(result.indicators, "indicator_scores"),
              "totals": validate(result.totals, "totals"),
              "departures": validate(result.departures, "departures")}
    with warehouse.transaction() as con:
        con.execute("create schema if not exists scores")
        for name, frame in tables.items():
            con.execute(table_ddl(SCORE_MODELS[name].to_schema(), f"scores.{name}"))
            replace_slice(con, f"scores.{name}", frame)
    ind, totals, deps = tables["indicator_scores"], tables["totals"], tables["departures"]
    checked = lambda key: evaluate(SCORE_CHECKS, key, context, warehouse=warehouse)  # noqa: E731
    shown = lambda frame, keep: frame.filter(keep).head(PREVIEW_ROWS).to_pandas()  # noqa: E731
    yield dg.MaterializeResult(asset_key=SPECS[0].key, check_results=checked(SPECS[0].key), metadata={
        "dagster/row_count": ind.height, "rubrics": len(rubrics), "subjects": int(len(who)),
        "by_status": md(ind.group_by("status").len("indicators").sort("status").to_pandas()),
        "metrics_figures": missing or "read",
        "not_scored": md(display(shown(ind, pl.col("status") == "not_scored"),
                                 ["rubric", "subject", "indicator", "why_not"]))})
    yield dg.MaterializeResult(asset_key=SPECS[1].key, check_results=checked(SPECS[1].key), metadata={
        "dagster/row_count": totals.height,
        "summary": dg.MetadataValue.md("```\n" + "\n".join(
            score_summary_lines(totals.filter(pl.col("depth") == 0).to_pandas())) + "\n```"),
        "totals": md(display(shown(totals, pl.col("depth") <= 1), ["rubric", "subject", "level", "points",
                                                                   "max_points", "grade", "why_not"]))})
    yield dg.MaterializeResult(asset_key=SPECS[2].key, check_results=checked(SPECS[2].key), metadata={
        "dagster/row_count": deps.height,
        "departures": md(display(deps.head(PREVIEW_ROWS).to_pandas(),
                                 ["rubric", "subject", "indicator", "computed", "final", "reason"]))})


SCORE_ASSETS = [JUDGMENTS, scores]
