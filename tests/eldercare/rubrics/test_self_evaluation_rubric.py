"""Seed 001's 自评表 scored from its own targets and actuals: 90.5 only with the published 6 for execution."""

import pandas as pd
import pytest

from rubric_fixtures import figures, fixture_judgments, score, rubrics  # noqa: F401 (fixture)

REGION = "450000"
EXECUTION = 1564.88 / 3027  # 全年执行数 ÷ 全年预算数 = 51.697…% (printed 51.7%)


@pytest.fixture(scope="module")
def scored(rubrics):
    return score(rubrics, "guangxi_2020_self_evaluation", [(REGION, REGION)],
                 figures([(REGION, None, "self_evaluation_execution_rate", EXECUTION)]),
                 fixture_judgments("guangxi_2020_judgments.yaml", REGION))


def test_execution_6_of_10_is_an_override_not_a_stated_rule(scored):
    """No stated rule gives 6: the written rule 执行率 × 分值 gives 1564.88 ÷ 3027 × 10 = 5.17 (seed 001 and the
    programme documents state no band or rounding that yields 6). The 6 is recorded as an override with its reason."""
    row = scored.indicators.set_index("indicator").loc["年度资金总额"]
    assert row["computed"] == pytest.approx(5.1697, abs=5e-5)
    assert round(row["computed"], 2) == 5.17
    assert (row["override"], row["final"], row["status"]) == (6.0, 6.0, "overridden")
    dep = scored.departures.set_index("indicator").loc["年度资金总额"]
    assert dep["final"] == 6 and dep["computed"] == pytest.approx(5.1697, abs=5e-5) and "5.17" in dep["reason"]


def test_total_90_5_excellent(scored):
    total = scored.totals.set_index("level").loc["total"]
    # 6 + 数量 7 × 3 + 1 + 质量 3 + 3 + 1 + 时效 5 × 2 + 1 + 成本 2 + 2 + 0.5 + 效益 15 + 15 + 满意度 10 = 90.5
    assert total["points"] == 90.5 and total["not_scored"] == 0 and total["grade"] == "优"
    levels = scored.totals.set_index("level")["points"]
    assert (levels["项目资金（万元）"], levels["产出指标"], levels["效益指标"], levels["满意度指标"]) == (6, 44.5, 30, 10)


def test_published_scores_that_differ_from_the_written_target_rule_are_departures(scored):
    deps = scored.departures.set_index("indicator")
    # 7.建设…指导中心: target 1个, actual 1 → rule 3, published 1; 质量 建设…指导中心: 正在搭建 → rule 0, published 1;
    # 成本 3: ≤200万元, actual 0 → rule 1, published 0.5
    assert deps.loc["7.建设梧州市养老服务业指导中心", ["computed", "final"]].tolist() == [3, 1]
    assert deps.loc["建设梧州市养老服务业指导中心", ["computed", "final"]].tolist() == [0, 1]
    assert deps.loc["3.梧州社区养老服务设施建设和运营标准化设计", ["computed", "final"]].tolist() == [1, 0.5]
    assert len(deps) == 4


def test_repeated_names_are_told_apart_by_their_level(scored):
    rows = scored.indicators.set_index("indicator")
    assert rows.loc["数量指标/5、为特困、孤寡、独居老年人提供应急救援电子通讯设备", "final"] == 3  # 1.8万 ≥ 2000
    assert rows.loc["时效指标/5、为特困、孤寡、独居老年人提供应急救援电子通讯设备", "final"] == 2  # 已完成
    # a text actual no phrase decides is judged, not computed
    assert rows.loc["2.开展政府购买服务，服务人数达到2万名以上", "status"] == "judged"


def test_execution_not_computable_leaves_the_indicator_unscored_with_the_why(rubrics):
    out = score(rubrics, "guangxi_2020_self_evaluation", [(REGION, REGION)],
                figures([(REGION, None, "self_evaluation_execution_rate", None)]))
    row = out.indicators.set_index("indicator").loc["年度资金总额"]
    assert row["status"] == "not_scored" and pd.isna(row["final"])
    assert row["why_not"] == "not scored: not computable: self_evaluation_execution_rate input unknown"
