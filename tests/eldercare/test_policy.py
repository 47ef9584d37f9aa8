"""The policy model: the defaults file validates, a partial policy lays over a region's, unknown keys are refused."""

from pathlib import Path

import pytest

from eldercare.policy import PolicyError, load_defaults, overlay_policy


def test_defaults_name_every_rule_with_its_documented_default():
    policy = load_defaults()
    assert policy["visits"]["unrecorded_time"] == "zero"  # the Zhoucun evaluator counted such months as short
    assert policy["visits"]["person_times_min_visits"] == 30  # seed 002
    assert policy["person_times"]["unit"] == "per_person"
    assert policy["home_service"]["recipients"] == "registered"
    assert policy["beds"]["double_renovation_categories"] == ["适老化改造"]


def test_overlay_changes_only_the_keys_given_and_validates():
    base = load_defaults()
    varied = overlay_policy(base, {"person_times": {"unit": "per_30_visits"}, "visits": {"partial_month": "prorate"}})
    assert varied["person_times"]["unit"] == "per_30_visits" and varied["visits"]["partial_month"] == "prorate"
    assert varied["visits"]["medical_items"] == base["visits"]["medical_items"]
    assert base["person_times"]["unit"] == "per_person"  # the base is not modified


@pytest.mark.parametrize("partial, key", [
    ({"visits": {"unrecorded_tme": "zero"}}, "policy.visits.unrecorded_tme"),
    ({"vists": {}}, "policy.vists"),
    ({"visits": {"unrecorded_time": "maybe"}}, "policy.visits.unrecorded_time"),
    ({"survey": {"weights": {"q7": {"A": 1}}}}, "policy.survey.weights.q7"),
])
def test_overlay_refuses_unknown_keys_and_values_naming_source_and_key(partial, key):
    with pytest.raises(PolicyError) as exc:
        overlay_policy(load_defaults(), partial, "config/variants/strict.yaml")
    assert exc.value.key == key and str(exc.value).startswith("config/variants/strict.yaml: key ")


def test_a_misspelt_key_in_the_defaults_file_is_refused(tmp_path: Path):
    path = tmp_path / "policy_defaults.yaml"
    path.write_text(Path("config/policy_defaults.yaml").read_text(encoding="utf-8").replace(
        "partial_month: exclude", "partial_months: exclude"), encoding="utf-8")
    with pytest.raises(PolicyError, match="policy_defaults.yaml: key 'visits.partial_month"):
        load_defaults(path)
