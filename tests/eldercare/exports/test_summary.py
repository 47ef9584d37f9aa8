"""汇总表: each region's project totals, its indicators judged against their targets, and findings per category."""

import datetime as dt

import openpyxl
import pandas as pd

from eldercare.exports.summary import finding_counts, indicator_rows, score_rows, write_summary

NAMES = {"370303": "甲区", "370304": "乙区"}


def test_indicators_met_missed_or_why_not():
    ind = pd.DataFrame({"region_code": ["370303", "370303", "370304", "370304"], "number": [1, 6, 1, 6],
                        "indicator": ["床位", "成本", "床位", "成本"], "unit": ["张", "元/床", "张", "元/床"],
                        "ceiling": [False, True, False, True], "target": [100.0, 5000.0, None, 5000.0],
                        "actual": [120.0, 5200.0, 80.0, None], "computable": [True, True, True, False],
                        "why_not": [None, None, None, "not computable: 无支出"]})
    rows = indicator_rows(ind, NAMES)
    # beds 120 ≥ 100 met; cost 5200 > ceiling 5000 missed; no target: says so; not computable: says why
    assert list(rows["verdict"]) == ["达到", "未达到", "未填报目标", "not computable: 无支出"]
    assert list(rows["region_name"]) == ["甲区", "甲区", "乙区", "乙区"]


def test_scores_are_the_projects_totals_only_and_findings_count_every_category():
    totals = pd.DataFrame({"region_code": ["370303", "370303", "370303"], "rubric": ["r"] * 3,
                           "subject": ["370303", "370303", "JG001"], "level": ["total", "产出", "total"],
                           "points": [85.0, 30.0, 70.0], "max_points": [100.0, 40.0, 100.0],
                           "grade": ["良好", None, "中"], "veto": [False] * 3})
    scores = score_rows(totals, NAMES)
    assert scores[["region_code", "points", "grade"]].values.tolist() == [["370303", 85.0, "良好"]]
    counts = finding_counts(pd.DataFrame({"region_code": ["370303", "370303"], "category": ["业务管理", "项目产出"],
                                          "n": [2, 1]}), NAMES)
    assert counts.set_index("region_code").loc["370303", ["业务管理", "项目产出", "合计"]].tolist() == [2, 1, 3]
    assert counts.set_index("region_code").loc["370304", "合计"] == 0  # a region without findings is listed, 0


def test_workbook_sheets(tmp_path):
    ind = indicator_rows(pd.DataFrame({"region_code": ["370303"], "number": [1], "indicator": ["床位"], "unit": ["张"],
                                       "ceiling": [False], "target": [None], "actual": [None],
                                       "computable": [False], "why_not": ["not computable: x"]}), NAMES)
    path = write_summary(tmp_path / "s.xlsx", score_rows(None, NAMES), ind,
                         finding_counts(pd.DataFrame(columns=["region_code", "category", "n"]), NAMES), dt.date(2022, 6, 30))
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["评分汇总", "指标汇总", "问题汇总"]
    assert list(wb["指标汇总"].iter_rows(min_row=3, values_only=True))[0][-1] == "not computable: x"
