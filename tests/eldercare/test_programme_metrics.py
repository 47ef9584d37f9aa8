"""Programme metrics on small hand-built ledgers: every figure checked by hand, and every 'not computable' path."""

from __future__ import annotations

import pandas as pd
import pytest

from eldercare.metrics import programme as pm
from eldercare.metrics.programme import RegionSettings
from eldercare.policy import load_defaults, policy_for

R = "370306"
POLICY = load_defaults()
SETTINGS = {R: RegionSettings(code=R, baseline={"disabled_low_income_elders": 10}, targets={"budget_wan": 20},
                              bed_subsidy_cap_yuan=2500, policy=POLICY)}


def ts(text):
    return pd.Timestamp(text) if text else pd.NaT


INSTITUTIONS = pd.DataFrame([
    {"region_code": R, "institution_id": "I1", "name": "期颐堂", "contract_amount_yuan": 80000.0, "planned_beds": 3},
    {"region_code": R, "institution_id": "I2", "name": "灯塔", "contract_amount_yuan": 8000.0, "planned_beds": 2},
])

# E1 eligible; E2 aged 58 at enrolment; E3 能力完好; E4 legacy level (undetermined); E5 self-funded; E6 eligible.
ELDERS = pd.DataFrame([
    {"elder_id": "E1", "institution_id": "I1", "service_type": "both", "birth_date": "1950-01-01",
     "enrolled_on": "2022-01-01", "hardship": "低保", "ability_level": "中度失能", "ability_legacy": False, "self_funded": False},
    {"elder_id": "E2", "institution_id": "I1", "service_type": "bed_only", "birth_date": "1963-05-01",
     "enrolled_on": "2022-03-01", "hardship": "特困", "ability_level": "轻度失能", "ability_legacy": False, "self_funded": False},
    {"elder_id": "E3", "institution_id": "I1", "service_type": "home_visits", "birth_date": "1940-01-01",
     "enrolled_on": "2022-01-01", "hardship": "特困", "ability_level": "能力完好", "ability_legacy": False, "self_funded": False},
    {"elder_id": "E4", "institution_id": "I2", "service_type": "both", "birth_date": "1945-01-01",
     "enrolled_on": "2022-01-01", "hardship": "低保", "ability_level": "半失能", "ability_legacy": True, "self_funded": False},
    {"elder_id": "E5", "institution_id": "I2", "service_type": "bed_only", "birth_date": "1945-01-01",
     "enrolled_on": "2022-01-01", "hardship": "低保", "ability_level": "重度失能", "ability_legacy": False, "self_funded": True},
    {"elder_id": "E6", "institution_id": "I2", "service_type": "both", "birth_date": "1962-01-01",
     "enrolled_on": "2022-01-01", "hardship": "低收入", "ability_level": "完全失能", "ability_legacy": False, "self_funded": False},
]).assign(region_code=R, birth_date=lambda d: pd.to_datetime(d.birth_date), enrolled_on=lambda d: pd.to_datetime(d.enrolled_on))

BEDS = pd.DataFrame([
    # elder, institution, planned, completed, acceptance, accepted, paid, previously renovated
    ("E1", "I1", "2022-02-28", "2022-06-10", "合格", 2400.0, 2600.0, False),    # 102 days late, above cap
    ("E2", "I1", "2022-02-28", "2022-02-20", "合格", 2000.0, 2000.0, True),     # early; renovated before
    ("E4", "I2", "2022-03-31", "2022-04-10", "不合格", None, 3000.0, False),     # 10 days late, failed, no 验收金额
    ("E5", "I2", "2022-03-31", None, None, None, None, False),                  # not built
    ("E6", "I2", "2022-03-31", "2022-03-31", None, 2500.0, 2500.0, False),      # on time, not yet accepted
], columns=["elder_id", "institution_id", "planned_completion", "completed_on", "acceptance", "accepted_amount_yuan",
            "paid_amount_yuan", "previously_renovated"]).assign(
    region_code=R, planned_completion=lambda d: pd.to_datetime(d.planned_completion),
    completed_on=lambda d: pd.to_datetime(d.completed_on), started_on=pd.NaT, accepted_on=pd.NaT)

VISIT_COUNTS = pd.DataFrame({"region_code": R, "elder_id": ["E1", "E2", "E3", "E4", "E6"], "visits": [20, 4, 5, 3, 0]})

FUNDS = pd.DataFrame([
    ("allocated", "中央", None, 100000.0, None), ("allocated", "省级", None, 20000.0, None),
    ("received", "中央", None, 90000.0, None), ("received", "省级", None, 20000.0, None),
    ("paid", "中央", "I1", 6000.0, "home_visits"), ("paid", "中央", "I2", 1500.0, "home_visits"),
    ("paid", "中央", "I1", 50000.0, "beds"),
    ("spent", "中央", "I1", 40000.0, "beds"), ("spent", "省级", None, 15000.0, None),
], columns=["kind", "source", "institution_id", "amount_yuan", "purpose"]).assign(
    region_code=R, date=pd.Timestamp("2022-05-01"), document=None)

ITEMS = pd.DataFrame([
    ("E1", "适老化改造", True, True), ("E1", "智能化设备", True, False), ("E1", "老年用品", False, None),
    ("E6", "适老化改造", True, False), ("E6", "老年用品", None, False),
], columns=["elder_id", "category", "in_info_system", "personalised"]).assign(region_code=R, item="x", amount_yuan=100.0)


def value(frame: pd.DataFrame, metric: str, inst: str | None = None) -> pd.Series:
    """The one row of a metric for the region (inst None) or an institution."""
    rows = frame[(frame.metric == metric) & (frame.institution_id.isna() if inst is None else frame.institution_id == inst)]
    assert len(rows) == 1, (metric, inst, rows)
    return rows.iloc[0]


def assert_rows_well_formed(frame: pd.DataFrame):
    assert list(frame.columns) == pm.METRIC_COLUMNS
    for rec in frame.to_dict("records"):
        assert rec["label"] and rec["unit"] and rec["definition"]
        if rec["computable"]:
            assert rec["why_not"] is None and not pd.isna(rec["value"])
        else:
            assert rec["why_not"].startswith("not computable: ") and pd.isna(rec["value"])


# ---------------------------------------------------------------------------------------------- coverage

def test_eligibility_statuses_and_reasons():
    st = pm.eligibility(ELDERS, SETTINGS).set_index("elder_id")
    assert st.status.to_dict() == {"E1": "eligible", "E2": "ineligible", "E3": "ineligible", "E4": "undetermined",
                                   "E5": "eligible", "E6": "eligible"}
    assert "aged 58 at enrolment" in st.reason["E2"]
    assert "能力完好" in st.reason["E3"]
    assert "legacy scale" in st.reason["E4"]


def test_coverage_values_and_ineligible_list():
    rows, detail = pm.coverage(ELDERS, BEDS, VISIT_COUNTS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    share = value(rows, "eligible_registration_share")
    assert (share.numerator, share.denominator, share.value) == (2, 5, 0.4)  # E5 self-funded excluded
    assert value(rows, "eligible_registration_share", "I1").value == pytest.approx(1 / 3)
    assert value(rows, "eligible_registration_share", "I2").value == 0.5
    bed = value(rows, "bed_coverage")  # built beds of eligible elders: E1, E6
    assert (bed.numerator, bed.denominator, bed.value, bed.unit) == (2, 10, 0.2, "ratio")
    assert value(rows, "bed_coverage", "I1").value == 0.1 and value(rows, "bed_coverage", "I2").value == 0.1
    home = value(rows, "home_service_coverage")  # served E1, E3, E4; only E1 eligible; E2 bed-only; E6 no visit
    assert (home.numerator, home.value) == (1, 0.1)
    assert list(detail.elder_id) == ["E2", "E3", "E4"]
    assert list(detail.status) == ["ineligible", "ineligible", "undetermined"]


def test_coverage_missing_or_zero_baseline_is_not_computable():
    for baseline, why in (({}, "baseline.disabled_low_income_elders missing in region.yaml"),
                          ({"disabled_low_income_elders": 0}, "baseline.disabled_low_income_elders is 0")):
        settings = {R: RegionSettings(code=R, baseline=baseline, policy=POLICY)}
        rows, _ = pm.coverage(ELDERS, BEDS, VISIT_COUNTS, INSTITUTIONS, settings)
        assert_rows_well_formed(rows)
        for metric in ("bed_coverage", "home_service_coverage"):
            row = value(rows, metric)
            assert not row.computable and pd.isna(row.value) and why in row.why_not
        assert value(rows, "eligible_registration_share").computable  # does not need the baseline


def test_coverage_above_one_is_flagged_not_reported():
    settings = {R: RegionSettings(code=R, baseline={"disabled_low_income_elders": 1}, policy=POLICY)}
    row = value(pm.coverage(ELDERS, BEDS, VISIT_COUNTS, INSTITUTIONS, settings)[0], "bed_coverage")
    assert not row.computable and "exceeds denominator" in row.why_not and (row.numerator, row.denominator) == (2, 1)


# ---------------------------------------------------------------------------------------------- cost

def test_cost_per_bed_and_beds_above_cap():
    rows, detail = pm.cost_per_bed(BEDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    region = value(rows, "cost_per_bed")
    assert (region.numerator, region.denominator, region.value, region.unit) == (10100, 4, 2525, "元/床")
    assert value(rows, "cost_per_bed", "I1").value == 2300 and value(rows, "cost_per_bed", "I2").value == 2750
    assert value(rows, "beds_above_cap_share").value == 0.5
    assert detail[["elder_id", "excess_yuan"]].values.tolist() == [["E1", 100.0], ["E4", 500.0]]


def test_cost_per_bed_without_built_beds_or_cap():
    rows, detail = pm.cost_per_bed(BEDS.assign(completed_on=pd.NaT), INSTITUTIONS,
                                   {R: RegionSettings(code=R, policy=POLICY)})
    assert_rows_well_formed(rows)
    assert value(rows, "cost_per_bed").why_not == "not computable: no built bed has a 实际支付金额"
    assert value(rows, "beds_above_cap_share").why_not == "not computable: bed_subsidy_cap_yuan missing in region.yaml"
    assert detail.empty


def test_cost_per_recipient():
    rows = pm.cost_per_recipient(FUNDS, ELDERS, VISIT_COUNTS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    region = value(rows, "cost_per_recipient")  # 7,500 元 paid for visits ÷ E1, E3, E4 served
    assert (region.numerator, region.denominator, region.value, region.unit) == (7500, 3, 2500, "元/人")
    assert value(rows, "cost_per_recipient", "I1").value == 3000
    assert value(rows, "cost_per_recipient", "I2").value == 1500
    none = pm.cost_per_recipient(FUNDS, ELDERS, None, INSTITUTIONS, SETTINGS)
    assert value(none, "cost_per_recipient").why_not == \
        "not computable: no elder registered for home visits has a checked-out visit"
    nopay = value(pm.cost_per_recipient(FUNDS[FUNDS.kind != "paid"], ELDERS, VISIT_COUNTS, INSTITUTIONS, SETTINGS),
                  "cost_per_recipient")
    assert not nopay.computable and "no 拨付 (paid) rows" in nopay.why_not


# ---------------------------------------------------------------------------------------------- budget

def test_budget_execution_both_rates_by_source_and_institution():
    rows, detail = pm.budget_execution(FUNDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    amounts = {m: value(rows, m).value for m in ("allocated_yuan", "received_yuan", "paid_yuan", "spent_yuan")}
    assert amounts == {"allocated_yuan": 120000, "received_yuan": 110000, "paid_yuan": 57500, "spent_yuan": 55000}
    assert value(rows, "rubric_execution_rate").value == 0.5
    assert value(rows, "self_evaluation_execution_rate").value == pytest.approx(55000 / 120000)
    assert value(rows, "rubric_execution_rate_central").value == pytest.approx(40000 / 90000)
    assert value(rows, "self_evaluation_execution_rate_central").value == 0.4
    assert value(rows, "rubric_execution_rate_provincial").value == 0.75
    assert value(rows, "rubric_execution_rate", "I1").value == pytest.approx(40000 / 56000)
    assert value(rows, "self_evaluation_execution_rate", "I1").value == 0.5  # 40,000 ÷ 合同金额 80,000
    assert value(rows, "rubric_execution_rate", "I2").value == 0.0  # paid 1,500, nothing spent: a true zero
    assert detail.rows.sum() == len(FUNDS) and detail.spent_yuan.sum() == 55000
    assert not any(rows.metric.str.endswith(("_municipal", "_county", "_other")))  # only sources present


def test_budget_execution_falls_back_to_target_and_refuses_zero_received():
    rows, _ = pm.budget_execution(FUNDS[FUNDS.kind.isin(["spent"])], INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert value(rows, "rubric_execution_rate").why_not == "not computable: no 到位 (received) rows in the funds ledger"
    selfeval = value(rows, "self_evaluation_execution_rate")  # 全年预算数 = targets.budget_wan 20 × 10000
    assert selfeval.denominator == 200000 and selfeval.value == 55000 / 200000
    assert "budget_wan" in selfeval.definition
    empty, _ = pm.budget_execution(None, INSTITUTIONS, {R: RegionSettings(code=R, policy=POLICY)})
    assert_rows_well_formed(empty)
    assert not empty.computable.any() and "funds.xlsx missing" in value(empty, "received_yuan").why_not


# ---------------------------------------------------------------------------------------------- satisfaction

def zhoucun_survey() -> pd.DataFrame:
    """75 issued, 73 returned, 72 valid (Zhoucun 2022); valid tallies A=71,B=1 on q1–q3 and A=70,B=2 on q4–q6."""
    rows = []
    for i in range(72):
        rows.append({"questionnaire_id": f"Q{i:02d}", "valid": True,
                     **{q: ("B" if i == 0 else "A") for q in ("q1", "q2", "q3")},
                     **{q: ("B" if i in (0, 1) else "A") for q in ("q4", "q5", "q6")}})
    rows.append({"questionnaire_id": "Q72", "valid": False, **{f"q{k}": "E" for k in range(1, 7)}})
    return pd.DataFrame(rows).assign(region_code=R, institution_id="I1", surveyed_on=pd.NaT)


def test_zhoucun_satisfaction_exact_not_rounded_per_question():
    """Exact: 7159 points ÷ 72 = 99.4305… → 99.43%. The evaluator published 99.32%: it rounded each question's
    mean (17.9 for q1–q3, 17.86 for q4–q5, 9.9 for q6) before adding them up. The pipeline rounds only for display."""
    rows, detail = pm.satisfaction(zhoucun_survey(), INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert (value(rows, "survey_returned").value, value(rows, "survey_valid").value) == (73, 72)
    mean = value(rows, "mean_score")
    assert (mean.numerator, mean.denominator) == (7159, 72)
    assert mean.value == 7159 / 72 and f"{mean.value:.4f}" == "99.4306"
    rate = value(rows, "satisfaction_rate")
    assert rate.value == pytest.approx(0.994305, abs=1e-6) and round(rate.value * 100, 2) == 99.43
    # Reproduce the evaluator's figure from the same per-question means, rounded as it rounded them.
    means = detail[detail.institution_id.isna()].set_index("question").mean_points
    assert means["q1"] == 1291 / 72 and means["q4"] == 1286 / 72 and means["q6"] == 714 / 72
    evaluator = (sum(round(means[q], 1) for q in ("q1", "q2", "q3")) + sum(round(means[q], 2) for q in ("q4", "q5"))
                 + round(means["q6"], 1))
    assert round(evaluator, 2) == 99.32
    assert round(mean.value, 2) == 99.43 != round(evaluator, 2)
    assert value(rows, "satisfaction_rate", "I1").value == rate.value
    assert value(rows, "survey_issued", "I2").value == 0  # the survey exists; I2 simply had none
    assert value(rows, "satisfaction_rate", "I2").why_not == "not computable: no valid questionnaires"


def test_satisfaction_missing_survey_or_no_valid_questionnaire():
    rows, detail = pm.satisfaction(None, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert not rows.computable.any() and detail.empty
    assert "no questionnaires for this region" in value(rows, "satisfaction_rate").why_not
    invalid = zhoucun_survey().assign(valid=False)
    rows, _ = pm.satisfaction(invalid, INSTITUTIONS, SETTINGS)
    assert value(rows, "survey_valid").value == 0
    assert value(rows, "mean_score").why_not == "not computable: no valid questionnaires"
    assert value(rows, "satisfaction_rate").why_not == "not computable: no valid questionnaires"


def test_satisfaction_weights_come_from_the_region_policy():
    policy = policy_for({"policy": {"survey": {"weights": {"q6": {"A": 10, "B": 10, "C": 4, "D": 1, "E": 0}}}}})
    rows, _ = pm.satisfaction(zhoucun_survey(), INSTITUTIONS, {R: RegionSettings(code=R, policy=policy)})
    assert value(rows, "mean_score").numerator == 7159 + 2 * 3


# ---------------------------------------------------------------------------------------------- timeliness

def test_bed_timeliness():
    rows, detail = pm.bed_timeliness(BEDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    mean = value(rows, "days_late_mean")
    assert (mean.numerator, mean.denominator, mean.value, mean.unit) == (112, 4, 28, "days")
    assert value(rows, "days_late_max").value == 102  # 2022-02-28 → 2022-06-10, as Zhoucun's 102 days
    assert value(rows, "late_bed_share").value == 0.5
    assert value(rows, "beds_not_completed").value == 1
    assert value(rows, "beds_not_accepted").value == 2
    assert value(rows, "beds_failed_acceptance").value == 1
    assert value(rows, "acceptance_pass_rate").value == pytest.approx(2 / 3)
    assert value(rows, "days_late_mean", "I1").value == 51 and value(rows, "acceptance_pass_rate", "I1").value == 1
    assert value(rows, "acceptance_pass_rate", "I2").value == 0.0
    assert dict(zip(detail.elder_id, detail.findings)) == {
        "E1": "late by 102 days", "E4": "late by 10 days; failed acceptance", "E5": "not completed; not accepted",
        "E6": "not accepted"}


def test_bed_timeliness_without_beds():
    rows, detail = pm.bed_timeliness(BEDS.iloc[0:0], INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert value(rows, "days_late_mean").why_not == "not computable: no bed has a 实际完成日期"
    assert "beds.xlsx missing" in value(rows, "beds_not_completed").why_not
    assert value(rows, "beds_not_completed", "I1").value == 0 and detail.empty


# ---------------------------------------------------------------------------------------------- overspend

def test_renovation_overspend():
    rows, detail = pm.renovation_overspend(BEDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert value(rows, "renovation_paid_yuan").value == 7100  # E1, E2, E6 have both amounts
    assert value(rows, "renovation_accepted_yuan").value == 6900
    assert value(rows, "renovation_overspend_yuan").value == 200
    assert value(rows, "renovation_overspend_yuan", "I1").value == 200
    assert value(rows, "renovation_overspend_yuan", "I2").value == 0
    assert value(rows, "beds_paid_above_accepted").value == 1
    assert detail[["elder_id", "finding"]].values.tolist() == [["E1", "paid above 验收金额"], ["E4", "paid without 验收金额"]]
    underspent = BEDS.assign(paid_amount_yuan=BEDS.accepted_amount_yuan - 100)
    assert value(pm.renovation_overspend(underspent, INSTITUTIONS, SETTINGS)[0], "renovation_overspend_yuan").value == -300


# ---------------------------------------------------------------------------------------------- item shares

def test_information_system_and_personalisation_shares():
    info = pm.information_system_share(ITEMS, BEDS, INSTITUTIONS, SETTINGS)
    pers = pm.personalisation_share(ITEMS, BEDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(info)
    assert_rows_well_formed(pers)
    row = value(info, "information_system_share")
    assert (row.numerator, row.denominator, row.value) == (3, 4, 0.75)  # one item with the flag empty excluded
    assert value(info, "information_system_share", "I1").value == pytest.approx(2 / 3)
    assert value(pers, "personalisation_share").value == 0.25
    assert value(pers, "personalisation_share", "I2").value == 0.0
    none = pm.personalisation_share(ITEMS.assign(personalised=None), BEDS, INSTITUTIONS, SETTINGS)
    assert value(none, "personalisation_share").why_not == "not computable: no bed item states 是否个性化"
    empty = pm.information_system_share(None, BEDS, INSTITUTIONS, SETTINGS)
    assert value(empty, "information_system_share").why_not == "not computable: no bed items in the ledger"


# ---------------------------------------------------------------------------------------------- double renovation

def test_double_renovation():
    rows, detail = pm.double_renovation(BEDS, INSTITUTIONS, SETTINGS)
    assert_rows_well_formed(rows)
    assert value(rows, "double_renovation_beds").value == 1
    assert value(rows, "double_renovation_share").value == 0.2
    assert value(rows, "double_renovation_paid_yuan").value == 2000
    assert value(rows, "double_renovation_share", "I2").value == 0.0
    assert detail.elder_id.tolist() == ["E2"]


# ---------------------------------------------------------------------------------------------- robustness

def test_every_metric_survives_empty_ledgers():
    """No ledger rows at all: no crash, and every ratio says why it cannot be computed instead of showing 0."""
    settings = {R: RegionSettings(code=R, policy=POLICY)}
    outputs = [
        pm.coverage(None, None, None, None, settings)[0], pm.cost_per_bed(None, None, settings)[0],
        pm.cost_per_recipient(None, None, None, None, settings), pm.budget_execution(None, None, settings)[0],
        pm.satisfaction(None, None, settings)[0], pm.bed_timeliness(None, None, settings)[0],
        pm.renovation_overspend(None, None, settings)[0], pm.information_system_share(None, None, None, settings),
        pm.personalisation_share(None, None, None, settings), pm.double_renovation(None, None, settings)[0],
    ]
    for rows in outputs:
        assert_rows_well_formed(rows)
        assert len(rows) and (rows.region_code == R).all()
        assert not rows.computable.any(), rows[rows.computable]  # a missing ledger is never a zero
