"""Every figure id of `metrics.figures` with its Chinese label (as in the official tables) and unit."""

from __future__ import annotations

FIGURE_COLUMNS = ["region_code", "institution_id", "metric", "label", "numerator", "denominator", "value", "unit",
                  "definition", "computable", "why_not", "policy"]

CATALOGUE: dict[str, tuple[str, str]] = {
    # eligibility, beds (申报表 1, 4, 6; rubric 家庭养老床位建设数)
    "eligible_registration_share": ("登记服务对象符合条件比例", "ratio"),
    "beds_built": ("经济困难的失能部分失能老年人家庭养老床位建设数量", "床"),
    "beds_built_share": ("家庭养老床位建设完成率（建成÷计划）", "ratio"),
    "bed_coverage": ("家庭养老床位建设覆盖率", "ratio"),
    "cost_per_bed": ("家庭养老床位建设户均成本", "元/床"),
    "beds_above_cap_share": ("超过补助上限的床位占比", "ratio"),
    "bed_items_yuan": ("床位改造明细金额合计", "元"),
    "beds_paid_yuan": ("床位台账实际支付金额合计", "元"),
    "bed_funds_paid_yuan": ("床位拨付资金", "元"),
    "days_late_mean": ("床位建设平均延误天数", "days"),
    "days_late_max": ("床位建设最长延误天数", "days"),
    "late_bed_share": ("逾期完成床位占比", "ratio"),
    "beds_not_completed": ("未完成建设床位数", "床"),
    "beds_not_accepted": ("未验收床位数", "床"),
    "beds_failed_acceptance": ("验收不合格床位数", "床"),
    "acceptance_pass_rate": ("适老化改造验收合格率", "ratio"),
    "renovation_paid_yuan": ("床位实际支付金额", "元"),
    "renovation_accepted_yuan": ("床位验收金额", "元"),
    "renovation_overspend_yuan": ("支付超出验收金额（差额）", "元"),
    "beds_paid_above_accepted": ("支付超出验收金额的床位数", "床"),
    "double_renovation_beds": ("重复适老化改造床位数", "床"),
    "double_renovation_share": ("重复适老化改造床位占比", "ratio"),
    "double_renovation_paid_yuan": ("重复适老化改造项目金额", "元"),
    "information_system_share": ("全过程信息化管理程度", "ratio"),
    "personalisation_share": ("满足服务对象个性化服务需求程度", "ratio"),
    # home visits (申报表 2, 3, 5, 7)
    "home_service_recipients": ("经济困难的失能部分失能老年人享受居家养老上门服务人数", "人"),
    "home_service_coverage": ("居家养老上门服务覆盖率", "ratio"),
    "cost_per_recipient": ("居家养老上门服务人均成本", "元/人"),
    "person_times": ("居家养老上门服务人次数", "人次"),
    "person_times_per_person": ("上门服务人次数（每人满30次计1人次）", "人次"),
    "person_times_per_30_visits": ("上门服务人次数（每30次计1人次）", "人次"),
    "cost_per_person_time": ("居家养老上门服务每人次成本", "元/人次"),
    "short_person_months_visits": ("上门服务次数不达标户月数", "户月"),
    "short_person_months_minutes": ("上门服务时长不达标户月数", "户月"),
    "short_person_months_medical": ("医疗护理次数不达标户月数", "户月"),
    # funds
    "allocated_yuan": ("下达资金", "元"),
    "received_yuan": ("到位资金", "元"),
    "paid_yuan": ("拨付资金", "元"),
    "spent_yuan": ("支出资金", "元"),
    "institution_spent_yuan": ("机构支出", "元"),
    "spent_outside_tasks_yuan": ("用于两项任务以外的支出", "元"),
    "rubric_execution_rate": ("预算执行率（支出÷到位，评价指标口径）", "ratio"),
    "self_evaluation_execution_rate": ("执行率（支出÷下达，自评表口径）", "ratio"),
    # survey (申报表 10–12)
    "survey_issued": ("发放问卷数", "份"),
    "survey_returned": ("回收问卷数", "份"),
    "survey_valid": ("有效问卷数", "份"),
    "mean_score": ("问卷平均得分", "分"),
    "satisfaction_rate": ("服务对象满意度", "ratio"),
    "satisfaction_rate_bed": ("建设家庭养老床位的老年人满意度", "ratio"),
    "satisfaction_rate_home": ("享受居家养老上门服务的老年人满意度", "ratio"),
    "awareness_rate": ("政策知晓率", "ratio"),
    # targets of region.yaml (1 = met, 0 = not met)
    "target_beds_met": ("床位建设目标完成情况", "met"),
    "target_person_times_met": ("上门服务人次目标完成情况", "met"),
    "target_budget_met": ("预算控制目标完成情况", "met"),
    "target_satisfaction_met": ("满意度目标完成情况", "met"),
}
SOURCE_LABELS = {"central": "中央", "provincial": "省级", "municipal": "市级", "county": "县级", "other": "其他"}
for _sid, _name in SOURCE_LABELS.items():
    CATALOGUE[f"rubric_execution_rate_{_sid}"] = (f"预算执行率（{_name}，支出÷到位）", "ratio")
    CATALOGUE[f"self_evaluation_execution_rate_{_sid}"] = (f"执行率（{_name}，支出÷下达）", "ratio")

# Metrics whose value is a signed difference (may be negative); every other value is non-negative.
SIGNED_METRICS = frozenset({"renovation_overspend_yuan"})
# Ratios against a plan or a baseline count, not shares of a whole: more built than planned, or a baseline older
# than the ledger, gives a value above 1 that is a fact to report, not a broken figure.
OPEN_RATIOS = frozenset({"beds_built_share", "bed_coverage", "home_service_coverage"})
