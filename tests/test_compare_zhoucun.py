"""The 期颐堂 worked example reconciled: the published 59 against the written rule gives 58 agree and 1
only_published (Q23, who died on 2022-06-05), and the rubric indicator shows what the departure is worth.
The evaluator's list is rebuilt here from its own words and the table carried in tests/fixtures."""

import dagster as dg
from pathlib import Path

import pytest

from assets.compare import COMPARE_ASSETS
from conftest import EVERYTHING, query, resources_for
from tests.zhoucun_fixture import build, read_table

RUBRICS = Path(__file__).resolve().parents[1] / "config" / "rubrics"  # the shipped rubric files


def published_list() -> list[tuple[str, str]]:
    """The evaluator's 59: in June every recipient but Q18 and Q47; then Q10, Q34, Q35 in July and Q35 in September."""
    june = [r["elder"] for r in read_table() if r["month"] == "2022-06" and r["event"] != "not_recipient"
            and r["visits"] != "" and r["elder"] not in ("Q18", "Q47")]
    return [(e, "2022-06") for e in june] + [("Q10", "2022-07"), ("Q34", "2022-07"), ("Q35", "2022-07"),
                                              ("Q35", "2022-09")]


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory):
    root = tmp_path_factory.mktemp("zhoucun_compare")
    folder = build(root / "raw")
    (folder / "region.yaml").write_text((folder / "region.yaml").read_text(encoding="utf-8")
                                        + "rubrics: [zhoucun_2022_project]\n", encoding="utf-8")
    (folder / "published").mkdir()
    rows = published_list()
    (folder / "published" / "shortfalls.csv").write_text(
        "服务机构,指标,服务对象编号,月份\n" + "".join(f"QYT,次数,{e},{m}\n" for e, m in rows), encoding="utf-8")
    (folder / "published" / "totals.csv").write_text("服务机构,指标,合计\nQYT,次数,59\n", encoding="utf-8")
    (folder / "published" / "scores.csv").write_text(
        "rubric,subject,indicator,score\nzhoucun_2022_project,370306,居家上门护理服务次数,0\n"
        "zhoucun_2022_institution,QYT,居家上门护理服务次数,0\n", encoding="utf-8")
    rubrics = RUBRICS
    warehouse = root / "w.duckdb"
    config = {"rubrics_dir": str(rubrics)}
    result = dg.materialize(
        [*EVERYTHING, *COMPARE_ASSETS], resources=resources_for(root / "raw", warehouse),
        tags={"dagster/asset_partition_range_start": "2022-06-01", "dagster/asset_partition_range_end": "2022-12-01"},
        run_config={"ops": {"compare__published_points": {"config": config},
                            "compare__policy_variants": {"config": config}}}, raise_on_error=False)
    assert result.success
    # blocking checks pass; a WARN (e.g. rubric indicators this fixture has no judgment for) only warns
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in result.get_asset_check_evaluations())
    assert len(rows) == 59
    return warehouse


def test_published_59_is_58_agree_and_1_only_published(reconciled):
    counts = dict(query(reconciled, "select verdict, count(*) from compare.published_vs_rules group by all"))
    assert counts == {"agree": 58, "only_published": 1}  # the report lists visits only: hours are not compared
    [(elder, month, rule, evidence)] = query(
        reconciled, "select elder_id, strftime(month, '%Y-%m'), rule, evidence from compare.published_vs_rules "
                    "where verdict = 'only_published'")
    assert (elder, month, rule) == ("Q23", "2022-06", "died_this_month")
    assert "去世 2022-06-05" in evidence


def test_totals_side_by_side(reconciled):
    assert query(reconciled, "select published_total, published_listed, computed, difference "
                             "from compare.published_totals where institution_id = 'QYT' and metric = 'visits'") \
        == [(59, 59, 58, 58 - 59)]


def test_points_difference_of_the_indicator(reconciled):
    got = {r[0]: r[1:] for r in query(reconciled, """
        select rubric, subject, published_count, computed_count, deduction_each, deduction_difference,
               points_published_count, points_computed_count, points_difference, published_score
        from compare.published_points where indicator = '居家上门护理服务次数'""")}
    # project rubric, 4 points: 0.5 × (59 − 58) = 0.5 less deducted; 4 − 29.5 and 4 − 29 both floor at 0
    assert got["zhoucun_2022_project"] == ("370306", 59, 58, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0)
    # institution rubric, 15 points: 15 − 29.5 and 15 − 29 both floor at 0 as well
    assert got["zhoucun_2022_institution"] == ("QYT", 59, 58, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0)


def test_variants_on_the_worked_example(reconciled):
    got = {(v, m): (a, b) for v, m, a, b in query(reconciled, """
        select variant, measure, in_force, under_variant from compare.policy_variants
        where institution_id is null and rubric is null""")}
    # minimum 12: the five person-months with 12–14 visits (Q19 Jun 14, Q34 Jul 12, Q36 Jun 12, Q46 Jun 14,
    # Q48 Jun 12) meet it: 58 − 5 = 53
    assert got[("min_visits_12", "short_visits")] == (58, 53)
    # pro-rated partial months: Q23 Jun (4 of 30 days: minimum 2, 1 visit), Q10 Sep (19 of 30: 9.5, 9 visits),
    # Q06 Jul (1 of 31: 0.48, no visit) come in below; Q34 Sep (paused on the 1st) has no day in service
    assert got[("prorate_partial_months", "in_scope_person_months")] == (219, 222)
    assert got[("prorate_partial_months", "short_visits")] == (58, 61)
    # every fixture visit has its time recorded: nothing becomes undetermined
    assert got[("unrecorded_time_undetermined", "short_hours")] == (58, 58)
    points = dict(((v, a), b) for v, a, b in query(reconciled, """
        select variant, in_force, under_variant from compare.policy_variants
        where rubric = 'zhoucun_2022_project' and institution_id is null"""))
    assert points[("min_visits_12", 0.0)] == 0.0  # 4 − 0.5 × 53 is still below zero
