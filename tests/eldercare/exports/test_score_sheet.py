"""绩效评价得分表: a sheet per subject, indicators with max, score, rule or evidence; totals, grade; overrides marked."""

from openpyxl import load_workbook

from eldercare.exports.score_sheet import write_score_sheets

from export_fixtures import AS_OF, CODE, departures, indicator_scores, totals

SUBJECTS = [(CODE, "项目（周村区）"), ("QYT", "QYT 期颐堂"), ("TY", "TY 托养康复中心")]


def test_project_sheet(tmp_path):
    wb = load_workbook(write_score_sheets(tmp_path / "得分表.xlsx", "周村区", SUBJECTS, indicator_scores(), totals(),
                                          departures(), AS_OF))
    assert wb.sheetnames == ["项目（周村区）", "QYT 期颐堂", "TY 托养康复中心", "调整与偏离"]
    ws = wb["项目（周村区）"]
    assert [ws.cell(3, c).value for c in range(1, 6)] == ["一级指标", "二级指标", "三级指标", "分值", "得分"]
    assert {"A4:A5", "A6:A7", "B4:B5"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(r, 3).value for r in range(4, 8)] == ["立项依据充分性", "立项程序规范性", "★家庭养老床位建设数",
                                                          "※ 工作完成时效情况"]
    assert [ws.cell(r, 5).value for r in range(4, 8)] == [2, 2, 4, 1.5]
    assert (ws["F7"].value, ws["G7"].value, ws["I7"].value) == (1, 1.5, "调整（覆盖计算值）")
    assert ws["E7"].fill.fgColor.rgb.endswith("FFF2CC")
    assert "248 ÷ 248 × 4" in ws["H6"].value and "民办函〔2021〕37号" in ws["H4"].value
    # level totals, total 9.5 of 10, grade, no veto (rows after a blank line under the 4 indicators)
    cells = {ws.cell(r, 1).value: (ws.cell(r, 4).value, ws.cell(r, 5).value) for r in range(9, 16)}
    assert cells["决策"] == (4, 4) and cells["产出"] == (6, 5.5) and cells["总分"] == (10, 9.5)
    assert cells["评价等级"][0] == "良好" and cells["否决性指标"][0] == "无"


def test_institution_sheets_and_departures(tmp_path):
    wb = load_workbook(write_score_sheets(tmp_path / "得分表.xlsx", "周村区", SUBJECTS, indicator_scores(), totals(),
                                          departures(), AS_OF))
    qyt = wb["QYT 期颐堂"]
    assert (qyt["C4"].value, qyt["D4"].value, qyt["E4"].value) == ("家庭养老床位完成建设数量", 15, 15)
    assert wb["TY 托养康复中心"]["A4"].value.startswith("not computable: 该对象没有评分")
    dep = wb["调整与偏离"]
    assert [dep.cell(3, c).value for c in range(1, 7)] == [CODE, "zhoucun_2022_project", "工作完成时效情况", 1, 1.5,
                                                           "一项逾期按评价机构口径扣0.5分"]


def test_tables_missing(tmp_path):
    wb = load_workbook(write_score_sheets(tmp_path / "得分表.xlsx", "周村区", SUBJECTS[:1], None, None, None, AS_OF))
    ws = wb["项目（周村区）"]
    assert ws["A4"].value == "not computable: 尚未计算 (table missing)"
    assert wb["调整与偏离"]["A3"].value == "not computable: 尚未计算 (table missing)"


def test_every_score_status_is_printed_in_chinese():
    from eldercare.exports.score_sheet import STATUS_LABELS
    from eldercare.rubrics.engine import STATUSES
    assert set(STATUS_LABELS) == set(STATUSES)  # a raw English status never reaches the 得分表
