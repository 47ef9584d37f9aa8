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
