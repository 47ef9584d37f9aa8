"""整体绩效目标自评表: budget execution and the indicators' scores, read back from the workbook."""

import pytest
from openpyxl import load_workbook

from eldercare.exports.indicators import indicator_table
from eldercare.exports.self_evaluation import fund_rows, score_indicators, write_self_evaluation
from eldercare.exports.settings import load_settings

from export_fixtures import AS_OF, CODE, SEED_000_LABELS, SETTINGS, figures


def _write(tmp_path, figs):
    rules = load_settings().self_evaluation
    funds = fund_rows(figs, CODE, 180.5, rules.execution_points)
    scored = score_indicators(indicator_table(figs, CODE, SETTINGS), rules)
    path = write_self_evaluation(tmp_path / "自评表.xlsx", "周村区", 2022, funds, scored, rules.execution_points, AS_OF)
    return load_workbook(path)["整体绩效目标自评表"]


def test_budget_block(tmp_path):
    ws = _write(tmp_path, figures())
    assert {"A5:A9", "A10:A11", "A12:A24", "B10:E10", "F10:I10"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(5, c).value for c in range(3, 9)] == ["年初预算数", "全年预算数（A）", "全年执行数（B）", "分值",
                                                          "执行率（B/A）", "得分"]
    # total: A = 2,000,000 元 = 200 万元, B = 150 万元, rate 0.75, score 0.75 × 10 = 7.5; 年初预算数 = budget_wan
    assert [ws.cell(6, c).value for c in range(3, 9)] == [180.5, 200, 150, 10, 0.75, 7.5]
    # central 150 / 120 → 0.8; local (county) 50 / 30 → 0.6
    assert [ws.cell(7, c).value for c in (4, 5, 7)] == [150, 120, 0.8]
    assert [ws.cell(8, c).value for c in (4, 5, 7)] == [50, 30, 0.6]
    assert ws["G9"].value.startswith("not computable")


def test_indicator_points_scores_and_shortfall_reasons(tmp_path):
    ws = _write(tmp_path, figures())
    assert [ws.cell(r, 4).value for r in range(13, 25)] == SEED_000_LABELS
    assert ws.cell(12, 9).value == "未完成原因和\n改进措施"
    assert [ws.cell(r, 7).value for r in range(13, 25)] == [8, 8, 8, 8, 8, 5, 5, 10, 10, 10, 5, 5]
    assert ws["H13"].value == 8  # 248 ≥ 248
    assert ws["H15"].value == pytest.approx(6.4)  # 8 × 396 / 495
    assert ws["H18"].value == pytest.approx(5 * 2500 / 2600)  # cost above its ceiling: 4.8077
    assert ws["H19"].value == 5 and ws["H20"].value == 10 and ws["H23"].value == 5
    assert ws["H24"].value == pytest.approx(4.5)  # 5 × 0.765 / 0.85
    assert ws["E18"].value == "≤2,500元/床" and ws["E15"].value == "≥495人次"
    assert "未达到年度指标值" in ws["I15"].value
    assert ws["I16"].value.startswith("not computable")  # no target for indicator 4
    assert ws["H17"].value == "不可计算" and ws["I17"].value.startswith("not computable: baseline")
    # total: 10 + 90 points; 4 scores not computable (indicators 2, 4, 5, 10) → no made-up total
    assert ws["A25"].value == "总分" and ws["G25"].value == 100
    assert ws["H25"].value == "not computable: 4 项得分不可计算"
