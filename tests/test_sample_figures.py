"""The sample region's cases for issue 10's rules, and the figures they change (the whole sample, materialised once).

The cases are in the generated ledgers (synth/sample.py): E0046's home was renovated before and got only smart
devices and aids; E0100 and E0261 were under 60 at enrolment and have ≥30 visits; E0123 terminated service on
2022-09-02; region.yaml gives survey_issued 75 and leaves baseline.facilities unknown (null).
"""

from __future__ import annotations

from tests.conftest import SAMPLE_CODE, query


def figure(warehouse, metric: str) -> tuple:
    return query(warehouse, "select value, why_not, definition from metrics.figures where region_code = ? "
                            "and metric = ? and institution_id is null", [SAMPLE_CODE, metric])[0]


def test_the_run_succeeds_with_an_unknown_baseline_figure(sample_run):
    _, warehouse, result = sample_run
    assert result.success
    assert query(warehouse, "select count(*) from validated.regions") == [(1,)]  # facilities: null loads


def test_a_renovated_home_with_only_smart_items_is_not_double(sample_run):
    """Four beds are marked 已享受适老化改造: E0053, E0118, E0122 got 适老化改造 items again, E0046 only 智能化设备 and
    老年用品 (allowed, seed 002 四(四)) → 3 double beds, not 4."""
    _, warehouse, _ = sample_run
    assert figure(warehouse, "double_renovation_beds")[0] == 3
    listed = [e for (e,) in query(warehouse, "select elder_id from metrics.double_renovation_detail order by 1")]
    assert listed == ["E0053", "E0118", "E0122"]


def test_ineligible_elders_with_thirty_visits_are_left_out_of_person_times_visibly(sample_run):
    """E0100 (born 1963-02-03, enrolled 2021-12-17: 58) and E0261 (born 1963-11-13, enrolled 2022-01-04: 58) have
    152 and 134 visits: each would be one 人次, but they are ineligible (a finding naming the age rule)."""
    _, warehouse, _ = sample_run
    reasons = dict(query(warehouse, "select elder_id, reason from metrics.coverage_detail "
                                    "where elder_id in ('E0100', 'E0261')"))
    assert reasons["E0100"].startswith("age: aged 58") and reasons["E0261"].startswith("age: aged 58")
    value, why, definition = figure(warehouse, "person_times_per_person")
    assert why is None and "ineligible or undetermined elders with ≥30 visits left out" in definition
    per_person = value
    eligible_30 = query(warehouse, """
        select count(*) from (select elder_id, sum(visits) as v from metrics.elder_months
                              where scope <> 'not_home_service_recipient' and scope <> 'self_funded' group by all) m
        where v >= 30 and elder_id not in (select elder_id from metrics.coverage_detail)""")[0][0]
    assert per_person == eligible_30


def test_a_termination_inside_a_month_is_labelled_as_such(sample_run):
    """E0123 terminated on 2022-09-02: September is 'terminated_this_month', October 'after_exit'."""
    _, warehouse, _ = sample_run
    scopes = dict(query(warehouse, "select strftime(month, '%Y-%m'), scope from metrics.elder_months "
                                   "where elder_id = 'E0123' and month >= DATE '2022-09-01' order by month"))
    assert scopes["2022-09"] == "terminated_this_month" and scopes["2022-10"] == "after_exit"


def test_survey_issued_comes_from_region_yaml(sample_run):
    """Issued 75 (region.yaml), returned 73 (rows of the survey ledger): never the row count as issued."""
    _, warehouse, _ = sample_run
    assert figure(warehouse, "survey_issued")[0] == 75
    assert figure(warehouse, "survey_returned")[0] == 73


def test_an_institutions_own_outlay_is_reported_beside_execution_never_in_it(sample_run):
    """Three 机构支出 rows (synth/sample.py INSTITUTION_OUTLAYS): 120,000 + 135,000 + 150,000 = 405,000 元; the
    rubric execution rate still reads only 支出 ÷ 到位."""
    _, warehouse, _ = sample_run
    assert figure(warehouse, "institution_spent_yuan")[0] == 405000.0
    spent, received = figure(warehouse, "spent_yuan")[0], figure(warehouse, "received_yuan")[0]
    assert abs(figure(warehouse, "rubric_execution_rate")[0] - spent / received) < 1e-12


def test_a_local_hardship_category_loads_and_is_eligible_by_the_regions_policy(sample_run):
    """One elder is 支出型困难, a category region.yaml's policy adds: loaded as written, never quarantined, eligible."""
    _, warehouse, _ = sample_run
    [(elder,)] = query(warehouse, "select elder_id from validated.elders where hardship = '支出型困难'")
    assert query(warehouse, "select count(*) from quarantine.rows where ledger = 'elders' and column_name = 'hardship'") \
        == [(0,)]
    assert query(warehouse, "select count(*) from metrics.coverage_detail where elder_id = ?", [elder]) == [(0,)]


def test_a_blank_answer_is_returned_but_not_valid_and_awareness_is_counted(sample_run):
    """73 returned: one marked 有效=否 and one with a blank answer are invalid → 71 valid, nothing quarantined.
    政策知晓: counted from the raw file by hand below (是 ÷ (是 + 否); the two blank cells are unknown)."""
    import openpyxl

    from tests.conftest import SAMPLE

    _, warehouse, _ = sample_run
    assert figure(warehouse, "survey_returned")[0] == 73 and figure(warehouse, "survey_valid")[0] == 71
    assert query(warehouse, "select count(*) from quarantine.rows where ledger = 'survey'") == [(0,)]
    rows = list(openpyxl.load_workbook(SAMPLE / SAMPLE_CODE / "survey.xlsx", read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    header = rows[0]
    aware = [r[header.index("政策知晓")] for r in rows[1:] if r and r[0]]
    yes, no = aware.count("是"), aware.count("否")
    assert (yes, no, aware.count(None)) == (64, 7, 2)  # 73 questionnaires: every 10th n is 否, n = 7 and 8 blank
    assert abs(figure(warehouse, "awareness_rate")[0] - yes / (yes + no)) < 1e-12
    assert figure(warehouse, "satisfaction_rate_bed")[0] is not None  # respondents now name themselves
