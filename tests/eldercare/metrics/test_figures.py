"""metrics.figures on small hand-built ledgers: every expected value worked out by hand (issue 10's points)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eldercare.metrics.figures import compute_frames
from eldercare.metrics.settings import RegionSettings
from eldercare.policy import load_defaults, overlay_policy

R = "370306"
POLICY = load_defaults()
PERIOD = (dt.date(2022, 6, 1), dt.date(2022, 12, 31))


def settings(policy=POLICY, baseline=None, targets=None, survey_issued=5):
    baseline = {"disabled_low_income_elders": 10} if baseline is None else baseline
    targets = {"beds": 2, "service_person_times": 3, "budget_wan": 180.5, "satisfaction_pct": 85} \
        if targets is None else targets
    return {R: RegionSettings(code=R, baseline=baseline, targets=targets, bed_subsidy_cap_yuan=2500, policy=policy,
                              survey_issued=survey_issued, period=PERIOD)}


INSTITUTIONS = pd.DataFrame({"region_code": R, "institution_id": ["I1", "I2"], "contract_amount_yuan": [1e5, 1e5],
                             "planned_beds": [3, 2]})


def elder(eid, inst, service, hardship="低保", level="中度失能", legacy=False, born="1950-01-01"):
    return {"region_code": R, "elder_id": eid, "institution_id": inst, "service_type": service, "hardship": hardship,
            "ability_level": level, "ability_legacy": legacy, "birth_date": pd.Timestamp(born),
            "enrolled_on": pd.Timestamp("2022-01-01"), "self_funded": False}


ELDERS = pd.DataFrame([
    elder("E1", "I1", "both"),                                    # eligible
    elder("E2", "I1", "home_visits", hardship="支出型困难"),        # a local hardship category: ineligible by default
    elder("E3", "I1", "home_visits", level="能力完好"),             # ineligible, yet 35 visits
    elder("E4", "I2", "home_visits", level="重度失能"),             # eligible, died 2022-08-10
    elder("E5", "I2", "bed_only", level="完全失能"),                # eligible, bed only
    elder("E6", "I2", "both", level="半失能", legacy=True),         # legacy scale: undetermined
])
EVENTS = pd.DataFrame({"region_code": R, "elder_id": ["E4"], "event": ["died"], "event_date": [pd.Timestamp("2022-08-10")]})


def visits_of(eid, n, start="2022-06-01 09:00", open_=False):
    t0 = pd.Timestamp(start)
    return [{"region_code": R, "elder_id": eid, "checkin_at": t0 + pd.Timedelta(hours=6 * i),
             "checkout_at": None if open_ else t0 + pd.Timedelta(hours=6 * i, minutes=60)} for i in range(n)]


VISITS = pd.DataFrame(
    visits_of("E1", 30) + visits_of("E1", 2, "2022-09-01 09:00", open_=True)  # 2 open punches count (policy default)
    + visits_of("E1", 3, "2023-01-05 09:00")                                   # outside project_period
    + visits_of("E2", 5) + visits_of("E3", 35)
    + visits_of("E4", 61) + visits_of("E4", 4, "2022-08-11 09:00")            # 4 after death never count
    + visits_of("E6", 40))

BEDS = pd.DataFrame([
    # elder, inst, planned, completed, acceptance, accepted, paid, previously renovated
    ("E1", "I1", "2022-02-28", "2022-06-10", "合格", 2400.0, 2600.0, False),
    ("E5", "I2", "2022-03-31", "2022-03-20", "合格", 1000.0, 1000.0, True),   # renovated before: smart items only
    ("E6", "I2", "2022-03-31", "2022-04-10", "不合格", None, 3000.0, True),    # renovated before: 适老化改造 again
], columns=["elder_id", "institution_id", "planned_completion", "completed_on", "acceptance", "accepted_amount_yuan",
            "paid_amount_yuan", "previously_renovated"]).assign(
    region_code=R, planned_completion=lambda d: pd.to_datetime(d.planned_completion),
    completed_on=lambda d: pd.to_datetime(d.completed_on))

ITEMS = pd.DataFrame([
    # elder, category, amount, in_info_system, personalised
    ("E1", "适老化改造", 2000.0, True, True), ("E1", "智能化设备", 700.0, True, False), ("E1", "老年用品", 300.0, False, None),
    ("E5", "智能化设备", 800.0, True, True), ("E5", "老年用品", 200.0, None, None),
    ("E6", "适老化改造", 1500.0, False, True),
], columns=["elder_id", "category", "amount_yuan", "in_info_system", "personalised"]).assign(region_code=R)

FUNDS = pd.DataFrame([
    ("allocated", "中央", None, 1805000.0, None), ("allocated", "省级", None, 20000.0, None),
    ("received", "中央", None, 1788188.0, None),
    ("paid", "中央", "I1", 50000.0, "beds"), ("paid", "中央", "I1", 6000.0, "home_visits"),
    ("paid", "中央", "I2", 1500.0, "home_visits"),
    ("spent", "中央", "I1", 1778188.0, "beds"), ("spent", "中央", None, 10000.0, "other"),
    ("institution_spent", "中央", "I1", 666100.0, None),
], columns=["kind", "source", "institution_id", "amount_yuan", "purpose"]).assign(region_code=R)


def answers(letter, blank=None):
    return {f"q{i}": (None if blank == i else letter) for i in range(1, 7)}


SURVEY = pd.DataFrame([
    {"questionnaire_id": "S1", "institution_id": "I1", "elder_id": "E1", "aware": True, **answers("A")},   # 100
    {"questionnaire_id": "S2", "institution_id": "I2", "elder_id": "E5", "aware": False, **answers("B")},  # 72
    {"questionnaire_id": "S3", "institution_id": "I2", "elder_id": "E4", "aware": None, **answers("C")},   # 44
    {"questionnaire_id": "S4", "institution_id": "I1", "elder_id": "E2", "aware": True, **answers("A", 3)},  # blank
]).assign(region_code=R, valid=True)

FRAMES = {"institutions": INSTITUTIONS, "elders": ELDERS, "status_events": EVENTS, "visits": VISITS, "beds": BEDS,
          "bed_items": ITEMS, "funds": FUNDS, "survey": SURVEY}


@pytest.fixture(scope="module")
def fig():
    return compute_frames(FRAMES, settings())


def row(frame, metric, inst=None):
    rows = frame[(frame.metric == metric) & (frame.institution_id.isna() if inst is None else frame.institution_id == inst)]
    assert len(rows) == 1, (metric, inst, rows)
    return rows.iloc[0]


def test_the_long_table_has_the_agreed_columns_and_one_row_per_scope_and_metric(fig):
    assert list(fig.columns) == ["region_code", "institution_id", "metric", "label", "numerator", "denominator",
                                 "value", "unit", "definition", "computable", "why_not", "policy"]
    assert not fig.duplicated(["region_code", "institution_id", "metric"]).any()
    assert (fig.computable == fig.why_not.isna()).all() and (fig.computable == fig.value.notna()).all()


def test_unknown_baseline_and_targets_make_figures_not_computable_not_zero():
    """Point 1: coverage needs the baseline; the target figures need their targets."""
    out = compute_frames(FRAMES, settings(baseline={}, targets={}))
    cov = row(out, "bed_coverage")
    assert not cov.computable and cov.why_not.startswith("not computable: baseline unknown")
    assert row(out, "home_service_coverage").why_not.startswith("not computable: baseline unknown")
    assert row(out, "target_beds_met").why_not.startswith("not computable: target unknown")
    assert row(out, "beds_built").value == 2  # what does not need the baseline is still computed


def test_budget_execution_counts_region_spending_not_institution_outlays(fig):
    """Point 2: rubric 支出 ÷ 到位 = 1,788,188 ÷ 1,788,188 = 100%; 自评 支出 ÷ 下达 = 1,788,188 ÷ 1,825,000."""
    assert row(fig, "rubric_execution_rate").value == pytest.approx(1.0)
    # 下达 = 1,805,000 (中央) + 20,000 (省级) = 1,825,000
    assert row(fig, "self_evaluation_execution_rate").value == pytest.approx(1788188 / 1825000)
    assert row(fig, "institution_spent_yuan", "I1").value == 666100  # reported beside, not in the rates
    assert row(fig, "spent_outside_tasks_yuan").value == 10000       # 用途 其他: a finding
    # per source only where both sides carry it: 中央 has 到位 and 支出; 省级 has 下达 but no 支出
    assert row(fig, "rubric_execution_rate_central").value == pytest.approx(1.0)
    assert not (fig.metric == "self_evaluation_execution_rate_provincial").any()
    # no rows, no zero: I2 has no 机构支出 rows
    assert row(fig, "institution_spent_yuan", "I2").why_not.startswith("not computable: no 机构支出")


def test_person_times_in_both_units_over_the_project_period_for_eligible_elders(fig):
    """Point 3 and 6: E1 30 + 2 open punches = 32 (3 visits in 2023 outside the period); E4 61 (4 after death
    never count); E3 (35) and E6 (40) not eligible. per_person: E1, E4 = 2; per_30_visits: ⌊32/30⌋ + ⌊61/30⌋ = 3."""
    assert row(fig, "person_times_per_person").value == 2
    assert row(fig, "person_times_per_30_visits").value == 3
    assert row(fig, "person_times").value == 2  # policy person_times.unit = per_person
    per_30 = compute_frames(FRAMES, settings(overlay_policy(POLICY, {"person_times": {"unit": "per_30_visits"}})))
    assert row(per_30, "person_times").value == 3
    # cost per 人次: 拨付 上门服务 6,000 + 1,500 = 7,500 ÷ 2
    assert row(fig, "cost_per_person_time").value == pytest.approx(3750)


def test_recipients_follow_the_policy_switch(fig):
    """Point 5: registered (default) serves E1, E2, E3, E4, E6 = 5, eligible E1, E4 = 2; without_bed drops the
    bed elders E1 and E6: eligible E4 = 1, 人次 = 1."""
    assert row(fig, "home_service_recipients").value == 2
    assert row(fig, "cost_per_recipient").value == pytest.approx(7500 / 5)
    assert row(fig, "home_service_coverage").value == pytest.approx(2 / 10)
    seed = compute_frames(FRAMES, settings(overlay_policy(POLICY, {"home_service": {"recipients": "without_bed"}})))
    assert row(seed, "home_service_recipients").value == 1
    assert row(seed, "person_times").value == 1
    assert "home_service.recipients" in row(seed, "home_service_recipients").policy


def test_a_local_hardship_category_in_policy_makes_its_elders_eligible(fig):
    """Point 7: E2 (支出型困难) is ineligible by default; with the category in policy E2 counts (3 of 5 registered
    home/bed elders not self-funded: E1, E2, E4, E5 eligible = 4 of 6)."""
    assert row(fig, "eligible_registration_share").value == pytest.approx(3 / 6)  # E1, E4, E5
    local = overlay_policy(POLICY, {"eligibility": {"hardship": ["低保", "低保边缘", "特困", "低收入", "支出型困难"]}})
    out = compute_frames(FRAMES, settings(local))
    assert row(out, "eligible_registration_share").value == pytest.approx(4 / 6)
    assert row(out, "home_service_recipients").value == 3  # E1, E2, E4


def test_double_renovation_counts_only_renovation_items(fig):
    """Point 4: E5 (renovated before) got only smart devices and aids: not double; E6 got 适老化改造 1,500 again."""
    assert row(fig, "double_renovation_beds").value == 1
    assert row(fig, "double_renovation_paid_yuan").value == 1500
    assert row(fig, "double_renovation_share").value == pytest.approx(1 / 3)


def test_the_cap_applies_to_the_policy_categories_computed_from_bed_items(fig):
    """Point 8: capped items (适老化改造 + 智能化设备): E1 2,000 + 700 = 2,700 > 2,500; E5 800; E6 1,500 → 1 of 3."""
    assert row(fig, "beds_above_cap_share").value == pytest.approx(1 / 3)
    # paid vs accepted over beds with both: paid 2,600 + 1,000 = 3,600, accepted 2,400 + 1,000 = 3,400
    assert row(fig, "renovation_overspend_yuan").value == 200


def test_item_shares_keep_blank_flags_in_the_denominator_and_take_service_plans():
    """Point 9: 6 bed items, 已录入 是 3 (1 blank) → 3/6; with 2 一人一案 items (1 是) → 4/8."""
    out = compute_frames(FRAMES, settings())
    assert row(out, "information_system_share").value == pytest.approx(3 / 6)
    assert row(out, "personalisation_share").value == pytest.approx(3 / 6)  # E1 1, E5 1, E6 1
    plans = pd.DataFrame({"region_code": R, "elder_id": ["E4", "E2"], "service_item": ["生活照料", "基础照护"],
                          "personalised": [True, False], "in_info_system": [True, None]})
    with_plans = compute_frames({**FRAMES, "service_plans": plans}, settings())
    assert row(with_plans, "information_system_share").value == pytest.approx(4 / 8)
    assert row(with_plans, "personalisation_share").value == pytest.approx(4 / 8)


def test_the_declaration_forms_missing_indicators(fig):
    """Point 10: beds built for eligible elders E1, E5 = 2 (E6 undetermined) ÷ planned 3 + 2 = 5; I1 1 ÷ 3."""
    assert row(fig, "beds_built").value == 2
    assert row(fig, "beds_built_share").value == pytest.approx(2 / 5)
    assert row(fig, "beds_built_share", "I1").value == pytest.approx(1 / 3)
    # awareness: S1 是, S2 否, S3 blank, S4 是 (invalid questionnaires still answer it): 2 of 3
    assert row(fig, "awareness_rate").value == pytest.approx(2 / 3)
    # satisfaction of bed recipients: S1 (E1 both) 100, S2 (E5) 72 → 86; home: S1 100, S3 (E4) 44 → 72
    assert row(fig, "satisfaction_rate_bed").value == pytest.approx(0.86)
    assert row(fig, "satisfaction_rate_home").value == pytest.approx(0.72)
    # targets: beds 2 ≥ 2 met; 人次 2 < 3 not met; spent 1,788,188 ≤ 1,805,000 met; satisfaction 0.72 < 0.85 not met
    assert [row(fig, m).value for m in ("target_beds_met", "target_person_times_met", "target_budget_met",
                                        "target_satisfaction_met")] == [1, 0, 1, 0]


def test_survey_issued_comes_from_region_yaml_and_a_blank_answer_is_returned_but_invalid(fig):
    """Point 11: issued 5 (region.yaml); returned 4 = valid 3 + invalid 1 (S4 left q3 blank); mean (100+72+44)/3."""
    assert row(fig, "survey_issued").value == 5
    assert row(fig, "survey_returned").value == 4 and row(fig, "survey_valid").value == 3
    assert row(fig, "satisfaction_rate").value == pytest.approx(0.72)
    unknown = compute_frames(FRAMES, settings(survey_issued=None))
    assert row(unknown, "survey_issued").why_not == "not computable: survey_issued unknown: absent in region.yaml"


def zhoucun_survey() -> pd.DataFrame:
    """73 returned, 72 valid (Zhoucun 2022); valid tallies A=71,B=1 on q1–q3 and A=70,B=2 on q4–q6."""
    rows = []
    for i in range(72):
        rows.append({"questionnaire_id": f"Q{i:02d}", "valid": True,
                     **{q: ("B" if i == 0 else "A") for q in ("q1", "q2", "q3")},
                     **{q: ("B" if i in (0, 1) else "A") for q in ("q4", "q5", "q6")}})
    rows.append({"questionnaire_id": "Q72", "valid": False, **{f"q{k}": "E" for k in range(1, 7)}})
    return pd.DataFrame(rows).assign(region_code=R, institution_id="I1")


def test_zhoucun_satisfaction_exact_not_rounded_per_question():
    """Exact: q1–q3 71×18 + 13 = 1,291 each; q4–q5 70×18 + 2×13 = 1,286 each; q6 70×10 + 2×7 = 714;
    total 3×1,291 + 2×1,286 + 714 = 7,159 ÷ 72 = 99.4305… → 99.43% (the evaluator rounded per question: 99.32%)."""
    out, lists = compute_frames({"institutions": INSTITUTIONS, "survey": zhoucun_survey()},
                                settings(survey_issued=75), with_details=True)
    assert (row(out, "survey_issued").value, row(out, "survey_returned").value, row(out, "survey_valid").value) == \
        (75, 73, 72)
    mean = row(out, "mean_score")
    assert (mean.numerator, mean.denominator) == (7159, 72) and mean.value == pytest.approx(7159 / 72)
    assert round(row(out, "satisfaction_rate").value * 100, 2) == 99.43
    means = lists["satisfaction_detail"].query("institution_id.isna()").set_index("question").mean_points
    assert means["q1"] == pytest.approx(1291 / 72) and means["q6"] == pytest.approx(714 / 72)


def test_every_figure_survives_empty_ledgers_as_not_computable_never_zero():
    out = compute_frames({}, settings())
    region = out[out.institution_id.isna()]
    for metric in ("beds_built", "cost_per_bed", "spent_yuan", "rubric_execution_rate", "satisfaction_rate",
                   "person_times", "short_person_months_visits"):
        assert not row(out, metric).computable, metric
    assert region.loc[region.value.notna(), "metric"].tolist() == ["survey_issued"]  # from region.yaml, not the ledger


def test_bed_payments_items_and_funds_are_reconciled_per_institution():
    """Point 8: I1 beds paid 2,600, items 2,000 + 700 + 300 = 3,000, 拨付 for 床位 50,000 → listed (items − paid 400,
    拨付 − paid 47,400); I2 paid 1,000 + 3,000 = 4,000, items 800 + 200 + 1,500 = 2,500, no 拨付 → listed."""
    out, lists = compute_frames(FRAMES, settings(), with_details=True)
    assert row(out, "beds_paid_yuan", "I1").value == 2600 and row(out, "bed_funds_paid_yuan", "I1").value == 50000
    listed = lists["bed_payments_detail"].set_index("institution_id")
    assert listed.loc["I1", "items_minus_beds_yuan"] == 400 and listed.loc["I1", "funds_minus_beds_yuan"] == 47400
    assert listed.loc["I2", "items_minus_beds_yuan"] == -1500 and listed.loc["I2", "funds_minus_beds_yuan"] == -4000


def test_legacy_levels_can_be_mapped_in_policy_and_a_birth_date_unlike_the_id_is_a_finding():
    """Point 7: E6 (半失能, legacy) is undetermined until the region maps 半失能 → 中度失能; an elder whose 出生日期
    differs from the ID number (flag from the load step) is undetermined with the reason named."""
    mapped = overlay_policy(POLICY, {"eligibility": {"legacy_ability_mapping": {"半失能": "中度失能"}}})
    elders = ELDERS.assign(birth_date_matches_id=[True, True, True, False, True, True])
    out, lists = compute_frames({**FRAMES, "elders": elders}, settings(mapped), with_details=True)
    listed = lists["coverage_detail"].set_index("elder_id")
    assert "E6" not in listed.index  # mapped: eligible
    assert listed.loc["E4", "status"] == "undetermined" and "出生日期 differs" in listed.loc["E4", "reason"]
    # eligible: E1, E5, E6 (E2 hardship, E3 能力完好 ineligible; E4 undetermined) = 3 of 6
    assert row(out, "eligible_registration_share").value == pytest.approx(3 / 6)


def test_the_polars_rows_are_the_pandas_rows(fig):
    """compute_polars (what the asset stores) reads DuckDB's arrow directly: the same rows, types and nulls as compute."""
    import duckdb
    import polars as pl

    from eldercare.metrics.figures import compute_polars, input_views

    con = duckdb.connect()
    for name, frame in FRAMES.items():
        if frame is not None:
            con.register(f"frame_{name}", frame)
    input_views(con, {name: f"frame_{name}" for name, frame in FRAMES.items() if frame is not None})
    rows = compute_polars(con, settings())
    expected = pl.from_pandas(fig)
    assert rows.columns == expected.columns
    assert rows.equals(expected.with_columns(pl.col("institution_id").cast(pl.Utf8)), null_equal=True)
