"""judgments.yaml: parsed per the contract, errors name the file and the key; overrides, vetoes, departures."""

import pandas as pd
import pytest

from rubric_fixtures import figures, score, rubrics  # noqa: F401 (fixture)
from eldercare.rubrics.assignment import rubrics_named, subjects
from eldercare.rubrics.judgments import Judgments, JudgmentsError, check_against, parse_judgments
from eldercare.rubrics.model import RubricError

REGION = "370306"


def parse(doc):
    return parse_judgments(doc, "370306/judgments.yaml", REGION)


def test_contract_example_parses():
    j = parse({"zhoucun_2022_project": {370306: {"立项依据充分性": {"score": 2, "evidence": "依据充分"}}},
               "zhoucun_2022_institution": {"QYT": {"服务机构合规性": {"score": 10, "evidence": "…"}}},
               "overrides": [{"rubric": "zhoucun_2022_project", "subject": "370306", "indicator": "工作完成时效情况",
                              "score": 1.5, "reason": "…"}],
               "vetoes": [{"rubric": "zhoucun_2022_project", "subject": "370306", "reason": "挪用", "evidence": "…"}]})
    assert j.judgments[["rubric", "subject", "indicator", "score"]].values.tolist() == [
        ["zhoucun_2022_project", "370306", "立项依据充分性", 2.0], ["zhoucun_2022_institution", "QYT", "服务机构合规性", 10.0]]
    assert len(j.overrides) == 1 and len(j.vetoes) == 1
    assert j.rubrics() == {"zhoucun_2022_project", "zhoucun_2022_institution"}


@pytest.mark.parametrize("doc, message", [
    ({"r": {"1": {"x": {"score": "high"}}}}, r"370306/judgments.yaml: key 'r.1.x.score': 'high' is not a number"),
    ({"r": {"1": {"x": {"score": 1, "note": "n"}}}}, r"key 'r.1.x': unknown keys \['note'\]"),
    ({"r": {"1": {"x": {"evidence": "only"}}}}, r"key 'r.1.x': give a score, an actual or criteria"),
    ({"r": ["x"]}, r"key 'r' must map subjects"),
    ({"overrides": [{"rubric": "r", "subject": "1", "indicator": "x", "score": 1}]}, r"key 'overrides\[0\].reason'"),
    ({"vetoes": [{"rubric": "r", "subject": "1"}]}, r"key 'vetoes\[0\].reason' is missing"),
])
def test_errors_name_the_file_and_the_key(doc, message):
    with pytest.raises(JudgmentsError, match=message):
        parse(doc)


def test_an_id_number_in_a_note_is_masked():
    j = parse({"zhoucun_2022_project": {REGION: {"立项依据充分性": {
        "score": 2, "evidence": "见370306195001011234的档案"}}},
        "vetoes": [{"rubric": "zhoucun_2022_project", "subject": REGION, "reason": "冒领 37030619500101123X"}]})
    # first 6 + last 4 kept: 370306 ******** 1234
    assert j.judgments["evidence"].tolist() == ["见370306********1234的档案"]
    assert j.vetoes["reason"].tolist() == ["冒领 370306********123X"]


def test_unknown_rubric_indicator_or_too_high_score_is_refused(rubrics):
    with pytest.raises(JudgmentsError, match=r"key 'zhoucun_2023': no rubric file"):
        check_against(parse({"zhoucun_2023": {REGION: {"x": 1}}}), rubrics)
    with pytest.raises(JudgmentsError, match=r"key 'zhoucun_2022_project.370306.立项依据': no such indicator"):
        check_against(parse({"zhoucun_2022_project": {REGION: {"立项依据": 1}}}), rubrics)
    with pytest.raises(JudgmentsError, match="score 3 exceeds the indicator's 2 points"):
        check_against(parse({"zhoucun_2022_project": {REGION: {"立项依据充分性": 3}}}), rubrics)
    with pytest.raises(JudgmentsError, match="reads short_person_months_visits from metrics.figures"):
        check_against(parse({"zhoucun_2022_project": {REGION: {"居家上门护理服务次数": {"actual": 3}}}}), rubrics)
    with pytest.raises(JudgmentsError, match="the subject must be the region code '370306'"):
        check_against(parse({"zhoucun_2022_project": {"370399": {"立项依据充分性": 2}}}), rubrics)
    with pytest.raises(JudgmentsError, match="the name repeats"):
        check_against(parse({"guangxi_2020_self_evaluation": {REGION: {
            "5、为特困、孤寡、独居老年人提供应急救援电子通讯设备": {"actual": 1}}}}), rubrics)


def test_a_judgment_on_a_data_decided_indicator_is_an_override_with_a_departure(rubrics):
    # the rule gives 4 − 0.5 × 3 = 2.5; the reviewer judged 3
    j = parse({"zhoucun_2022_project": {REGION: {"居家上门护理服务次数": {"score": 3, "evidence": "两户为系统漏记"}}}})
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)],
                figures([(REGION, None, "short_person_months_visits", 3)]), j)
    row = out.indicators.set_index("indicator").loc["居家上门护理服务次数"]
    assert (row["computed"], row["judged"], row["final"], row["status"]) == (2.5, 3.0, 3.0, "overridden")
    assert out.departures[["indicator", "computed", "final", "reason"]].values.tolist() == [
        ["居家上门护理服务次数", 2.5, 3.0, "judged: 两户为系统漏记"]]


def test_a_judgment_agreeing_with_the_rule_is_no_departure(rubrics):
    j = parse({"zhoucun_2022_project": {REGION: {"居家上门护理服务次数": {"score": 2.5, "evidence": "同规则"}}}})
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)],
                figures([(REGION, None, "short_person_months_visits", 3)]), j)
    assert out.indicators.set_index("indicator").loc["居家上门护理服务次数", "status"] == "scored"
    assert out.departures.empty


def test_veto_sets_the_grade_whatever_the_points(rubrics):
    full = {name: {"score": ind.points} for name, _, _, ind in rubrics["zhoucun_2022_project"].indicators()}
    doc = {"zhoucun_2022_project": {REGION: full},
           "vetoes": [{"rubric": "zhoucun_2022_project", "subject": REGION, "reason": "挪用项目资金"}]}
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)], figures([]), parse(doc))
    total = out.totals.set_index("level").loc["total"]
    assert total["points"] == 100 and total["grade"] == "差" and total["veto"]
    assert total["veto_reason"] == "挪用项目资金"


def test_which_rubrics_a_region_gets(rubrics):
    j = parse({"zhoucun_2022_institution": {"QYT": {"服务机构合规性": 10}}})
    default = ["zhoucun_2022_project", "zhoucun_2022_institution"]
    assert rubrics_named(REGION, {}, Judgments.empty(), default) == default
    assert rubrics_named(REGION, {"rubrics": ["huining_2020_county"]}, j, default) == [
        "huining_2020_county", "zhoucun_2022_institution"]
    with pytest.raises(RubricError, match=r"370306/region.yaml: key 'rubrics': no rubric file for \['zc'\]"):
        rubrics_named(REGION, {"rubrics": ["zc"]}, j, default, available=sorted(rubrics))
    assigned = pd.DataFrame({"region_code": [REGION, REGION], "rubric": ["zhoucun_2022_project",
                                                                         "zhoucun_2022_institution"]})
    institutions = pd.DataFrame({"region_code": [REGION, REGION, "370399"], "institution_id": ["QYT", "DT", "X"]})
    out = subjects(assigned, rubrics, institutions, j)
    assert out.values.tolist() == [["zhoucun_2022_institution", REGION, "DT"],
                                   ["zhoucun_2022_institution", REGION, "QYT"],
                                   ["zhoucun_2022_project", REGION, REGION]]
