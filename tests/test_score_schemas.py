"""The score tables' pandera polars contract accepts what the rubric engine gives and rejects broken rows: every
dataframe check catches one bad row, the asset's gate fails with the cases, the stored check lists them."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pandera.errors
import polars as pl
import pytest

from assets.scores import validate
from checks.polars_models import validated
from checks.score_checks import build_contract_check
from checks.score_schemas import SCORE_MODELS
from eldercare.rubrics.model import load_rubrics
from resources import Warehouse
from resources.warehouse import table_ddl
from tests.eldercare.rubrics.rubric_fixtures import FIXTURES, KNOWN, fixture_judgments, score

REGION = "370306"
RUBRIC = "zhoucun_2022_project"


def scored(judged: bool = True) -> dict[str, pd.DataFrame]:
    """Zhoucun's project rubric as the engine scores it: with its judgments (scored, judged, overridden, one
    departure), or without (the judged indicators not scored)."""
    figures = pd.read_csv(FIXTURES / "zhoucun_figures.csv", dtype={"region_code": str, "institution_id": str})
    out = score(load_rubrics(KNOWN), RUBRIC, [(REGION, REGION)], figures,
                fixture_judgments("zhoucun_judgments.yaml", REGION) if judged else None)
    return {"indicator_scores": out.indicators, "totals": out.totals, "departures": out.departures}


def frames(judged: bool = True) -> dict[str, pl.DataFrame]:
    return {name: pl.from_pandas(frame) for name, frame in scored(judged).items()}


def changed(frame: pl.DataFrame, where: pl.Expr, **values) -> pl.DataFrame:
    """`frame` with the columns set to the values on the first row `where` selects."""
    first = where & (pl.int_range(pl.len()) == pl.int_range(pl.len()).filter(where).first())
    return frame.with_columns(pl.when(first).then(pl.lit(v, frame.schema[c])).otherwise(pl.col(c)).alias(c)
                              for c, v in values.items())


def failed_checks(name: str, frame: pl.DataFrame) -> set[str]:
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        validated(SCORE_MODELS[name], frame)
    return {c.split("(")[0] for c in err.value.failure_cases["check"].to_list()}


@pytest.mark.parametrize("judged", [True, False])
def test_what_the_engine_gives_satisfies_the_contract(judged):
    tables = frames(judged)
    statuses = set(tables["indicator_scores"]["status"])
    assert statuses == ({"scored", "judged", "overridden"} if judged else {"scored", "not_scored"})
    for name, frame in tables.items():
        validated(SCORE_MODELS[name], frame)
    assert tables["departures"].height == (1 if judged else 0)


SCORED = pl.col("status") == "scored"
OVERRIDDEN = pl.col("status") == "overridden"


@pytest.mark.parametrize("name, where, change, check", [
    ("indicator_scores", SCORED, {"final": None}, "not_scored_iff_no_final"),
    ("indicator_scores", SCORED, {"final": float("nan")}, "not_scored_iff_no_final"),
    ("indicator_scores", SCORED, {"why_not": "not scored: x"}, "why_not_iff_not_scored"),
    ("indicator_scores", OVERRIDDEN, {"override_reason": None}, "override_has_a_reason"),
    ("indicator_scores", SCORED, {"status": "guessed"}, "isin"),
    ("indicator_scores", SCORED, {"max_points": 0.0}, "greater_than"),
    ("indicator_scores", SCORED, {"computed": -1.0}, "greater_than_or_equal_to"),
    ("indicator_scores", SCORED, {"rubric": "Zhoucun"}, "str_matches"),
    ("indicator_scores", SCORED, {"core": None}, "not_nullable"),
    ("totals", pl.col("depth") == 0, {"points": 101.0}, "points_within_max"),
    ("totals", pl.col("depth") == 0, {"depth": 3}, "isin"),
    ("totals", pl.col("depth") == 1, {"not_scored": -1}, "greater_than_or_equal_to"),
    ("totals", pl.col("depth") == 1, {"region_code": "3703"}, "str_matches"),
    ("departures", pl.lit(True), {"final": -0.5}, "greater_than_or_equal_to"),
    ("departures", pl.lit(True), {"reason": None}, "not_nullable"),
])
def test_contract_rejects_broken_rows(name, where, change, check):
    frame = frames()[name]
    assert check in failed_checks(name, changed(frame, where, **change))


@pytest.mark.parametrize("name", list(SCORE_MODELS))
def test_a_row_twice_or_a_column_missing_is_rejected(name):
    frame = frames()[name]
    assert "multiple_fields_uniqueness" in failed_checks(name, pl.concat([frame, frame.head(1)]))
    assert "column_in_dataframe" in failed_checks(name, frame.drop("region_code"))
    assert "column_in_schema" in failed_checks(name, frame.with_columns(pl.lit(1).alias("extra")))


def test_the_gate_returns_polars_and_fails_the_asset_listing_the_cases():
    tables = scored()
    out = validate(tables["totals"], "totals")
    assert isinstance(out, pl.DataFrame) and out.height == len(tables["totals"])
    broken = tables["totals"].copy()
    broken.loc[broken["depth"] == 0, "points"] = 101.0
    with pytest.raises(dg.Failure) as err:
        validate(broken, "totals")
    assert "scores.totals breaks its contract (1 failures)" in err.value.description
    assert "points_within_max" in err.value.metadata["failure_cases"].value


def stored(tmp_path, tables: dict[str, pl.DataFrame]) -> Warehouse:
    """The tables stored as the asset stores them (DDL from the models, insert by name), broken rows and all."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema scores")
        for name, frame in tables.items():
            con.execute(table_ddl(SCORE_MODELS[name].to_schema(), f"scores.{name}"))
            con.register("frame", frame)
            con.execute(f"insert into scores.{name} by name select * from frame")
            con.unregister("frame")
    return Warehouse(path=str(path))


def test_the_stored_check_passes_on_good_tables_and_lists_the_failing_cases(tmp_path):
    tables = frames()
    good = stored(tmp_path / "good", tables)
    for name in SCORE_MODELS:
        result = build_contract_check(name).fn(warehouse=good)
        assert result.passed and result.metadata["rows"].value == tables[name].height
    tables["indicator_scores"] = changed(tables["indicator_scores"], OVERRIDDEN, override_reason=None)
    bad = build_contract_check("indicator_scores").fn(warehouse=stored(tmp_path / "bad", tables))
    assert not bad.passed and bad.metadata["failures"].value == 1
    assert "override_has_a_reason" in bad.metadata["failure_cases"].value
