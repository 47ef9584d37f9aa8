"""Seed 003's county table with invented counts: per-unit deductions and bonuses, the item caps, the bonus item."""

import datetime as dt

import pytest

from rubric_fixtures import figures, score, rubrics  # noqa: F401 (fixture)
from eldercare.rubrics.judgments import parse_judgments

REGION = "620422"  # 会宁县
RUBRIC = "huining_2020_county"
STATIONS = "按要求及时完成“幸福白银·银龄驿站”建设任务"
BUILDINGS = ("贯彻落实《国务院办公厅关于全面放开养老服务市场提升养老服务质量的若干意见》、民政部等11部委《关于支持整合改造闲置"
             "社会资源发展养老服务的通知》等文件精神，新建居住（小）区配建居家和社区养老服务设施与住宅“四同步”，已建成居住（小）区"
             "要通过协调整合改造一批闲置社会资源用于居家和社区养老服务")
ITEM7 = "推进“幸福白银·银龄驿站”居家和社区养老服务体系建设"
ITEM3 = "建立试点工作督导机制"


def run(rubrics, entries: dict, execution=0.62):
    j = parse_judgments({RUBRIC: {REGION: entries}}, "judgments.yaml", REGION)
    return score(rubrics, RUBRIC, [(REGION, REGION)],
                 figures([(REGION, None, "self_evaluation_execution_rate", execution)]), j)


def points(out, name):
    return out.indicators.set_index("indicator").loc[name, "final"]


def level(out, name):
    return out.totals.set_index("level").loc[name, "points"]


@pytest.mark.parametrize("built, task, score_", [(8, 10, 9.0), (10, 10, 13.0), (12, 10, 15.0), (0, 10, 0.0)])
def test_stations_two_off_per_missing_one_on_per_extra(rubrics, built, task, score_):
    # 13 − 2 × (10 − 8) = 9; 13; 13 + 1 × 2 = 15; 13 − 2 × 10 → 0
    out = run(rubrics, {STATIONS: {"actual": built, "target": task}})
    assert points(out, STATIONS) == score_


def test_buildings_one_off_per_unmet_estate_floor_zero(rubrics):
    assert points(run(rubrics, {BUILDINGS: {"actual": 3}}), BUILDINGS) == 5  # 8 − 3
    assert points(run(rubrics, {BUILDINGS: {"actual": 11}}), BUILDINGS) == 0  # 8 − 11 → 0


def test_item_7_caps_the_station_bonus_at_its_30_points(rubrics):
    full = {"2020年7月底前，完成居家和社区养老服务设施数量、分布、功能等基本信息摸底统计，并上报摸底报告":
            {"actual": dt.date(2020, 7, 20)},
            BUILDINGS: {"actual": 0}, "60%以上的“幸福白银·银龄驿站”开展工作": {"actual": "75%"}}
    # 2 + 8 + (13 + 1 × 3 = 16) + 7 = 33 → capped at 30
    out = run(rubrics, {**full, STATIONS: {"actual": 13, "target": 10}})
    assert points(out, STATIONS) == 16 and level(out, ITEM7) == 30
    # one estate unmet: 2 + 7 + 16 + 7 = 32 → 30: the bonus makes up the deduction
    out = run(rubrics, {**full, BUILDINGS: {"actual": 1}, STATIONS: {"actual": 13, "target": 10}})
    assert level(out, ITEM7) == 30
    # two stations short and 3 estates unmet: 2 + 5 + 9 + 7 = 23
    out = run(rubrics, {**full, BUILDINGS: {"actual": 3}, STATIONS: {"actual": 8, "target": 10}})
    assert level(out, ITEM7) == 23


def test_item_3_prints_8_points_of_requirements_for_5(rubrics):
    entries = {"2020年9月底前，建立相关部门参加的督促指导小组": {"actual": "2020-09-10"},
               "每年至少开展2次以上督促指导工作": {"actual": "3次"},
               "及时完成县级领导小组办公室交办的相关督促指导任务": {"actual": "均及时完成"},
               "将试点工作纳入目标考核范围": {"score": 2}}
    out = run(rubrics, entries)
    assert level(out, ITEM3) == 5  # 2 + 2 + 2 + 2 = 8 → 5
    late = {**entries, "2020年9月底前，建立相关部门参加的督促指导小组": {"actual": "2020-10-12"},
            "每年至少开展2次以上督促指导工作": {"actual": "1次"}}
    assert level(run(rubrics, late), ITEM3) == 4  # 0 + 0 + 2 + 2


def test_bonus_item_adds_beyond_100(rubrics):
    entries = {"出台推进居家和社区养老服务的地方政策，并初显成效": {"score": 5},
               "大力开展居家和社区养老服务，在服务模式方面有探索和创新，并取得了较好的成效": {"score": 3}}
    out = run(rubrics, entries)
    total = out.totals.set_index("level").loc["total"]
    assert level(out, "社区和居家养老服务创新") == 8 and total["max_points"] == 110
    # execution 62% ≥ 50% (a figure) → 3 of item 2; with nothing else judged the rest is not scored
    assert points(out, "资金执行进度符合试点工作要求。2020年底前中央财政补助资金的执行进度达到50%以上") == 3
    assert total["points"] == 11 and total["grade"] is None


def test_execution_below_half_scores_nothing(rubrics):
    out = run(rubrics, {}, execution=0.4999)
    assert points(out, "资金执行进度符合试点工作要求。2020年底前中央财政补助资金的执行进度达到50%以上") == 0
