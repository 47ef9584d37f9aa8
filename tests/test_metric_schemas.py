"""The figures' pandera contract accepts every frame the figures produce and rejects broken rows."""

from __future__ import annotations

import pandera.errors
import pytest

from checks.metric_schemas import METRIC_DETAIL_MODELS, FigureRow
from eldercare.metrics.figures import compute_frames
from tests.eldercare.metrics.test_figures import FRAMES, R, settings


def outputs():
    return compute_frames(FRAMES, settings(), with_details=True)


def test_figures_and_every_detail_list_satisfy_the_contract():
    rows, lists = outputs()
    FigureRow.validate(rows, lazy=True)
    assert set(lists) == {f"{name}_detail" for name in METRIC_DETAIL_MODELS}
    for name, frame in lists.items():
        METRIC_DETAIL_MODELS[name.removesuffix("_detail")].validate(frame, lazy=True)


def test_empty_ledgers_satisfy_the_contract():
    rows, lists = compute_frames({}, settings(), with_details=True)
    FigureRow.validate(rows, lazy=True)
    for name, frame in lists.items():
        METRIC_DETAIL_MODELS[name.removesuffix("_detail")].validate(frame, lazy=True)


@pytest.mark.parametrize("change, check", [
    ({"value": 1.5}, "ratio_in_unit_interval"),
    ({"why_not": "not computable: x"}, "why_not_iff_not_computable"),
    ({"computable": False, "why_not": "not computable: x"}, "value_iff_computable"),
    ({"numerator": -1.0}, "greater_than_or_equal_to"),
    ({"metric": "Bed Coverage"}, "str_matches"),
])
def test_contract_rejects_broken_rows(change, check):
    rows, _ = outputs()
    broken = rows.copy()
    idx = broken.index[(broken.metric == "eligible_registration_share") & broken.institution_id.isna()][0]
    for column, new in change.items():
        broken.loc[idx, column] = new
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        FigureRow.validate(broken, lazy=True)
    assert check in str(err.value.failure_cases["check"].tolist())


def test_negative_money_rejected_but_signed_difference_allowed():
    rows, _ = outputs()
    signed = rows.copy()
    signed.loc[(signed.metric == "renovation_overspend_yuan") & signed.institution_id.isna(), "value"] = -300.0
    FigureRow.validate(signed, lazy=True)  # a signed difference may be negative
    broken = rows.copy()
    broken.loc[(broken.metric == "renovation_paid_yuan") & (broken.region_code == R), "value"] = -1.0
    with pytest.raises(pandera.errors.SchemaErrors):
        FigureRow.validate(broken, lazy=True)


def test_a_ratio_against_a_plan_may_exceed_one_but_a_share_may_not():
    """More beds built than planned (built ÷ planned = 1.2) is a fact to report; a share of a whole above 1 is broken."""
    rows, _ = outputs()
    over = rows.copy()
    over.loc[(over.metric == "beds_built_share") & over.institution_id.isna(), "value"] = 1.2
    FigureRow.validate(over, lazy=True)
    broken = rows.copy()
    broken.loc[(broken.metric == "satisfaction_rate") & broken.institution_id.isna(), "value"] = 1.2
    with pytest.raises(pandera.errors.SchemaErrors):
        FigureRow.validate(broken, lazy=True)
