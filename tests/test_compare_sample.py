"""The sample region's published/ folder (seeded by eldercare/compare/seed_published.py) reconciled end to end:
the seeded departures are found with their rule, and every other published person-month agrees.

Asserted by elder and month, not by totals, so that elders added to the sample later do not break it."""

import shutil

import dagster as dg
import pytest

from assets.compare import COMPARE_ASSETS
from conftest import SAMPLE, SAMPLE_CODE, query, resources_for

ONLY_PUBLISHED = {("E0109", "2022-08", "visits"): "died_this_month",   # 去世 2022-08-04
                  ("E0047", "2022-08", "hours"): "paused",             # 暂停 2022-08-09
                  ("E0136", "2022-06", "visits"): "meets_minimum",     # 28 visits
                  ("E0076", "2022-06", "visits"): "not_home_service_recipient"}  # bed-only
ONLY_COMPUTED = {("E0249", "2022-06", "visits"), ("E0091", "2022-11", "hours")}


@pytest.fixture(scope="module")
def compared(sample_run, tmp_path_factory):
    raw, warehouse, result = sample_run
    assert result.success
    copy = tmp_path_factory.mktemp("compare_sample") / "w.duckdb"
    shutil.copy(warehouse, copy)
    run = dg.materialize(COMPARE_ASSETS, resources=resources_for(raw, copy), raise_on_error=False)
    assert run.success
    assert all(e.passed for e in run.get_asset_check_evaluations())
    return copy


def _listing(warehouse):
    return {(e, m, k): (v, r, ev) for e, m, k, v, r, ev in query(
        warehouse, "select elder_id, strftime(month, '%Y-%m'), metric, verdict, rule, evidence "
                   "from compare.published_vs_rules")}


def test_seeded_departures_are_found_with_their_rule(compared):
    listing = _listing(compared)
    only_published = {k: r for k, (v, r, _) in listing.items() if v == "only_published"}
    assert only_published == ONLY_PUBLISHED
    assert "去世 2022-08-04" in listing[("E0109", "2022-08", "visits")][2]
    assert "暂停 2022-08-09" in listing[("E0047", "2022-08", "hours")][2]
    for key in ONLY_COMPUTED:
        assert listing[key][:2] == ("only_computed", "below_minimum")
        assert "not in the published list" in listing[key][2]


def test_every_other_published_row_agrees(compared):
    lines = (SAMPLE / SAMPLE_CODE / "published" / "shortfalls.csv").read_text(encoding="utf-8").splitlines()
    readable = len(lines) - 1 - 2  # header, and the two seeded bad rows
    agree = query(compared, "select count(*) from compare.published_vs_rules where verdict = 'agree'")[0][0]
    assert agree == readable - len(ONLY_PUBLISHED)
    wrong_value = _listing(compared)[("E0007", "2022-07", "visits")]
    assert wrong_value[0] == "agree" and "published 数值 12.0, counted 11.0" in wrong_value[2]


def test_bad_published_rows_are_reported_not_dropped(compared):
    assert sorted(query(compared, "select column_header, value from compare.published_problems")) == [
        ("指标", "人次"), ("月份", "2022-13")]


def test_the_published_total_that_does_not_match_its_list(compared):
    [(total, listed, note)] = query(compared, "select published_total, published_listed, note from "
                                              "compare.published_totals where institution_id = 'JG003' "
                                              "and metric = 'visits'")
    assert total == listed + 1 and "differs from the person-months it lists" in note


def test_policy_variants_side_by_side_for_the_sample(compared):
    variants = {v for (v,) in query(compared, "select distinct variant from compare.policy_variants")}
    assert variants == {"prorate_partial_months", "unrecorded_time_undetermined", "min_visits_12"}
    [(in_force, under, changed)] = query(compared, """
        select in_force, under_variant, person_months_changed from compare.policy_variants
        where variant = 'min_visits_12' and measure = 'short_visits' and institution_id is null""")
    assert under < in_force and changed == in_force - under  # a lower minimum only removes shortfalls


def test_whatif_on_demand_leaves_the_official_tables_alone(compared, capsys):
    from pipeline.whatif import whatif
    from resources import RawFolder, Warehouse

    before = query(compared, "select count(*), sum(hash(elder_id, month, below_visits)) from metrics.elder_months")
    variants_before = query(compared, "select count(*) from compare.policy_variants")
    assert whatif("min_visits_12", RawFolder(path=str(SAMPLE)), Warehouse(path=str(compared))) == 0
    assert "short_visits" in capsys.readouterr().out
    assert query(compared, "select count(*), sum(hash(elder_id, month, below_visits)) from metrics.elder_months") \
        == before
    assert query(compared, "select count(*) from compare.policy_variants") == variants_before
    assert query(compared, "select distinct variant from compare.whatif_summary") == [("min_visits_12",)]
    official, on_demand = query(compared, """
        select (select under_variant from compare.policy_variants where variant = 'min_visits_12'
                and measure = 'short_visits' and institution_id is null),
               (select under_variant from compare.whatif_summary where variant = 'min_visits_12'
                and measure = 'short_visits' and institution_id is null)""")[0]
    assert official == on_demand
