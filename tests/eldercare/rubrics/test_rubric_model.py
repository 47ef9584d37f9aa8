"""Rubric files: checked at load, errors name the file and the key; unknown figures fail loudly."""

import pytest
import yaml

from rubric_fixtures import KNOWN, rubrics  # noqa: F401 (fixture)
from eldercare.rubrics.model import RubricError, default_rubrics, load_rubric, load_rubrics

MINI = {
    "id": "mini", "title": "t", "source": "s", "subject": "region", "points": 10,
    "grades": [{"grade": "好", "min": 8}, {"grade": "差", "min": None}],
    "levels": [{"name": "一", "points": 10, "indicators": [
        {"name": "甲", "points": 4, "rule": {"kind": "ratio", "metric": "beds_built_share"}},
        {"name": "乙", "points": 6, "rule": {"kind": "manual", "guide": "g"}}]}],
}


def write(tmp_path, doc, name="mini"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_the_four_rubrics_load_with_their_points(rubrics):
    assert sorted(rubrics) == ["guangxi_2020_self_evaluation", "huining_2020_county", "zhoucun_2022_institution",
                               "zhoucun_2022_project"]
    assert {i: r.max_points() for i, r in rubrics.items()} == {
        "guangxi_2020_self_evaluation": 100, "huining_2020_county": 110, "zhoucun_2022_institution": 100,
        "zhoucun_2022_project": 100}
    project = rubrics["zhoucun_2022_project"]
    assert [k for k, _, _, ind in project.indicators() if ind.core] == ["采购程序合规性", "家庭养老床位建设数",
                                                                        "适老化改造验收合格情况"]
    assert project.veto.grade == "差"


def test_unknown_metric_fails_at_load_naming_file_and_key(tmp_path):
    doc = {**MINI, "levels": [{**MINI["levels"][0], "indicators": [
        {"name": "甲", "points": 4, "rule": {"kind": "ratio", "metric": "beds_bulit_share"}},
        MINI["levels"][0]["indicators"][1]]}]}
    with pytest.raises(RubricError, match=r"mini.yaml: indicator '甲' key 'rule.metric': 'beds_bulit_share'"):
        load_rubric(write(tmp_path, doc), KNOWN)


def test_unknown_key_and_wrong_sums_are_refused(tmp_path):
    with pytest.raises(RubricError, match=r"mini.yaml: key 'colour'"):
        load_rubric(write(tmp_path, {**MINI, "colour": "red"}), KNOWN)
    short = {**MINI, "levels": [{**MINI["levels"][0], "points": 11}]}
    with pytest.raises(RubricError, match="fewer than its 11"):
        load_rubric(write(tmp_path, short), KNOWN)
    with pytest.raises(RubricError, match="key 'levels.0.indicators.0.rule': Input tag 'guess'"):
        bad = {**MINI, "levels": [{**MINI["levels"][0], "indicators": [
            {"name": "甲", "points": 4, "rule": {"kind": "guess"}}, MINI["levels"][0]["indicators"][1]]}]}
        load_rubric(write(tmp_path, bad), KNOWN)
    with pytest.raises(RubricError, match="the file is named 'other'"):
        load_rubric(write(tmp_path, MINI, name="other"), KNOWN)


def test_programme_default_is_named_in_configuration():
    assert default_rubrics() == ["zhoucun_2022_project", "zhoucun_2022_institution"]


def test_missing_rubric_file_is_named(tmp_path):
    write(tmp_path, MINI)
    with pytest.raises(RubricError, match=r"no rubric file for \['nope'\]"):
        load_rubrics(KNOWN, tmp_path, ids=["nope"])
