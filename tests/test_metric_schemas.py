"""The figures' pandera polars contract accepts every frame the figures produce and rejects broken rows: every
dataframe check catches one bad row, the asset's gate fails with the cases, the stored check lists them."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandera.errors
import polars as pl
import pytest

from assets.programme_metrics import validate
from checks.metric_checks import build_contract_check
from checks.metric_schemas import METRIC_DETAIL_MODELS, FigureRow, SatisfactionQuestionRow
from checks.polars_models import validated
from eldercare.metrics.figures import compute_frames
from resources import Warehouse
from resources.warehouse import table_ddl
from tests.eldercare.metrics.test_figures import FRAMES, R, settings


def outputs() -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    rows, lists = compute_frames(FRAMES, settings(), with_details=True)
    return pl.from_pandas(rows), {name: pl.from_pandas(frame) for name, frame in lists.items()}


def model_of(name: str):
    return METRIC_DETAIL_MODELS[name.removesuffix("_detail")]


def changed(frame: pl.DataFrame, where: pl.Expr, **values) -> pl.DataFrame:
    """`frame` with the columns set to the values on the rows `where` selects (exactly one row must match)."""
    assert frame.filter(where).height == 1
    return frame.with_columns(pl.when(where).then(pl.lit(v, frame.schema[c])).otherwise(pl.col(c)).alias(c)
                              for c, v in values.items())


def failed_checks(model, frame: pl.DataFrame) -> set[str]:
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        validated(model, frame)
    return set(err.value.failure_cases["check"].to_list())


def region_row(metric: str) -> pl.Expr:
    return (pl.col("metric") == metric) & pl.col("institution_id").is_null()


def test_figures_and_every_detail_list_satisfy_the_contract():
    rows, lists = outputs()
    FigureRow.validate(rows, lazy=True)
    assert set(lists) == {f"{name}_detail" for name in METRIC_DETAIL_MODELS}
    for name, frame in lists.items():
        assert frame.height, f"{name}: the fixture should give at least one row to mutate"
        model_of(name).validate(frame, lazy=True)


def test_empty_ledgers_satisfy_the_contract():
    rows, lists = compute_frames({}, settings(), with_details=True)
    validate(rows, FigureRow, "metrics.figures")  # the asset's gate, from pandas as the figures come
    for name, frame in lists.items():
        validate(frame, model_of(name), f"metrics.{name}")


SHARE = region_row("eligible_registration_share")


@pytest.mark.parametrize("where, change, check", [
    (SHARE, {"value": 1.5}, "ratio_in_unit_interval"),
    (SHARE, {"why_not": "not computable: x"}, "why_not_iff_not_computable"),
    (SHARE, {"computable": False, "why_not": "not computable: x"}, "value_iff_computable"),
    (region_row("short_person_months_visits"), {"why_not": "no visits ledger"}, "why_not_says_not_computable"),
    (region_row("beds_built"), {"value": -1.0}, "non_negative_value"),
    (region_row("renovation_paid_yuan"), {"unit": "床"}, "money_in_yuan"),
    (region_row("target_beds_met"), {"value": 0.5}, "met_is_zero_or_one"),
    (SHARE, {"numerator": -1.0}, "greater_than_or_equal_to"),
    (SHARE, {"metric": "Bed Coverage"}, "str_matches"),
    (SHARE, {"unit": "percent"}, "isin"),
    (SHARE, {"label": ""}, "str_length"),
    (SHARE, {"policy": None}, "not_nullable"),
])
def test_contract_rejects_broken_rows(where, change, check):
    rows, _ = outputs()
    assert check in {c.split("(")[0] for c in failed_checks(FigureRow, changed(rows, where, **change))}


def test_a_nan_stored_as_a_value_is_no_value():
    """pandas read a stored NaN as missing: a computable figure with NaN still breaks value_iff_computable."""
    rows, _ = outputs()
    assert "value_iff_computable" in failed_checks(FigureRow, changed(rows, SHARE, value=float("nan")))


def test_a_figure_twice_is_rejected_also_at_region_level():
    """Uniqueness of (region, institution, metric) counts an empty institution as one key (the region row)."""
    rows, _ = outputs()
    assert "multiple_fields_uniqueness" in failed_checks(FigureRow, pl.concat([rows, rows.filter(SHARE)]))


def test_an_extra_or_missing_column_is_a_listed_breach():
    rows, _ = outputs()
    assert "column_in_schema" in failed_checks(FigureRow, rows.with_columns(pl.lit(1).alias("extra")))
    assert "column_in_dataframe" in failed_checks(FigureRow, rows.drop("policy"))
    with pytest.raises(dg.Failure, match="breaks its contract"):
        validate(rows.drop("policy").to_pandas(), FigureRow, "metrics.figures")


def test_negative_money_rejected_but_signed_difference_allowed():
    rows, _ = outputs()
    FigureRow.validate(changed(rows, region_row("renovation_overspend_yuan"), value=-300.0), lazy=True)
    assert "non_negative_value" in failed_checks(FigureRow, changed(rows, region_row("renovation_paid_yuan"),
                                                                     value=-1.0))


def test_a_ratio_against_a_plan_may_exceed_one_but_a_share_may_not():
    """More beds built than planned (built ÷ planned = 1.2) is a fact to report; a share of a whole above 1 is broken."""
    rows, _ = outputs()
    FigureRow.validate(changed(rows, region_row("beds_built_share"), value=1.2), lazy=True)
    assert "ratio_in_unit_interval" in failed_checks(FigureRow, changed(rows, region_row("satisfaction_rate"),
                                                                         value=1.2))


Q1 = (pl.col("question") == "q1") & pl.col("institution_id").is_null()


@pytest.mark.parametrize("change, check", [
    ({"answers_a": 2}, "answers_add_up"),
    ({"mean_points": 19.0}, "mean_within_max"),
    ({"valid": 0, "answers_a": 0, "answers_b": 0, "answers_c": 0}, "greater_than_or_equal_to"),
    ({"question": "q9"}, "isin"),
])
def test_satisfaction_detail_rejects_broken_rows(change, check):
    _, lists = outputs()
    frame = changed(lists["satisfaction_detail"], Q1, **change)
    assert check in {c.split("(")[0] for c in failed_checks(SatisfactionQuestionRow, frame)}


@pytest.mark.parametrize("name, column, bad", [
    ("coverage_detail", "status", "eligible"),
    ("cost_per_bed_detail", "excess_yuan", 0.0),
    ("budget_execution_detail", "rows", 0),
    ("bed_timeliness_detail", "acceptance", "优"),
    ("renovation_overspend_detail", "finding", "paid"),
    ("double_renovation_detail", "double_items_yuan", -1.0),
    ("bed_payments_detail", "institution_id", None),
])
def test_each_detail_list_rejects_a_broken_cell(name, column, bad):
    _, lists = outputs()
    frame = lists[name]
    broken = changed(frame, pl.int_range(pl.len()) == 0, **{column: bad})
    failures = failed_checks(model_of(name), broken)
    assert failures


def test_the_gate_fails_the_asset_listing_the_cases():
    rows, _ = outputs()
    broken = changed(rows, SHARE, value=1.5).to_pandas()
    with pytest.raises(dg.Failure) as err:
        validate(broken, FigureRow, "metrics.figures")
    assert "metrics.figures breaks its contract (1 failures)" in err.value.description
    assert "ratio_in_unit_interval" in err.value.metadata["failure_cases"].value


def test_the_gate_returns_the_frame_coerced():
    rows, lists = compute_frames(FRAMES, settings(), with_details=True)
    out = validate(rows, FigureRow, "metrics.figures")
    assert isinstance(out, pl.DataFrame) and out.columns == list(rows.columns) and out.height == len(rows)
    timeliness = validate(lists["bed_timeliness_detail"], model_of("bed_timeliness"), "metrics.bed_timeliness_detail")
    assert timeliness.schema["planned_completion"] == pl.Date


def stored(tmp_path, rows: pl.DataFrame, lists: dict[str, pl.DataFrame]) -> Warehouse:
    """The frames stored as the asset stores them (DDL from the models, insert by name), broken rows and all."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema metrics")
        for table, model, frame in [("metrics.figures", FigureRow, rows),
                                    *((f"metrics.{n}", model_of(n), f) for n, f in lists.items())]:
            con.execute(table_ddl(model.to_schema(), table))
            con.register("frame", frame)
            con.execute(f"insert into {table} by name select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    return Warehouse(path=str(path))


def test_the_stored_check_passes_on_good_tables_and_lists_the_failing_cases(tmp_path):
    rows, lists = outputs()
    check = build_contract_check()
    good = check.fn(warehouse=stored(tmp_path / "good", rows, lists))
    assert good.passed and good.metadata["failures"].value == 0
    assert good.metadata["rows metrics.figures"].value == rows.height
    lists["satisfaction_detail"] = changed(lists["satisfaction_detail"], Q1, mean_points=19.0)
    bad = check.fn(warehouse=stored(tmp_path / "bad", changed(rows, SHARE, value=1.5), lists))
    assert not bad.passed and bad.metadata["failures"].value == 2
    cases = bad.metadata["failure_cases"].value
    assert "ratio_in_unit_interval" in cases and "metrics.figures" in cases
    assert "mean_within_max" in cases and "metrics.satisfaction_detail" in cases


def test_the_stored_check_reads_a_stored_nan_as_no_value(tmp_path):
    rows, lists = outputs()
    warehouse = stored(tmp_path, rows, lists)
    with duckdb.connect(warehouse.path) as con:
        con.execute("update metrics.figures set value = 'NaN'::double where metric = 'beds_built' "
                    "and institution_id is null")
    result = build_contract_check().fn(warehouse=warehouse)
    assert not result.passed and "value_iff_computable" in result.metadata["failure_cases"].value


def test_region_rows_of_the_fixture_are_region_r():
    rows, _ = outputs()
    assert rows.filter(pl.col("institution_id").is_null())["region_code"].unique().to_list() == [R]
