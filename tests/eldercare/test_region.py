"""region.yaml: a valid file becomes a Region; an invalid one refuses the region with the key that is wrong."""

from pathlib import Path

import pytest

from eldercare.region import RegionRefused, discover_regions, load_region

GOOD = """
region_code: "370306"
name: 周村区
project_year: 2022
service_start: 2022-06-01
evaluation_window: [2022-06, 2022-09]
minimums: {visits_per_month: 15, minutes_per_month: 900, medical_visits_per_month: 2}
bed_subsidy_cap_yuan: 2500
targets: {beds: 248, service_person_times: 495, budget_wan: 180.5, satisfaction_pct: 85}
baseline: {elders_60plus: 0, low_income_elders: 0, disabled_low_income_elders: 0, facilities: 0}
"""


def _region(root: Path, code: str, text: str) -> Path:
    folder = root / code
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(text, encoding="utf-8")
    return folder


def test_contract_example_loads(tmp_path):
    region = load_region(_region(tmp_path, "370306", GOOD))
    assert region.code == "370306" and region.name == "周村区"
    assert (region.window_start.isoformat(), region.window_end.isoformat()) == ("2022-06-01", "2022-09-01")
    assert region.minimums == {"visits_per_month": 15, "minutes_per_month": 900, "medical_visits_per_month": 2}
    assert region.bed_subsidy_cap_yuan == 2500


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace("project_year: 2022", "project_year: twenty"), "key 'project_year': 'twenty' is not a year"),
    (GOOD.replace("minimums: {visits_per_month: 15,", "minimums: {"), "key 'minimums.visits_per_month' is missing"),
    (GOOD.replace("evaluation_window: [2022-06, 2022-09]", "evaluation_window: [2022-13, 2022-09]"),
     "key 'evaluation_window[0]': '2022-13' is not a month"),
    (GOOD.replace('region_code: "370306"', 'region_code: "370307"'), "key 'region_code': '370307' does not match"),
    (GOOD.replace("service_start: 2022-06-01\n", ""), "key 'service_start' is missing"),
    (GOOD + "  bad: [unclosed\n", "region.yaml is not valid YAML"),
    (GOOD.replace("bed_subsidy_cap_yuan: 2500", "bed_subsidy_cap_yuan: -1"), "key 'bed_subsidy_cap_yuan'"),
])
def test_invalid_region_yaml_names_the_key(tmp_path, broken, message):
    with pytest.raises(RegionRefused) as exc:
        load_region(_region(tmp_path, "370306", broken))
    assert message in exc.value.reason
    assert exc.value.folder == "370306"


def test_one_bad_region_does_not_stop_the_others(tmp_path):
    _region(tmp_path, "370306", GOOD)
    _region(tmp_path, "370307", GOOD.replace("370306", "370307").replace("minimums:", "minimum:"))
    _region(tmp_path, "zhoucun", GOOD)
    (tmp_path / "_scratch").mkdir()
    regions, refused = discover_regions(tmp_path)
    assert [r.code for r in regions] == ["370306"]
    assert sorted((e.folder, e.reason) for e in refused) == [
        ("370307", "region.yaml key 'minimums' is missing"),
        ("zhoucun", "folder name is not a 6-digit region code (行政区划代码)"),
    ]


def test_null_or_absent_baseline_and_targets_are_unknown_not_invalid(tmp_path):
    """Issue 10 point 1: a published evaluation often gives no district baseline; the region still loads."""
    text = (GOOD.replace("disabled_low_income_elders: 0", "disabled_low_income_elders: null")
            .replace("targets: {beds: 248, service_person_times: 495, budget_wan: 180.5, satisfaction_pct: 85}",
                     "targets: {beds: 248, service_person_times: null}"))
    region = load_region(_region(tmp_path, "370306", text))
    assert "disabled_low_income_elders" not in region.baseline and region.baseline["facilities"] == 0
    assert region.targets == {"beds": 248.0}
    no_baseline = load_region(_region(tmp_path / "b", "370306", "\n".join(
        line for line in GOOD.splitlines() if not line.startswith(("baseline", "targets")))))
    assert no_baseline.baseline == {} and no_baseline.targets == {}


def test_contract_keys_project_period_survey_issued_rubrics(tmp_path):
    text = GOOD + ("project_period: [2022-06-01, 2023-05-31]\nsurvey_issued: 75\n"
                   "rubrics: [zhoucun_2022_project, zhoucun_2022_institution]\n")
    region = load_region(_region(tmp_path, "370306", text))
    assert [d.isoformat() for d in region.person_times_period] == ["2022-06-01", "2023-05-31"]
    assert region.survey_issued == 75
    assert region.rubrics == ("zhoucun_2022_project", "zhoucun_2022_institution")
    # without project_period: service start (2022-06-01) to the end of the project year 2022
    plain = load_region(_region(tmp_path / "p", "370306", GOOD))
    assert [d.isoformat() for d in plain.person_times_period] == ["2022-06-01", "2022-12-31"]
    assert plain.survey_issued is None and plain.rubrics == ()


@pytest.mark.parametrize("extra, message", [
    ("baselne: {facilities: 3}\n", "key 'baselne': unknown key"),
    ("policy: {visits: {partial_mnth: prorate}}\n", "key 'policy.visits.partial_mnth': unknown key"),
    ("policy: {person_times: {unit: per_visit}}\n", "key 'policy.person_times.unit'"),
    ("survey_issued: -3\n", "key 'survey_issued'"),
    ("project_period: [2023-05-31, 2022-06-01]\n", "key 'project_period': the end is before the start"),
])
def test_misspelt_or_wrong_keys_are_refused_naming_the_key(tmp_path, extra, message):
    """Issue 10 point 13: a misspelt policy key never falls back silently to the default."""
    text = GOOD.replace("baseline: {elders_60plus: 0, low_income_elders: 0, disabled_low_income_elders: 0, "
                        "facilities: 0}\n", "") if extra.startswith("baselne") else GOOD
    with pytest.raises(RegionRefused) as exc:
        load_region(_region(tmp_path, "370306", text + extra))
    assert message in exc.value.reason


def test_the_region_policy_is_laid_over_the_defaults(tmp_path):
    region = load_region(_region(tmp_path, "370306", GOOD + "policy: {eligibility: {hardship: [低保, 特困, 支出型困难]}}\n"))
    assert region.policy["eligibility"]["hardship"] == ["低保", "特困", "支出型困难"]
    assert region.policy["eligibility"]["min_age_at_enrolment"] == 60  # default kept
    assert region.policy["visits"]["unrecorded_time"] == "zero"


def test_a_policy_section_is_validated_once_and_each_refusal_names_its_region(tmp_path):
    """600 regions on the defaults share one validated policy; a bad section still refuses every region stating it."""
    same = GOOD + "policy: {visits: {partial_month: prorate}}\n"
    for code in ("370301", "370302"):
        _region(tmp_path, code, same.replace("370306", code))
    _region(tmp_path, "370303", GOOD.replace("370306", "370303"))
    _region(tmp_path, "370304", GOOD.replace("370306", "370304") + "policy: {visits: {partial_month: 1}}\n")
    for code in ("370305", "370307"):
        _region(tmp_path, code, GOOD.replace("370306", code) + "policy: {visits: {partial_month: weekly}}\n")
    regions, refused = discover_regions(tmp_path)
    by_code = {r.code: r for r in regions}
    assert by_code["370301"].policy is by_code["370302"].policy
    assert by_code["370301"].policy["visits"]["partial_month"] == "prorate"
    assert by_code["370303"].policy["visits"]["partial_month"] == "exclude"
    assert [(e.folder, "partial_month" in e.reason) for e in refused] == [
        ("370304", True), ("370305", True), ("370307", True)]
