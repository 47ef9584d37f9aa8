"""Issue 11: figures are set-based, so 300 institutions cost about what 30 cost for the same number of rows."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from eldercare.metrics.figures import compute_frames
from eldercare.metrics.settings import RegionSettings
from eldercare.policy import load_defaults

ROWS = 6000
POLICY = load_defaults()


def frames(institutions: int, regions: int = 3) -> tuple[dict, dict]:
    """ROWS elders, beds, items, funds and survey rows spread over the given number of institutions."""
    rng = np.random.default_rng(7)
    codes = [f"37{i:04d}" for i in range(regions)]
    inst = pd.DataFrame({"institution_id": [f"I{i}" for i in range(institutions)]})
    inst["region_code"] = [codes[i % regions] for i in range(institutions)]
    inst["planned_beds"] = 5
    pick = rng.integers(0, institutions, ROWS)
    elders = pd.DataFrame({"elder_id": [f"E{i}" for i in range(ROWS)], "institution_id": inst.institution_id.values[pick],
                           "region_code": inst.region_code.values[pick], "service_type": "both", "hardship": "低保",
                           "ability_level": "中度失能", "birth_date": pd.Timestamp("1950-01-01"),
                           "enrolled_on": pd.Timestamp("2022-01-01"), "self_funded": False})
    beds = elders[["region_code", "elder_id", "institution_id"]].assign(
        planned_completion=pd.Timestamp("2022-03-01"), completed_on=pd.Timestamp("2022-03-05"), acceptance="合格",
        accepted_amount_yuan=2000.0, paid_amount_yuan=2100.0, previously_renovated=False)
    items = elders[["region_code", "elder_id"]].assign(category="适老化改造", amount_yuan=2000.0, personalised=True,
                                                       in_info_system=True)
    funds = elders[["region_code", "institution_id"]].assign(kind="paid", source="中央", amount_yuan=100.0,
                                                             purpose="home_visits")
    survey = elders[["region_code", "institution_id", "elder_id"]].assign(
        questionnaire_id=elders.elder_id, valid=True, **{f"q{i}": "A" for i in range(1, 7)})
    visits = elders[["region_code", "elder_id"]].assign(checkin_at=pd.Timestamp("2022-07-01 09:00"),
                                                        checkout_at=pd.Timestamp("2022-07-01 10:00"))
    settings = {c: RegionSettings(code=c, baseline={"disabled_low_income_elders": 5000}, policy=POLICY) for c in codes}
    return {"institutions": inst, "elders": elders, "beds": beds, "bed_items": items, "funds": funds, "survey": survey,
            "visits": visits}, settings


def _seconds(institutions: int) -> float:
    data, settings = frames(institutions)
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        out = compute_frames(data, settings)
        best = min(best, time.perf_counter() - start)
    assert out["institution_id"].nunique() == institutions
    return best


def test_three_hundred_institutions_cost_no_more_than_a_few_times_thirty():
    small, large = _seconds(30), _seconds(300)
    assert large <= 3 * small + 0.5, (small, large)
