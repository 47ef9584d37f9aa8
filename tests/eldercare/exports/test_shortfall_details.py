"""上门服务不达标明细: counts per institution × month and each short person-month with visits, hours, medical."""

from openpyxl import load_workbook

from eldercare.exports.shortfall_details import write_shortfall_details

from export_fixtures import AS_OF, short_months, visit_shortfalls


def test_summary_and_detail(tmp_path):
    wb = load_workbook(write_shortfall_details(tmp_path / "明细.xlsx", "周村区", short_months(), visit_shortfalls(),
                                               AS_OF))
    s = wb["汇总"]
    assert [s.cell(2, c).value for c in range(1, 7)] == ["服务机构", "月份", "在范围人月", "次数不达标（人月）",
                                                         "时长不达标（人月）", "医疗护理不达标（人月）"]
    assert [s.cell(3, c).value for c in range(1, 7)] == ["QYT", "2022-07", 57, 1, 1, 0]
    assert [s.cell(4, c).value for c in range(1, 7)] == ["TY", "2022-09", 40, 0, 0, 1]
    assert [s.cell(5, c).value for c in range(1, 7)] == ["合计", None, 97, 1, 1, 1]  # 57 + 40 in scope
    d = wb["明细"]
    merged = {str(r) for r in d.merged_cells.ranges}
    assert {"A2:A3", "D2:D3", "E2:H2", "I2:K2", "L2:L3"} <= merged
    assert (d["E2"].value, d["I2"].value) == ("服务情况", "不达标项目")
    assert [d.cell(3, c).value for c in range(5, 12)] == ["服务次数（次）", "服务时长（小时）", "未记录时长（次）",
                                                          "医疗护理（次）", "次数", "时长", "医疗护理"]
    # Q10, July: 9 visits, 540 min = 9.0 h, 1 unrecorded, 2 medical; below visits and hours; minimums 15 / 15 h / 2
    assert [d.cell(4, c).value for c in range(1, 13)] == ["QYT", "2022-07", "Q10", "赵*", 9, 9.0, 1, 2, "不达标",
                                                          "不达标", None, "15 / 15 / 2"]
    # T03, September: 990 min = 16.5 h, only medical visits short
    assert [d.cell(5, c).value for c in (3, 6, 9, 10, 11)] == ["T03", 16.5, None, None, "不达标"]


def test_internal_export_adds_the_masked_id_number(tmp_path):
    rows = short_months().assign(id_masked=["370302********1234", "370302********567X"])
    d = load_workbook(write_shortfall_details(tmp_path / "明细_内部.xlsx", "周村区", rows, visit_shortfalls(),
                                              AS_OF))["明细"]
    assert d["E2"].value == "身份证号（脱敏）" and d["E4"].value == "370302********1234"


def test_tables_missing(tmp_path):
    wb = load_workbook(write_shortfall_details(tmp_path / "明细.xlsx", "周村区", None, None, AS_OF))
    assert wb["汇总"]["A3"].value == "not computable: 尚未计算 (table missing)"
    assert wb["明细"]["A4"].value == "not computable: 尚未计算 (table missing)"
