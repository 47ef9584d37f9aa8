"""The metric tables' pandera contract accepts every frame the metrics produce and rejects broken rows."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from checks.metric_schemas import METRIC_DETAIL_MODELS, MetricRow
from eldercare.metrics import programme as pm
from tests.eldercare.test_programme_metrics import (
    BEDS, ELDERS, FUNDS, INSTITUTIONS, ITEMS, SETTINGS, VISIT_COUNTS, zhoucun_survey,
)


def outputs() -> dict[str, tuple[pd.DataFrame, pd.DataFrame | None]]:
    return {
        "coverage": pm.coverage(ELDERS, BEDS, VISIT_COUNTS, INSTITUTIONS, SETTINGS),
        "cost_per_bed": pm.cost_per_bed(BEDS, INSTITUTIONS, SETTINGS),
        "cost_per_recipient": (pm.cost_per_recipient(FUNDS, ELDERS, VISIT_COUNTS, INSTITUTIONS, SETTINGS), None),
        "budget_execution": pm.budget_execution(FUNDS, INSTITUTIONS, SETTINGS),
        "satisfaction": pm.satisfaction(zhoucun_survey(), INSTITUTIONS, SETTINGS),
        "bed_timeliness": pm.bed_timeliness(BEDS, INSTITUTIONS, SETTINGS),
        "renovation_overspend": pm.renovation_overspend(BEDS, INSTITUTIONS, SETTINGS),
        "information_system_share": (pm.information_system_share(ITEMS, BEDS, INSTITUTIONS, SETTINGS), None),
        "personalisation_share": (pm.personalisation_share(ITEMS, BEDS, INSTITUTIONS, SETTINGS), None),
        "double_renovation": pm.double_renovation(BEDS, INSTITUTIONS, SETTINGS),
    }


@pytest.mark.parametrize("name", list(outputs()))
def test_metric_outputs_satisfy_the_contract(name):
    rows, detail = outputs()[name]
    MetricRow.validate(rows, lazy=True)
    assert (detail is None) == (name not in METRIC_DETAIL_MODELS)
    if detail is not None:
        METRIC_DETAIL_MODELS[name].validate(detail, lazy=True)


def test_empty_outputs_satisfy_the_contract():
    rows, detail = pm.coverage(None, None, None, None, {"370306": pm.RegionSettings(code="370306")})
    MetricRow.validate(rows, lazy=True)
    METRIC_DETAIL_MODELS["coverage"].validate(detail, lazy=True)


@pytest.mark.parametrize("change, check", [
    ({"value": 1.5}, "ratio_in_unit_interval"),
    ({"why_not": "not computable: x"}, "why_not_iff_not_computable"),
    ({"computable": False, "why_not": "not computable: x"}, "value_iff_computable"),
    ({"numerator": -1.0}, "greater_than_or_equal_to"),
    ({"metric": "Bed Coverage"}, "str_matches"),
])
def test_contract_rejects_broken_rows(change, check):
    rows, _ = pm.coverage(ELDERS, BEDS, VISIT_COUNTS, INSTITUTIONS, SETTINGS)
    broken = rows.copy()
    idx = broken.index[broken.metric == "bed_coverage"][0]
    for column, new in change.items():
        broken.loc[idx, column] = new
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        MetricRow.validate(broken, lazy=True)
    assert check in str(err.value.failure_cases["check"].tolist())


def test_negative_money_rejected_but_signed_difference_allowed():
    rows, _ = pm.renovation_overspend(BEDS.assign(paid_amount_yuan=BEDS.accepted_amount_yuan - 100), INSTITUTIONS,
                                      SETTINGS)
    MetricRow.validate(rows, lazy=True)  # renovation_overspend_yuan = -300 is a signed difference
    broken = rows.copy()
    broken.loc[broken.metric == "renovation_paid_yuan", "value"] = -1.0
    with pytest.raises(pandera.errors.SchemaErrors):
        MetricRow.validate(broken, lazy=True)
