"""Small hand-made frames with the columns of metrics.figures, scores.* and the compliance tables (Zhoucun-like)."""

import datetime as dt

import pandas as pd

CODE = "370306"
AS_OF = dt.date(2022, 12, 31)
SETTINGS = {
    "targets": {"beds": 248, "service_person_times": 495, "budget_wan": 180.5, "satisfaction_pct": 85},
    "declaration": {"indicators": {
        "beds_built": {"last_year": 0, "targets": [248, 300]},
        "cost_per_bed": {"targets": [2500, 2500]},
        "cost_per_recipient": {"targets": [2500]},
        "information_system_share": {"last_year": 60, "targets": [80, 90]},  # percentages: read as 0.6, 0.8, 0.9
        "personalisation_share": {"targets": [0.3, 0.35]},
    }},
}
# The 12 labels as printed in seed 000 (三级指标), copied here so the test does not read the seed.
SEED_000_LABELS = [
    "1.经济困难的失能部分失能老年人家庭养老床位建设数量（张）",
    "2.经济困难的失能部分失能老年人享受居家养老上门服务人数（人）",
    "3.经济困难的失能部分失能老年人享受居家养老上门服务人次数（人次）",
    "4.经济困难的失能部分失能老年人家庭养老床位建设的覆盖率（%）",
    "5.经济困难的失能部分失能老年人享受上门养老服务的覆盖率（%）",
    "6.家庭养老床位建设户均成本（元/床）",
    "7.居家养老上门服务人均成本（元/每名服务对象）",
    "8.全过程信息化管理程度（服务对象选择的改造或服务项目按要求录入信息系统进行管理的数量占其选择的所有改造或服务项目数量的比例）（%）",
    "9.满足服务对象个性化服务需求程度（服务对象选择的个性化改造项目或服务项目个数占其选择的所有改造项目和服务项目总数的比例）（%）",
    "10.经济困难的失能部分失能老年人对可享受家庭养老床位建设和居家养老上门服务政策的知晓率（%）",
    "11.建设家庭养老床位的经济困难的失能部分失能老年人的满意度（%）",
    "12.享受居家养老上门服务的经济困难的失能部分失能老年人的满意度（%）",
]


def _fig(metric, value, unit="ratio", inst=None, num=None, den=None, why=None, label=None):
    return {"region_code": CODE, "institution_id": inst, "metric": metric, "label": label or metric, "numerator": num,
            "denominator": den, "value": value, "unit": unit, "definition": f"definition of {metric}",
            "computable": why is None, "why_not": why, "policy": "{}"}


def figures() -> pd.DataFrame:
    """awareness_rate is absent on purpose; home_service_coverage is not computable."""
    return pd.DataFrame([
        _fig("beds_built", 248, "床"),
        _fig("home_service_recipients", 152, "人"),
        _fig("person_times", 396, "人次"),
        _fig("bed_coverage", 0.45, num=248, den=551.1),
        _fig("home_service_coverage", None, why="not computable: baseline.disabled_low_income_elders unknown"),
        _fig("cost_per_bed", 2600, "元/床"),
        _fig("cost_per_bed", 2400, "元/床", inst="QYT"),
        _fig("cost_per_bed", 2800, "元/床", inst="TY"),
        _fig("cost_per_recipient", 2000, "元/人"),
        _fig("information_system_share", 0.9),
        _fig("personalisation_share", 0.3),
        _fig("satisfaction_rate_bed", 0.92),
        _fig("satisfaction_rate_home", 0.765),
        _fig("self_evaluation_execution_rate", 0.75, num=1_500_000, den=2_000_000),
        _fig("allocated_yuan_central", 1_500_000, "元"),
        _fig("allocated_yuan_county", 500_000, "元"),
        _fig("received_yuan_central", 1_500_000, "元"),
        _fig("spent_yuan_central", 1_200_000, "元"),
        _fig("spent_yuan_county", 300_000, "元"),
        _fig("person_times", 200, "人次", inst="QYT"),  # institution rows never reach the region's tables
    ])


def _score(subject, l1, l2, ind, mx, final, status, computed=None, judged=None, override=None, rule=None,
           evidence=None):
    return {"rubric": "zhoucun_2022_project" if subject == CODE else "zhoucun_2022_institution", "subject": subject,
            "level1": l1, "level2": l2, "indicator": ind, "max_points": mx, "computed": computed, "judged": judged,
            "override": override, "final": final, "rule": rule, "inputs": None, "evidence": evidence,
            "status": status}


def indicator_scores() -> pd.DataFrame:
    return pd.DataFrame([
        _score(CODE, "决策", "项目立项", "立项依据充分性", 2, 2, "judged", judged=2, evidence="民办函〔2021〕37号"),
        _score(CODE, "决策", "项目立项", "立项程序规范性", 2, 2, "judged", judged=2, evidence="程序规范"),
        _score(CODE, "产出", "产出数量", "★家庭养老床位建设数", 4, 4, "computed", computed=4,
               rule="(built ÷ planned) × 4 = 248 ÷ 248 × 4"),
        _score(CODE, "产出", "产出时效", "工作完成时效情况", 2, 1.5, "overridden", computed=1, override=1.5,
               rule="2; −1 per late item", evidence="评审调整"),
        _score("QYT", "产出", "产出数量", "家庭养老床位完成建设数量", 15, 15, "computed", computed=15, rule="92 ÷ 92 × 15"),
    ])


def totals() -> pd.DataFrame:
    rows = [("zhoucun_2022_project", CODE, "决策", 4, 4, None, None),
            ("zhoucun_2022_project", CODE, "产出", 5.5, 6, None, None),
            ("zhoucun_2022_project", CODE, "total", 9.5, 10, "良好", None),
            ("zhoucun_2022_institution", "QYT", "total", 15, 15, "优秀", None)]
    return pd.DataFrame(rows, columns=["rubric", "subject", "level", "points", "max_points", "grade", "veto"])


def departures() -> pd.DataFrame:
    return pd.DataFrame([{"rubric": "zhoucun_2022_project", "subject": CODE, "indicator": "工作完成时效情况",
                          "computed": 1, "final": 1.5, "reason": "一项逾期按评价机构口径扣0.5分"}])


def visit_findings() -> pd.DataFrame:
    return pd.DataFrame([
        {"region_code": CODE, "month": dt.date(2022, 7, 1), "institution_id": "QYT", "elder_id": "Q01",
         "name_masked": "张*华", "rule": "open_punch", "evidence": "签退时间为空", "source_file": "370306/visits/2022-07.csv",
         "source_row": 12},
        {"region_code": CODE, "month": dt.date(2022, 7, 1), "institution_id": "QYT", "elder_id": "Q02",
         "name_masked": "李*", "rule": "open_punch", "evidence": "签退时间为空", "source_file": "370306/visits/2022-07.csv",
         "source_row": 40},
        {"region_code": CODE, "month": dt.date(2022, 8, 1), "institution_id": "TY", "elder_id": "T05",
         "name_masked": "王*明", "rule": "visit_after_death", "evidence": "去世 2022-06-05", "source_file":
             "370306/visits/2022-08.csv", "source_row": 7},
    ])


def short_months() -> pd.DataFrame:
    """Two in-scope person-months below a minimum (minimums 15 visits, 900 minutes, 2 medical visits)."""
    base = {"region_code": CODE, "min_visits": 15.0, "min_minutes": 900.0, "min_medical_visits": 2.0, "scope_note": None,
            "unrecorded_visits": 0}
    return pd.DataFrame([
        {**base, "institution_id": "QYT", "month": dt.date(2022, 7, 1), "elder_id": "Q10", "name_masked": "赵*",
         "visits": 9, "minutes": 540.0, "medical_visits": 2, "below_visits": True, "below_minutes": True,
         "below_medical_visits": False, "unrecorded_visits": 1},
        {**base, "institution_id": "TY", "month": dt.date(2022, 9, 1), "elder_id": "T03", "name_masked": "钱*红",
         "visits": 16, "minutes": 990.0, "medical_visits": 1, "below_visits": False, "below_minutes": False,
         "below_medical_visits": True},
    ])


def visit_shortfalls() -> pd.DataFrame:
    rows = []
    for inst, month, scope, below in (("QYT", dt.date(2022, 7, 1), 57, {"visits": 1, "hours": 1, "medical_visits": 0}),
                                      ("TY", dt.date(2022, 9, 1), 40, {"visits": 0, "hours": 0, "medical_visits": 1})):
        for metric, n in below.items():
            rows.append({"region_code": CODE, "institution_id": inst, "month": month, "metric": metric,
                         "in_scope_person_months": scope, "person_months_below": n})
    return pd.DataFrame(rows)


def cost_detail() -> pd.DataFrame:
    return pd.DataFrame([{"region_code": CODE, "institution_id": "TY", "elder_id": "T09", "name_masked": "孙*",
                          "completed_on": dt.datetime(2022, 5, 1), "capped_items_yuan": 2800.0, "cap_yuan": 2500.0,
                          "excess_yuan": 300.0}])
