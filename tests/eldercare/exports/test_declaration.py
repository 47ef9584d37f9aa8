"""项目绩效目标申报表: read back the layout of seed 000 and the cells that matter."""

from openpyxl import load_workbook

from eldercare.exports.declaration import DeclarationHeader, write_declaration
from eldercare.exports.indicators import indicator_table

from export_fixtures import AS_OF, CODE, SEED_000_LABELS, SETTINGS, figures

HEADER = DeclarationHeader(CODE, "周村区", 2022, "山东省民政厅", 180.5, 180.5, None, None, ["建设家庭养老床位248张"])


def _write(tmp_path, figs):
    path = write_declaration(tmp_path / "申报表.xlsx", HEADER, indicator_table(figs, CODE, SETTINGS), AS_OF)
    return load_workbook(path)["项目绩效目标申报表"]


def test_layout_merged_headers_and_the_12_indicators_in_order(tmp_path):
    ws = _write(tmp_path, figures())
    merged = {str(r) for r in ws.merged_cells.ranges}
    # title; 项目资金 over its three source rows; 绩效指标 down the header and 12 rows; 一级/二级 indicator runs
    assert {"A1:I1", "A6:A8", "B6:B8", "A10:A22", "B11:B17", "B18:B20", "B21:B22", "C11:C15", "C16:C17", "C18:C20",
            "C21:C22"} <= merged
    assert [ws.cell(10, c).value for c in range(2, 5)] == ["一级指标", "二级指标", "三级指标"]
    assert ws["E10"].value == "2021年\n数据" and ws["F10"].value == "2022年\n目标值" and ws["G10"].value == "2023年目标值"
    assert [ws.cell(r, 4).value for r in range(11, 23)] == SEED_000_LABELS
    assert (ws["B11"].value, ws["B18"].value, ws["B21"].value) == ("产出指标", "效益指标", "满意度指标")
    assert (ws["C11"].value, ws["C16"].value, ws["C18"].value) == ("数量指标", "成本指标", "社会效益指标")
    assert ws["B2"].value == "周村区（370306）" and ws["B3"].value == "2022年居家和社区基本养老服务提升行动项目"
    assert ws["B6"].value == 180.5 and ws["G6"].value == 180.5 and ws["G7"].value == "未填报"


def test_values_targets_and_reasons(tmp_path):
    ws = _write(tmp_path, figures())
    # 1. beds: last year 0, targets 248 / 300 declared, actual 248
    assert [ws.cell(11, c).value for c in (5, 6, 7, 8)] == [0, 248, 300, 248]
    # 3. 人次: this year's target from targets.service_person_times (495), actual 396
    assert (ws["F13"].value, ws["H13"].value) == (495, 396)
    # 8. declared as percentages 60 / 80 / 90 → fractions shown as %
    assert [ws.cell(18, c).value for c in (5, 6, 7, 8)] == [0.6, 0.8, 0.9, 0.9]
    assert ws["H18"].number_format == "0.00%"
    # 11./12. satisfaction_pct 85 → 0.85
    assert ws["F21"].value == 0.85 and ws["H22"].value == 0.765
    # 5. not computable with the figure's reason; 10. absent from metrics.figures
    assert ws["H15"].value == "not computable: baseline.disabled_low_income_elders unknown"
    assert ws["H20"].value.startswith("not computable: awareness_rate")
    assert ws["E12"].value == "未填报"


def test_every_value_says_table_missing_when_figures_is_not_built(tmp_path):
    ws = _write(tmp_path, None)
    assert [ws.cell(r, 8).value for r in range(11, 23)] == ["not computable: 尚未计算 (table missing)"] * 12
    assert ws["F11"].value == 248  # targets still come from region.yaml


def test_declaration_problems_are_named_not_dropped():
    from eldercare.exports.indicators import declaration_problems
    settings = {"declaration": {"indicators": {"beds": {"targets": [1]}, "person_times": {"last_year": "很多"}},
                                "funds_wan": {"central": "x"}}}
    assert declaration_problems(settings) == [
        "declaration.indicators.beds: not one of the 12 indicators ['beds_built', 'home_service_recipients', "
        "'person_times', 'bed_coverage', 'home_service_coverage', 'cost_per_bed', 'cost_per_recipient', "
        "'information_system_share', 'personalisation_share', 'awareness_rate', 'satisfaction_rate_bed', "
        "'satisfaction_rate_home']",
        "declaration.indicators.person_times.last_year: '很多' is not a number",
        "declaration.funds_wan.central: 'x' (keys total, central, local, other; numbers in 万元)"]
    assert declaration_problems(SETTINGS) == []
