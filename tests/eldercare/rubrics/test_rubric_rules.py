"""Each rule kind of a scoring table: floors, caps, per-unit bonuses, band boundaries, targets; exact values."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from eldercare.rubrics import rules


def s(*values):
    return pd.Series(values, dtype=object)


def test_ratio_times_points_is_capped_at_the_points_and_stays_exact():
    # execution 100% × 3 = 3; 51.7% of 10 = 5.17 stored exactly (1564.88 / 3027 × 10 = 5.16974…); 120% × 3 capped at 3
    out = rules.ratio(s(1.0, 1564.88 / 3027, 1.2, np.nan), 3)
    assert list(out[:3]) == [3.0, pytest.approx(1564.88 / 3027 * 3, abs=0), 3.0]
    assert math.isnan(out[3])
    assert rules.ratio(s(0.517), 10).round(2).iloc[0] == 5.17  # rounding only for display
    assert rules.ratio(s(1.2), 4, cap=4.4).iloc[0] == pytest.approx(4.4)  # an explicit cap above the points


def test_deduction_per_occurrence_floors_at_zero():
    # 4 − 0.5 × 3 = 2.5; 4 − 0.5 × 8 = 0; 4 − 0.5 × 141 → 0 (扣完为止); none → 4
    assert list(rules.deduction(s(3, 8, 141, 0), 4, 0.5)) == [2.5, 0.0, 0.0, 4.0]
    assert math.isnan(rules.deduction(s(np.nan), 4, 0.5).iloc[0])  # unknown count: not computable, never 4
    assert list(rules.deduction(s(10), 6, 1, floor=1)) == [1.0]


def test_per_unit_deduction_and_bonus_with_caps():
    # 13 points, target 10 stations: 8 built → 13 − 2 × 2 = 9; 12 built → 13 + 1 × 2 = 15; 3 built → 13 − 14 → 0
    assert list(rules.per_unit(s(8, 10, 12, 3), 10, 13, deduct=2, bonus=1)) == [9.0, 13.0, 15.0, 0.0]
    # a cap of its own: 12 built → 15 capped at 14
    assert list(rules.per_unit(s(12), 10, 13, deduct=2, bonus=1, max_score=14)) == [14.0]
    # a per-subject target
    assert list(rules.per_unit(s(5, 5), pd.Series([4.0, 7.0]), 13, deduct=2, bonus=1)) == [14.0, 9.0]


@pytest.mark.parametrize("rate, score", [
    (0.9943, 5), (0.90, 5), (0.8999, 3), (0.80, 3), (0.7999, 1), (0.60, 1), (0.5999, 0.5), (0.0, 0.5)])
def test_bands_every_boundary_is_inclusive_below(rate, score):
    # Zhoucun 群众满意度: ≥90% → 5; 80–90% → 3; 60–80% → 1; <60% → 0.5
    bands = [(0.9, 5), (0.8, 3), (0.6, 1), (None, 0.5)]
    assert rules.bands(s(rate), bands).iloc[0] == score


def test_bands_unknown_value_is_not_computable():
    assert math.isnan(rules.bands(s(np.nan), [(0.9, 5), (None, 0.5)]).iloc[0])


def test_criteria_sum_yes_no_and_partial_awards():
    answers = pd.DataFrame({"a": [True, True, False, True], "b": [True, False, 0.5, None]})
    out = rules.criteria(answers, {"a": 1, "b": 1})
    # 1 + 1 = 2; 1 + 0 = 1; 0 + 0.5 = 0.5; b unanswered → not computable
    assert list(out[:3]) == [2.0, 1.0, 0.5]
    assert math.isnan(out[3])
    # an award above the criterion's points is cut to its points: 3 → 2
    assert rules.criteria(pd.DataFrame({"a": [3]}), {"a": 2}).iloc[0] == 2


@pytest.mark.parametrize("text, value", [
    ("6份", 6), ("1.2万人次", 12000), ("≥30%", 0.3), ("51.7%", 0.517), ("9个县区", 9), ("≤300 万元", 3_000_000),
    ("居家和社区养老服务设施交由社会力量运营的比例达30％以上", 0.3), (7, 7), ("已印发", None), (None, None)])
def test_quantities_as_written_in_official_tables(text, value):
    assert rules.parse_quantity(text) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("text, date", [
    ("2020年底前", dt.date(2020, 12, 31)), ("2020年9月底前", dt.date(2020, 9, 30)),
    ("2021年3月前", dt.date(2021, 2, 28)), ("2020年9月前", dt.date(2020, 8, 31)), ("2020-09-15", dt.date(2020, 9, 15)),
    (dt.date(2020, 9, 1), dt.date(2020, 9, 1)), ("持续开展", None)])
def test_deadlines(text, date):
    assert rules.parse_deadline(text) == date


def test_target_numbers_with_each_comparator():
    # ≥2份 vs 6份 met, vs 1份 not met; ≤300万元 vs 240万元 met; = 1个 vs 1 met; vs 2 not met
    assert list(rules.target(s("6份", "1份"), "≥2份", 3, "number", ">=")) == [3.0, 0.0]
    assert list(rules.target(s("240万元", "310万元"), "≤300 万元", 2, "number", "<=")) == [2.0, 0.0]
    assert list(rules.target(s(1, 2), "1个", 3, "number", "=")) == [3.0, 0.0]
    assert list(rules.target(s(0.5, 0.4999), "50%", 3, "number", ">")) == [0.0, 0.0]
    assert list(rules.target(s(0.4999), "50%", 3, "number", "<")) == [3.0]
    assert math.isnan(rules.target(s("已完成"), "≥2份", 3, "number", ">=").iloc[0])  # no number: undecided


def test_target_text_and_deadline():
    # 正式印发文件: 已印发 met, 未印发 not met, 正在起草 undecided (a reviewer judges)
    out = rules.target(s("已印发", "未印发", "正在起草"), "正式印发文件", 3, "text",
                       met_when=("已印发",), not_met_when=("未印发",))
    assert list(out[:2]) == [3.0, 0.0] and math.isnan(out[2])
    # 2020年9月底前: done 2020-09-30 met, 2020-10-01 not met; 已出台 accepted phrase; 30% undecided
    out = rules.target(s(dt.date(2020, 9, 30), "2020-10-01", "已出台", "30%"), "2020年9月底前", 1, "deadline",
                       met_when=("已出台",))
    assert list(out[:3]) == [1.0, 0.0, 1.0] and math.isnan(out[3])
    # 及时: 未及时 is refused before 及时 is accepted
    out = rules.target(s("及时完成", "未及时完成"), "及时", 2, "text", met_when=("及时",), not_met_when=("未",))
    assert list(out) == [2.0, 0.0]
