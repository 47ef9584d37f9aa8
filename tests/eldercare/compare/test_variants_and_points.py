"""Variant files are checked (a key that re-scoring cannot honour is refused), and a rubric's per-occurrence
deduction prices a difference in short person-months."""

from types import SimpleNamespace

import pytest

from eldercare.compare import VARIANTS_DIR
from pathlib import Path

from eldercare.compare.points import indicator_points, points_difference, rubric_deductions
from eldercare.compare.variants import VariantRefused, find_variant, load_variants, rules_for
from eldercare.policy import policy_for

SETTINGS = {"policy": {"visits": {"partial_month": "exclude"}}}
REGION = SimpleNamespace(code="370306", settings=SETTINGS, policy=policy_for(SETTINGS),
                         minimums={"visits_per_month": 15, "minutes_per_month": 900, "medical_visits_per_month": 2})


def test_the_three_shipped_variants_lay_over_the_region():
    names = [v.name for v in load_variants(VARIANTS_DIR)]
    assert {"prorate_partial_months", "unrecorded_time_undetermined", "min_visits_12"} <= set(names)
    rules = {r.variant: r for r in rules_for([REGION], load_variants(VARIANTS_DIR))}
    assert (rules["in_force"].partial_month, rules["in_force"].min_visits, rules["in_force"].unrecorded_time) == \
        ("exclude", 15, "zero")
    assert rules["prorate_partial_months"].partial_month == "prorate"
    assert rules["prorate_partial_months"].min_visits == 15
    assert rules["min_visits_12"].min_visits == 12 and rules["min_visits_12"].min_minutes == 900
    assert rules["unrecorded_time_undetermined"].unrecorded_time == "undetermined"
    assert rules["in_force"].person_times_min == 30  # config/policy_defaults.yaml


def test_a_variant_key_that_cannot_be_rescored_is_refused_naming_file_and_key(tmp_path):
    bad = tmp_path / "weights.yaml"
    bad.write_text("label: x\npolicy:\n  survey:\n    max_score: 50\n", encoding="utf-8")
    with pytest.raises(VariantRefused, match=r"weights.yaml: key 'policy.survey'"):
        find_variant(tmp_path, "weights")
    typo = tmp_path / "typo.yaml"
    typo.write_text("label: x\npolicy:\n  visits:\n    partial_month: halve\n", encoding="utf-8")
    with pytest.raises(VariantRefused, match=r"typo.yaml: key 'policy.visits.partial_month'"):
        find_variant(tmp_path, str(typo))
    with pytest.raises(VariantRefused, match="no variant 'nope'"):
        find_variant(tmp_path, "nope")


def test_points_per_household_month_with_the_floor():
    # Zhoucun project rubric: 4 points, −0.5 per household-month below 15 visits, floor 0
    assert indicator_points(4, 0.5, 3) == 2.5            # 4 − 1.5
    assert indicator_points(4, 0.5, 59) == 0             # 4 − 29.5 < 0
    diff = points_difference(4, 0.5, published=59, computed=58)
    assert diff["deduction_difference"] == 0.5           # 0.5 × (59 − 58)
    assert diff["points_difference"] == 0                # both floored at 0
    assert points_difference(15, 0.5, published=25, computed=24)["points_difference"] == 0.5  # 2.5 → 3.0


RUBRICS = Path(__file__).resolve().parents[3] / "config" / "rubrics"


def test_rubric_deduction_found_by_metric_or_reported_missing(tmp_path):
    found, why = rubric_deductions(RUBRICS, "zhoucun_2022_institution")
    assert why is None
    # the shipped institution rubric: 15 points each, 0.5 per short household-month (每存在1户1月…扣0.5分)
    assert [(d.indicator, d.metric, d.deduction_each, d.max_points, d.per_institution) for d in found] == [
        ("居家上门护理服务次数", "visits", 0.5, 15.0, True), ("居家上门累计服务时长", "hours", 0.5, 15.0, True)]
    assert rubric_deductions(tmp_path, "absent") == ([], "no rubric file absent.yaml: count difference only")
