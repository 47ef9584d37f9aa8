"""问题清单: findings grouped by category and institution, each count pointing at its rows on the 明细 sheet."""

from openpyxl import load_workbook

from eldercare.exports.findings import collect_findings, write_findings
from eldercare.exports.indicators import indicator_table
from eldercare.exports.settings import load_settings

from export_fixtures import AS_OF, CODE, SETTINGS, cost_detail, figures, short_months, visit_findings


def _findings():
    return collect_findings(CODE, load_settings().findings, visit_findings=visit_findings(),
                            short_months=short_months(), details={"cost_per_bed": cost_detail(), "coverage": None},
                            figures=figures(), indicators=indicator_table(figures(), CODE, SETTINGS))


def test_summary_by_category_and_institution(tmp_path):
    wb = load_workbook(write_findings(tmp_path / "问题清单.xlsx", "周村区", _findings(), AS_OF))
    ws = wb["问题清单"]
    assert [ws.cell(2, c).value for c in range(1, 8)] == ["序号", "问题类别", "服务机构", "问题", "数量", "单位", "依据（明细行）"]
    rows = [tuple(ws.cell(r, c).value for c in (3, 4, 5, 6)) for r in range(3, 13)]
    # 目标编制: 1 figure not computable (home-service coverage)
    assert rows[0] == ("全区", "指标无法计算（基础数据、目标或台账缺失）", 1, "项")
    assert ws["B3"].value == "目标编制"
    # 业务管理: 2 open punches at QYT, 1 visit after death at TY
    assert rows[1] == ("QYT", "上门服务缺少签退（服务时长未记录）", 2, "条")
    assert rows[2] == ("TY", "服务对象去世后仍有上门服务记录", 1, "条")
    # 项目产出: targets missed region-wide (人次 396 < 495; cost 2600 > 2500) → 2; Q10 below visits and below
    # minutes → 1 + 1 person-month; TY: bed above cap 1, T03 below medical visits 1
    assert rows[3] == ("全区", "产出指标未达到年度目标值", 2, "项")
    assert rows[4:6] == [("QYT", "月上门服务次数低于最低要求", 1, "人月"), ("QYT", "月上门服务时长低于最低要求", 1, "人月")]
    assert set(rows[6:8]) == {("TY", "床位支付金额超过补助上限", 1, "床"), ("TY", "月医疗护理次数低于最低要求", 1, "人月")}
    # 项目效益: home-service satisfaction 76.5% < 85%
    assert rows[8] == ("全区", "效益、满意度指标未达到年度目标值", 1, "项")
    assert ws["A12"].value is None or ws["C12"].value is None  # nothing more
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B4:B5", "B6:B10"} <= merged and ws["B4"].value == "业务管理" and ws["B6"].value == "项目产出"
    assert ws["B11"].value == "项目效益"


def test_detail_rows_behind_each_count(tmp_path):
    wb = load_workbook(write_findings(tmp_path / "问题清单.xlsx", "周村区", _findings(), AS_OF))
    summary, detail = wb["问题清单"], wb["明细"]
    assert summary["G4"].value == "明细第4–5行"  # the two open punches
    assert [detail.cell(r, 4).value for r in (4, 5)] == ["Q01", "Q02"]
    assert [detail.cell(r, 8).value for r in (4, 5)] == ["370306/visits/2022-07.csv 第12行",
                                                         "370306/visits/2022-07.csv 第40行"]
    q10 = [r for r in range(3, detail.max_row + 1) if detail.cell(r, 4).value == "Q10"]
    assert [detail.cell(r, 7).value for r in q10] == ["实际 9次，最低 15.0次", "实际 9.0小时，最低 15.0小时"]
    assert {detail.cell(r, 5).value for r in q10} == {"赵*"} and detail.cell(q10[0], 6).value == "2022-07"


def test_findings_read_the_detail_lists_by_their_contract_columns():
    """Every detail list the 问题清单 reads is read by the columns its pandera model gives (a renamed column fails
    here, not in a national run): one row per list, with exactly the model's columns, gives one finding each."""
    import pandas as pd

    from checks.metric_schemas import METRIC_DETAIL_MODELS

    details = {}
    for name, model in METRIC_DETAIL_MODELS.items():
        columns = list(model.to_schema().columns)
        row = {c: (1.0 if c.endswith(("_yuan", "_late")) else "x") for c in columns} | {"region_code": CODE}
        details[name] = pd.DataFrame([row], columns=columns)
    found = collect_findings(CODE, load_settings().findings, details=details)
    assert {"bed_above_cap", "double_renovation", "renovation_overspend", "bed_timeliness",
            "ineligible_registration"} <= set(found["kind"])
