"""Zhoucun 2022 scored from its published judgments and published data-decided inputs (acceptance of issue 12)."""

import pandas as pd
import pytest

from rubric_fixtures import FIXTURES, fixture_judgments, score, rubrics  # noqa: F401 (fixture)

REGION = "370306"


@pytest.fixture(scope="module")
def figures():
    # published inputs: 248 of 248 beds, execution 178.8188 ÷ 178.8188 = 100%, satisfaction 99.43% (published as
    # 99.32%), 141 and 157 short household-months; the institutions' split of 141/157 is assumed (59+14+68, 60+20+77)
    return pd.read_csv(FIXTURES / "zhoucun_figures.csv", dtype={"region_code": str, "institution_id": str})


def test_project_total_85_good_with_levels_as_published(rubrics, figures):
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)], figures,
                fixture_judgments("zhoucun_judgments.yaml", REGION))
    levels = out.totals.set_index("level")
    # 决策 2+2+1+1.5+4+4 = 14.5; 过程 30 judged + execution 1.0 × 3 = 33;
    # 产出 beds 1.0 × 4 + visits 4 − 0.5 × 141 → 0 + hours 4 − 0.5 × 157 → 0 + acceptance 6 − 0 + quality 4 − 0
    #      + timeliness 1.5 (override of 2 − 1 × 1 = 1) + cost 1 + 0 = 16.5;
    # 效益 4+4+2+6 + satisfaction 99.43% ≥ 90% → 5 = 21
    assert levels.loc["决策", "points"] == 14.5
    assert levels.loc["过程", "points"] == 33
    assert levels.loc["产出", "points"] == 16.5
    assert levels.loc["效益", "points"] == 21
    assert levels.loc["total", "points"] == 85.0
    assert levels.loc["total", "grade"] == "良好"
    assert not levels.loc["total", "veto"]


def test_published_satisfaction_gives_the_same_five_points(rubrics, figures):
    published = figures.assign(value=figures["value"].where(figures["metric"] != "satisfaction_rate", 0.9932))
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)], published,
                fixture_judgments("zhoucun_judgments.yaml", REGION))
    assert out.indicators.set_index("indicator").loc["群众满意度", "final"] == 5


def test_timeliness_departure_keeps_both_values_and_the_reason(rubrics, figures):
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)], figures,
                fixture_judgments("zhoucun_judgments.yaml", REGION))
    row = out.indicators.set_index("indicator").loc["工作完成时效情况"]
    # written rule: 2 − 1 per late item × 1 = 1; the evaluator gave 1.5
    assert (row["computed"], row["override"], row["final"], row["status"]) == (1.0, 1.5, 1.5, "overridden")
    [dep] = out.departures.to_dict("records")
    assert (dep["indicator"], dep["computed"], dep["final"]) == ("工作完成时效情况", 1.0, 1.5)
    assert "0.5" in dep["reason"]
    visits = out.indicators.set_index("indicator").loc["居家上门护理服务次数"]
    assert visits["inputs"] == "short_person_months_visits=141" and visits["status"] == "scored"


def test_institutions_65_78_65(rubrics, figures):
    out = score(rubrics, "zhoucun_2022_institution", [(REGION, "QYT"), (REGION, "DT"), (REGION, "TY")], figures,
                fixture_judgments("zhoucun_judgments.yaml", REGION))
    totals = out.totals[out.totals["depth"] == 0].set_index("subject")
    # each: beds 1.0 × 15 + acceptance 15 + compliance 10 + plan 10 + quality 10 − 0 + timeliness 0 + 5 = 65, plus
    # visits and hours: 期颐堂 15 − 0.5 × 59 → 0, 15 − 0.5 × 60 → 0 → 65; 灯塔 15 − 7 = 8, 15 − 10 = 5 → 78;
    # 托养 15 − 34 → 0, 15 − 38.5 → 0 → 65
    assert totals["points"].to_dict() == {"DT": 78.0, "QYT": 65.0, "TY": 65.0}
    assert totals.loc["DT", "grade"] == "良好" and totals.loc["QYT", "grade"] == "及格"


def test_without_figures_data_decided_indicators_are_not_scored_never_zero_nor_full(rubrics):
    empty = pd.DataFrame(columns=["region_code", "institution_id", "metric", "value", "computable", "why_not"])
    out = score(rubrics, "zhoucun_2022_project", [(REGION, REGION)], empty,
                fixture_judgments("zhoucun_judgments.yaml", REGION))
    rows = out.indicators.set_index("indicator")
    for name in ("预算执行率", "家庭养老床位建设数", "居家上门护理服务次数", "群众满意度"):
        assert rows.loc[name, "status"] == "not_scored" and pd.isna(rows.loc[name, "final"])
        assert "no row for this subject in metrics.figures" in rows.loc[name, "why_not"]
    total = out.totals.set_index("level").loc["total"]
    # judged points only: 14.5 + 30 + (4 + 1.5 + 1) + 16 = 67 of 100; 6 not scored → no grade
    assert total["points"] == 67.0 and total["not_scored"] == 6
    assert total["grade"] is None and "6 indicator(s) not scored" in total["why_not"]


def test_a_subject_with_nothing_scored_has_no_points_rather_than_zero(rubrics):
    empty = pd.DataFrame(columns=["region_code", "institution_id", "metric", "value", "computable", "why_not"])
    out = score(rubrics, "zhoucun_2022_institution", [(REGION, "QYT")], empty)
    total = out.totals.set_index("level").loc["total"]
    assert pd.isna(total["points"]) and total["not_scored"] == 8 and total["grade"] is None
